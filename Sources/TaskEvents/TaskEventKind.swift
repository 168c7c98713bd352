/// What happened to one attempt of a task, as a node logs it and the chaos suite reads it back.
/// A node writes one `TaskEventRecord` under the metadata key `event` (`metadataKey`); the
/// message beside it is for people only.
public enum TaskEventKind: String, Sendable, CaseIterable {
    /// The sandbox run began.
    case started
    /// The result was written: completed.
    case completed
    /// A terminal failure was written.
    case failed
    /// Engine trouble was written as a retry.
    case retryScheduled = "retry_scheduled"
    /// The task went back to the queue (shutdown).
    case handedBack = "handed_back"
    /// The lease was found lost while running or when writing; nothing was written.
    case leaseLost = "lease_lost"
    /// A result write whose outcome the node never learned (the database stayed out of reach):
    /// it may or may not have landed.
    case writeUnconfirmed = "write_unconfirmed"

    /// The log metadata key that carries the record.
    public static let metadataKey = "event"
}

/// One event of one attempt as a single word, `kind/task/fence/attempt` (`completed/17/4/1`),
/// so that it travels as one metadata value. swift-log prints metadata sorted by key, and every
/// free-text key a node logs beside it (`delay_s`, `detail`, `error`) sorts before `event`: a
/// reader that takes the last `event=` of a line takes the real one, whatever those values hold.
public struct TaskEventRecord: Sendable, Equatable, CustomStringConvertible {
    public let kind: TaskEventKind
    public let taskID: Int64
    public let fence: Int64
    public let attempt: Int

    public init(kind: TaskEventKind, taskID: Int64, fence: Int64, attempt: Int) {
        self.kind = kind
        self.taskID = taskID
        self.fence = fence
        self.attempt = attempt
    }

    /// Reads a record back; nil for anything that is not exactly one.
    public init?(_ text: Substring) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, let kind = TaskEventKind(rawValue: String(parts[0])),
              let taskID = Int64(parts[1]), let fence = Int64(parts[2]), let attempt = Int(parts[3]) else { return nil }
        self.init(kind: kind, taskID: taskID, fence: fence, attempt: attempt)
    }

    public var description: String { "\(kind.rawValue)/\(taskID)/\(fence)/\(attempt)" }
}
