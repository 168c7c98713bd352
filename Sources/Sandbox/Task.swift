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

/// How a task ended, as stored in `status`.
public enum TaskStatus: String, Sendable, Codable {
    case completed
    case failed
}

/// Why a task failed, as stored in `error`.
public enum FailureKind: String, Sendable, Codable, CaseIterable {
    /// The script exited non-zero or was killed by a signal of its own making.
    case exitCode = "exit_code"
    /// The wall-clock limit passed; the sandbox was killed.
    case timeout
    /// The kernel's OOM killer ended the task at the sandbox's memory limit (seen in the cgroup's counters).
    case memory
    /// stdout plus stderr passed the output limit; the task was killed.
    case outputLimit = "output_limit"
    /// The sandbox itself failed (runner died, runtime error). Not the script's fault: worth a retry.
    case sandbox
}

/// The result of one task.
public struct ExecutionResult: Sendable, Equatable {
    public var status: TaskStatus
    /// Set exactly when `status` is `.failed`.
    public var errorKind: FailureKind?
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

    public init(status: TaskStatus, errorKind: FailureKind?, exitCode: Int32?, signal: Int32? = nil,
                stdout: String, stderr: String, outputTruncated: Bool, detail: String?, duration: Duration) {
        self.status = status
        self.errorKind = errorKind
        self.exitCode = exitCode
        self.signal = signal
        self.stdout = stdout
        self.stderr = stderr
        self.outputTruncated = outputTruncated
        self.detail = detail
        self.duration = duration
    }
}
