import Foundation
import Logging

/// A logger for a command: to stderr, at `CONTINUUM_LOG_LEVEL` or the command's default.
func commandLogger(_ label: String, defaultLevel: Logger.Level) -> Logger {
    var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = ProcessInfo.processInfo.environment["CONTINUUM_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? defaultLevel
    return logger
}
