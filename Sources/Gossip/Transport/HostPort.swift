/// A `host:port` address as the configuration and the wire spell it; IPv6 literals are
/// bracketed (`[::1]:7946`).
struct HostPort: Sendable, Hashable, CustomStringConvertible {
    /// A host name or an IP literal, without brackets.
    let host: String
    /// The port; 0 asks the system for an ephemeral one when binding.
    let port: UInt16

    init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` or `[ipv6]:port`; `nil` when either part is missing or malformed.
    init?(_ text: String) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard !host.contains(":") else { return nil }
        }
        guard !host.isEmpty, !host.contains(where: \.isWhitespace),
              portText.allSatisfy(\.isASCII), let port = UInt16(portText) else { return nil }
        self.init(host: String(host), port: port)
    }

    /// Whether the host is the IPv4 or IPv6 wildcard, which peers cannot send to.
    var isWildcard: Bool { host == "0.0.0.0" || host == "::" }

    var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
