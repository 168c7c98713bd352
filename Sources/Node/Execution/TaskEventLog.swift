import Logging
import TaskEvents

extension Logger {
    /// Logs what happened to the attempt this logger's metadata names (`task_id`, `fence`,
    /// `attempt`, `node_id`), with the typed `event` the chaos suite reads.
    func event(_ kind: TaskEventKind, level: Logger.Level, _ message: @autoclosure () -> Logger.Message, metadata: Logger.Metadata = [:]) {
        log(level: level, message(), metadata: metadata.merging([TaskEventKind.metadataKey: "\(kind.rawValue)"]) { $1 })
    }
}
