import Foundation
import TaskEvents

/// What a node's log says happened to one attempt of a task.
public struct TaskEvent: Sendable, Equatable {
    /// The kinds a node logs (`TaskEvents`), shared with the node.
    public typealias Kind = TaskEventKind

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
/// `<time> <level> <label>: key=value ... [Node] <message>`, keys in sorted order), by the
/// typed `event` field the node writes, never by the message text.
public enum NodeLog {
    /// The task events of every line of `log` that is one; other lines are skipped.
    public static func events(in log: String) -> [TaskEvent] {
        log.split(separator: "\n").compactMap { event(in: $0) }
    }

    /// The task event of one log line, or nil: its last `event=` record (see `TaskEventRecord`
    /// for why the last one is the node's own) and its `node_id`, which also sorts after every
    /// free-text key.
    public static func event(in line: Substring) -> TaskEvent? {
        guard let marker = line.range(of: " [Node] ", options: .backwards) else { return nil }
        let fields = metadata(in: line[..<marker.lowerBound])
        guard let record = fields[TaskEventKind.metadataKey].flatMap({ TaskEventRecord(Substring($0)) }),
              let node = fields["node_id"] else { return nil }
        return TaskEvent(kind: record.kind, node: node, taskID: record.taskID, fence: record.fence, attempt: record.attempt)
    }

    /// The `key=value` words of a line. Values with spaces are cut at the space, which is enough
    /// for the one-word records and ids read here. The last occurrence of a key wins.
    private static func metadata(in text: Substring) -> [String: String] {
        var fields: [String: String] = [:]
        for word in text.split(separator: " ") {
            guard let equals = word.firstIndex(of: "=") else { continue }
            fields[String(word[..<equals])] = String(word[word.index(after: equals)...])
        }
        return fields
    }
}
