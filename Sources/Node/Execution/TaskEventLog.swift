import Logging
import Store
import TaskEvents

extension Logger {
    /// Logs what happened to `task`'s attempt, with its typed `event` record the chaos suite
    /// reads back.
    func event(
        _ kind: TaskEventKind, of task: ClaimedTask, level: Logger.Level, _ message: @autoclosure () -> Logger.Message,
        metadata: Logger.Metadata = [:]
    ) {
        let record = TaskEventRecord(kind: kind, taskID: task.lease.taskID, fence: task.lease.fence, attempt: task.attempt)
        log(level: level, message(), metadata: metadata.merging([TaskEventKind.metadataKey: "\(record)"]) { $1 })
    }
}
