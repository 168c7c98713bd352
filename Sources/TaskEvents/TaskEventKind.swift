/// What happened to one attempt of a task, as a node logs it and the chaos suite reads it back.
/// A node writes the kind's raw value under the metadata key `event` (`metadataKey`), beside
/// `node_id`, `task_id`, `fence` and `attempt`; the message beside it is for people only.
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

    /// The log metadata key that carries the kind.
    public static let metadataKey = "event"
}
