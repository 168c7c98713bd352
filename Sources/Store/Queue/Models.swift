import TaskModel

/// A task to insert. `payloadJSON` is any JSON value as text; it is validated before insertion.
public struct NewTask: Sendable, Equatable {
    public var name: String
    public var description: String
    public var code: String
    public var payloadJSON: String
    /// Lower numbers run first.
    public var priority: Int
    public var maxAttempts: Int
    /// The task's own wall-clock limit; nil means the node's default.
    public var timeoutSeconds: Double?

    public init(
        name: String = "", description: String = "", code: String, payloadJSON: String = "{}",
        priority: Int = 0, maxAttempts: Int = 3, timeoutSeconds: Double? = nil
    ) {
        self.name = name
        self.description = description
        self.code = code
        self.payloadJSON = payloadJSON
        self.priority = priority
        self.maxAttempts = maxAttempts
        self.timeoutSeconds = timeoutSeconds
    }
}

/// The right to write the results of one attempt: a task id and the fencing token its claim
/// returned. Every write of the attempt is a compare-and-set on both.
public struct Lease: Sendable, Hashable, CustomStringConvertible {
    public var taskID: Int64
    public var fence: Int64

    public init(taskID: Int64, fence: Int64) {
        self.taskID = taskID
        self.fence = fence
    }

    public var description: String { "task \(taskID) (fence \(fence))" }
}

/// A task this worker now holds, with everything needed to run it.
public struct ClaimedTask: Sendable, Equatable {
    public var lease: Lease
    public var name: String
    public var code: String
    /// The payload as JSON text, exactly as submitted, already checked to parse; `null` when
    /// the row has none (SQL NULL: a Go-style insert that named no payload).
    public var payloadJSON: String
    public var priority: Int
    /// This attempt's number, starting at 1.
    public var attempt: Int
    public var maxAttempts: Int
    public var timeoutSeconds: Double?

    public init(
        lease: Lease, name: String = "", code: String, payloadJSON: String = "{}", priority: Int = 0,
        attempt: Int = 1, maxAttempts: Int = 3, timeoutSeconds: Double? = nil
    ) {
        self.lease = lease
        self.name = name
        self.code = code
        self.payloadJSON = payloadJSON
        self.priority = priority
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.timeoutSeconds = timeoutSeconds
    }
}

/// What a finished script produced. Text is stored as valid UTF-8 without NUL characters.
public struct TaskOutput: Sendable, Equatable {
    public var stdout: String
    public var stderr: String
    public var exitCode: Int32?
    public var truncated: Bool

    public init(stdout: String = "", stderr: String = "", exitCode: Int32? = nil, truncated: Bool = false) {
        self.stdout = stdout
        self.stderr = stderr
        self.exitCode = exitCode
        self.truncated = truncated
    }
}

/// Why an attempt failed: its kind (`error`) and a human-readable detail that becomes `last_error`.
public struct TaskFailure: Sendable, Equatable {
    public var kind: FailureKind
    public var detail: String
    public var output: TaskOutput

    public init(kind: FailureKind, detail: String, output: TaskOutput = TaskOutput()) {
        self.kind = kind
        self.detail = detail
        self.output = output
    }
}

/// Where a failed attempt left its task.
public enum FailureDisposition: Sendable, Equatable {
    /// Put back to pending; claimable again after the backoff.
    case retryScheduled(afterSeconds: Double)
    /// Terminal: `failed`.
    case failed
}

/// Tasks that recovery or revocation took back from their holders.
public struct RecoveryReport: Sendable, Equatable {
    /// Returned to pending for another attempt.
    public var requeued: [Int64] = []
    /// Marked failed because their attempts are spent.
    public var failed: [Int64] = []

    public init(requeued: [Int64] = [], failed: [Int64] = []) {
        self.requeued = requeued
        self.failed = failed
    }

    public var isEmpty: Bool { requeued.isEmpty && failed.isEmpty }
}

/// A task as the outside world sees it (CONVENTIONS.md). `payloadJSON` is raw JSON text, as
/// submitted (`null` for a row with none).
public struct TaskRecord: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var status: TaskState
    public var priority: Int
    public var payloadJSON: String
    public var output: String?
    public var stderr: String?
    public var exitCode: Int32?
    public var error: FailureKind?
    public var lastError: String?
    public var attempts: Int
    public var maxAttempts: Int
    public var fence: Int64
    public var workerID: String?
    public var created: String
    public var started: String?
    public var finished: String?
    public var outputTruncated: Bool
}

/// Queue depth by status and what finished in a recent window, for `/global-status`.
public struct QueueStatistics: Sendable, Equatable {
    /// Every state Continuum writes, with 0 when no task is in it; `processing` when a row is.
    public var countsByStatus: [TaskState: Int]
    /// Rows in a status this version does not know (written by another tool or a newer
    /// version), by their stored text (`NULL` for none): counted, so that the queue's depth
    /// stays true, rather than making the whole view fail.
    public var otherStatuses: [String: Int]
    public var windowSeconds: Int
    public var finishedInWindow: Int
    /// Finished tasks per second over the window.
    public var throughput: Double { Double(finishedInWindow) / Double(max(windowSeconds, 1)) }
    /// Submit-to-finish latency percentiles over the window, in seconds; nil when none finished.
    public var latencyP50: Double?
    public var latencyP95: Double?
    public var latencyP99: Double?
}

/// The work at one priority: tasks waiting there, and tasks that finished there lately.
public struct PriorityWork: Sendable, Hashable {
    public let priority: Int
    public let pending: Int
    public let recentlyFinished: Int

    public init(priority: Int, pending: Int, recentlyFinished: Int = 0) {
        self.priority = priority
        self.pending = pending
        self.recentlyFinished = recentlyFinished
    }
}
