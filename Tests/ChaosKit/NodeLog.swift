/// What a node's log says happened to one attempt of a task.
public struct TaskEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// The sandbox run began (`task started`).
        case started
        /// The result was written: completed (`task completed`).
        case completed
        /// A terminal failure was written (`task failed`).
        case failed
        /// Engine trouble was written as a retry (`engine trouble; retry scheduled`).
        case retryScheduled
        /// The task went back to the queue on shutdown (`task handed back to the queue on shutdown`).
        case handedBack
        /// The lease was found lost while running or when writing; nothing was written.
        case leaseLost
        /// A result write whose outcome the node never learned (the database stayed out of reach):
        /// it may or may not have landed.
        case writeUnconfirmed
    }

    public var kind: Kind
    public var node: String
    public var taskID: Int64
    public var fence: Int64
    public var attempt: Int

    public init(kind: Kind, node: String, taskID: Int64, fence: Int64, attempt: Int) {
        self.kind = kind
        self.node = node
        self.taskID = taskID
        self.fence = fence
        self.attempt = attempt
    }
}

/// Reads `TaskEvent`s out of a node's log (swift-log's stream format:
/// `<time> <level> <label>: key=value ... [Node] <message>`).
public enum NodeLog {
    private static let messages: [(String, TaskEvent.Kind)] = [
        ("task started", .started),
        ("task completed", .completed),
        ("task failed", .failed),
        ("engine trouble; retry scheduled", .retryScheduled),
        ("task handed back to the queue on shutdown", .handedBack),
        ("lease lost while running; the sandbox was killed and nothing is written", .leaseLost),
        ("result rejected: the lease was lost", .leaseLost),
        ("could not confirm the result write; unless it landed, the lease expires and the task runs again", .writeUnconfirmed),
    ]

    /// The task events of every line of `log` that is one; other lines are skipped.
    public static func events(in log: String) -> [TaskEvent] {
        log.split(separator: "\n").compactMap { event(in: $0) }
    }

    /// The task event of one log line, or nil.
    public static func event(in line: Substring) -> TaskEvent? {
        guard let marker = line.range(of: " [Node] ") else { return nil }
        let message = line[marker.upperBound...]
        guard let kind = messages.first(where: { message == $0.0 })?.1 else { return nil }
        let fields = metadata(in: line[..<marker.lowerBound])
        guard let node = fields["node_id"], let task = fields["task_id"].flatMap({ Int64($0) }),
              let fence = fields["fence"].flatMap({ Int64($0) }), let attempt = fields["attempt"].flatMap({ Int($0) })
        else { return nil }
        return TaskEvent(kind: kind, node: node, taskID: task, fence: fence, attempt: attempt)
    }

    /// The `key=value` words of a line's metadata part (values with spaces are cut at the space,
    /// which is enough for the ids and numbers read here).
    private static func metadata(in text: Substring) -> [String: String] {
        var fields: [String: String] = [:]
        for word in text.split(separator: " ") {
            guard let equals = word.firstIndex(of: "=") else { continue }
            let key = String(word[..<equals])
            if fields[key] == nil { fields[key] = String(word[word.index(after: equals)...]) }
        }
        return fields
    }
}
