/// Typed reads of settings from an environment that is handed in, so that reading is pure.
///
/// Every read returns `nil` (a list read: no items) when its variable is unset, empty or blank,
/// so that the caller's default applies (`?? 2`), and throws a `ConfigurationError` naming the
/// variable, its value and what was expected when the value is malformed. Surrounding whitespace
/// is ignored, except by `secret`.
public struct EnvironmentReader: Sendable {
    public let environment: [String: String]

    public init(_ environment: [String: String]) {
        self.environment = environment
    }

    /// The text, without surrounding whitespace, of at most `maxBytes` UTF-8 bytes.
    public func string(_ variable: EnvironmentVariable, maxBytes: Int = .max) throws(ConfigurationError) -> String? {
        try parse(variable, expected: "text of at most \(maxBytes) bytes") { $0.utf8.count <= maxBytes ? $0 : nil }
    }

    /// A secret, byte for byte: at least `minimumBytes` UTF-8 bytes without surrounding
    /// whitespace (a stray space or newline is a copying mistake that would otherwise fail much
    /// later). Its errors show only its length.
    public func secret(_ variable: EnvironmentVariable, minimumBytes: Int = 1) throws(ConfigurationError) -> String? {
        guard let raw = environment[variable.name], !raw.isEmpty else { return nil }
        guard raw.utf8.count >= minimumBytes, Self.trimmed(raw) == raw[...] else {
            throw ConfigurationError(
                variable: variable, value: .secret(bytes: raw.utf8.count),
                expected: "a secret of at least \(minimumBytes) bytes without surrounding whitespace")
        }
        return raw
    }

    /// A whole number within `range`.
    public func integer(_ variable: EnvironmentVariable, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        try parse(variable, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)") { text in
            Int(text).flatMap { range.contains($0) ? $0 : nil }
        }
    }

    /// A finite decimal number within `range`.
    public func number(_ variable: EnvironmentVariable, in range: ClosedRange<Double>) throws(ConfigurationError) -> Double? {
        try parse(variable, expected: "a number from \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound))") { text in
            Double(text).flatMap { $0.isFinite && range.contains($0) ? $0 : nil }
        }
    }

    /// A duration written in seconds, fractions allowed (`0.5`), within `range` seconds.
    public func seconds(_ variable: EnvironmentVariable, in range: ClosedRange<Double>) throws(ConfigurationError) -> Duration? {
        let expected = "a number of seconds from \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound))"
        return try parse(variable, expected: expected) { text in
            Double(text).flatMap { $0.isFinite && range.contains($0) ? Duration.seconds($0) : nil }
        }
    }

    /// A switch: `on`, `true`, `yes`, `1` or `off`, `false`, `no`, `0`, in any case.
    public func flag(_ variable: EnvironmentVariable) throws(ConfigurationError) -> Bool? {
        try parse(variable, expected: "on or off") { text in
            switch text.lowercased() {
            case "on", "true", "yes", "1": true
            case "off", "false", "no", "0": false
            default: nil
            }
        }
    }

    /// One of a closed set of words, the raw values of `Choice`. Case does not matter, and `_` or
    /// `-` may stand for a space (`READ_COMMITTED` is `read committed`).
    public func choice<Choice: CaseIterable & RawRepresentable>(
        _ variable: EnvironmentVariable, of _: Choice.Type = Choice.self
    ) throws(ConfigurationError) -> Choice? where Choice.RawValue == String {
        func spelling(_ text: String) -> String {
            String(text.lowercased().map { $0 == "_" || $0 == "-" ? " " : $0 })
        }
        let names = Choice.allCases.map(\.rawValue.debugDescription).joined(separator: ", ")
        return try parse(variable, expected: "one of \(names)") { text in
            Choice.allCases.first { spelling($0.rawValue) == spelling(text) }
        }
    }

    /// An absolute file system path (whether it exists is the caller's question).
    public func absolutePath(_ variable: EnvironmentVariable) throws(ConfigurationError) -> String? {
        try parse(variable, expected: "an absolute path") { $0.hasPrefix("/") ? $0 : nil }
    }

    /// A `host:port` to bind: port 0 (ephemeral) and wildcard hosts are allowed.
    public func hostPort(_ variable: EnvironmentVariable) throws(ConfigurationError) -> HostPort? {
        try parse(variable, expected: Self.hostPortSyntax, HostPort.init)
    }

    /// A `host:port` other machines can send to.
    public func reachableHostPort(_ variable: EnvironmentVariable) throws(ConfigurationError) -> HostPort? {
        try parse(variable, expected: Self.reachableHostPortSyntax) { HostPort($0).flatMap { $0.isReachable ? $0 : nil } }
    }

    /// Comma-separated items, each without surrounding whitespace; empty items are dropped.
    public func list(_ variable: EnvironmentVariable) -> [String] {
        (environment[variable.name] ?? "").split(separator: ",").map(Self.trimmed).filter { !$0.isEmpty }.map(String.init)
    }

    /// Comma-separated `host:port` other machines can send to; the error shows the first bad item.
    public func reachableHostPorts(_ variable: EnvironmentVariable) throws(ConfigurationError) -> [HostPort] {
        var addresses: [HostPort] = []
        for item in list(variable) {
            guard let address = HostPort(item), address.isReachable else {
                throw ConfigurationError(
                    variable: variable, value: .item(item), expected: "comma-separated items, each \(Self.reachableHostPortSyntax)")
            }
            addresses.append(address)
        }
        return addresses
    }

    /// What `read` returns for `variable`, which must be set `when` the condition holds
    /// (`"CONTINUUM_GOSSIP_BIND is set"`).
    public func required<Value>(
        _ variable: EnvironmentVariable, when condition: String,
        _ read: (EnvironmentVariable) throws(ConfigurationError) -> Value?
    ) throws(ConfigurationError) -> Value {
        guard let value = try read(variable) else {
            throw ConfigurationError(variable: variable, value: .unset, expected: "a value when \(condition)")
        }
        return value
    }

    private static let hostPortSyntax = "host:port (an IPv6 address in brackets) with a port from 0 to 65535"
    private static let reachableHostPortSyntax =
        "host:port other machines can reach: no wildcard address (0.0.0.0, ::), a port from 1 to 65535"

    /// The trimmed text of `variable` turned into a value by `convert`; nil when unset or blank.
    private func parse<Value>(
        _ variable: EnvironmentVariable, expected: String, _ convert: (String) -> Value?
    ) throws(ConfigurationError) -> Value? {
        guard let raw = environment[variable.name] else { return nil }
        let text = String(Self.trimmed(raw))
        guard !text.isEmpty else { return nil }
        guard let value = convert(text) else {
            throw ConfigurationError(variable: variable, value: .text(text), expected: expected)
        }
        return value
    }

    private static func trimmed<Text: StringProtocol>(_ text: Text) -> Text.SubSequence {
        let start = text.firstIndex { !$0.isWhitespace } ?? text.endIndex
        let end = text.lastIndex { !$0.isWhitespace }.map(text.index(after:)) ?? start
        return text[start..<end]
    }

    /// `86400` rather than `86400.0`; `0.5` as it is.
    private static func format(_ number: Double) -> String {
        number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }
}
