/// A setting that stops a command at start: which variable, what it held and what was expected,
/// as in `CONTINUUM_SLOTS="abc": expected a whole number from 1 to 1024`.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What the variable held, as far as a message may show it.
    public enum Value: Sendable, Hashable {
        /// The variable is unset or empty.
        case unset
        /// The whole value.
        case text(String)
        /// One item of a comma-separated list.
        case item(String)
        /// A secret: only its length is shown.
        case secret(bytes: Int)
    }

    /// The variable at fault.
    public let variable: EnvironmentVariable
    public let value: Value
    /// What would have been accepted, phrased to follow "expected".
    public let expected: String

    public init(variable: EnvironmentVariable, value: Value, expected: String) {
        self.variable = variable
        self.value = value
        self.expected = expected
    }

    public var description: String {
        switch value {
        case .unset: "\(variable) is not set: expected \(expected)"
        case .text(let text): "\(variable)=\(text.debugDescription): expected \(expected)"
        case .item(let item): "\(variable) holds \(item.debugDescription): expected \(expected)"
        case .secret(let bytes): "\(variable) (\(bytes) bytes, not shown): expected \(expected)"
        }
    }
}
