import TaskModel

/// One script to run in a sandbox.
public struct TaskSpec: Sendable, Equatable {
    /// The task's id (logged as `task_id`).
    public var id: String
    /// Python source, run as `__main__`.
    public var code: String
    /// The payload as JSON text: the script sees it decoded as `payload` and as the file `sys.argv[1]`.
    public var payloadJSON: String
    /// Wall-clock limit; at the deadline the whole sandbox is killed.
    public var timeout: Duration

    public init(id: String, code: String, payloadJSON: String = "{}", timeout: Duration) {
        self.id = id
        self.code = code
        self.payloadJSON = payloadJSON
        self.timeout = timeout
    }
}

/// The result of one task.
public struct ExecutionResult: Sendable, Equatable {
    /// The sandbox's verdict: completed, or failed for a reason.
    public enum Outcome: Sendable, Equatable {
        case completed
        case failed(FailureKind)
    }

    public var outcome: Outcome
    /// The script's exit code; nil when it never exited by itself (signal, timeout, sandbox failure).
    public var exitCode: Int32?
    /// The kernel signal that ended the script, if one did.
    public var signal: Int32?
    public var stdout: String
    public var stderr: String
    /// stdout or stderr was cut at its cap.
    public var outputTruncated: Bool
    /// A sentence for people (`last_error`); nil when the task completed.
    public var detail: String?
    /// Wall-clock time from handing the task over to its result.
    public var duration: Duration

    public init(_ outcome: Outcome, exitCode: Int32?, signal: Int32? = nil,
                stdout: String, stderr: String, outputTruncated: Bool, detail: String?, duration: Duration) {
        self.outcome = outcome
        self.exitCode = exitCode
        self.signal = signal
        self.stdout = stdout
        self.stderr = stderr
        self.outputTruncated = outputTruncated
        self.detail = detail
        self.duration = duration
    }

    /// The task's state after this result: `completed` or `failed`.
    public var status: TaskState {
        switch outcome {
        case .completed: .completed
        case .failed: .failed
        }
    }

    /// Why it failed (`error`); nil when it completed.
    public var errorKind: FailureKind? {
        if case .failed(let kind) = outcome { kind } else { nil }
    }
}
