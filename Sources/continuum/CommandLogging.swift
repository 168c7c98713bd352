import Logging
import Settings

/// A logger for a command: to stderr, at `CONTINUUM_LOG_LEVEL` or the command's default. A level
/// that is not one of swift-log's stops the command.
func commandLogger(
    _ label: String, defaultLevel: Logger.Level, environment: [String: String]
) throws(CommandFailure) -> Logger {
    var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = try CommandFailure.wrap { () throws(ConfigurationError) in
        try EnvironmentReader(environment).choice(.logLevel) ?? defaultLevel
    }
    return logger
}

extension EnvironmentVariable {
    /// The least severe level a command logs: `trace` … `critical`.
    static let logLevel = EnvironmentVariable("CONTINUUM_LOG_LEVEL")
}
