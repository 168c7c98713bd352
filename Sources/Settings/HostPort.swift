/// A `host:port` address as settings spell it; IPv6 literals are bracketed (`[::1]:7946`).
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    /// A host name or an IP literal, without brackets.
    public let host: String
    /// The port; 0 asks the system for an ephemeral one when binding.
    public let port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` or `[ipv6]:port`; `nil` when either part is missing or malformed.
    public init?(_ text: String) {
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
    public var isWildcard: Bool { host == "0.0.0.0" || host == "::" }

    /// Whether another machine can send to it: a real port on a host that is not a wildcard.
    public var isReachable: Bool { port != 0 && !isWildcard }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
