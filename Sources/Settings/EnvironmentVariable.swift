/// The name of one environment variable Continuum reads, such as `CONTINUUM_SLOTS`.
///
/// Each name is declared once, as a static member in an extension, by the lowest module whose
/// errors have to name it (`EnvironmentVariable.slots` in Sandbox, `.leaseTTL` in Node); the
/// module that reads it may sit higher up.
public struct EnvironmentVariable: Hashable, Sendable, CustomStringConvertible {
    /// The variable's name, exactly as it is spelled in the environment.
    public let name: String

    public init(_ name: String) {
        self.name = name
    }

    public var description: String { name }
}

extension EnvironmentVariable {
    /// The least severe level a command logs (`trace` … `critical`): read by every executable.
    public static let logLevel = EnvironmentVariable("CONTINUUM_LOG_LEVEL")
}
