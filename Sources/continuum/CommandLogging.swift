import Logging
import Node
import Settings

/// A logger for a command: to stderr, one line a record, at `CONTINUUM_LOG_LEVEL` or the
/// command's default. A level that is not one of swift-log's stops the command.
func commandLogger(
    _ label: String, defaultLevel: Logger.Level, environment: [String: String]
) throws(CommandFailure) -> Logger {
    var logger = Logger(label: label) { OneLineLogHandler(StreamLogHandler.standardError(label: $0)) }
    logger.logLevel = try CommandFailure.wrap { () throws(ConfigurationError) in
        try EnvironmentReader(environment).choice(.logLevel) ?? defaultLevel
    }
    return logger
}
