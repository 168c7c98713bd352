/// Why an attempt failed, as stored in `tasks.error` and shown as `error` in the task's JSON
/// (CONVENTIONS.md). The raw values are the stored text. This is the one place a kind is
/// added: every `switch` over it then shows what the new kind must decide.
public enum FailureKind: String, Sendable, CaseIterable {
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
    /// The claimed row cannot run (its code row is missing, its payload does not decode). Never retried.
    case invalidTask = "invalid_task"
    /// Recovery or revocation took the task back from its holder when its attempts were spent.
    case leaseExpired = "lease_expired"

    /// Engine trouble, not the script's fault: the attempt is retried with backoff while
    /// attempts remain. Everything else is terminal at once.
    public var isRetryable: Bool {
        switch self {
        case .sandbox: true
        case .exitCode, .timeout, .memory, .outputLimit, .invalidTask, .leaseExpired: false
        }
    }
}
