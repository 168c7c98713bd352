/// Where a task is in its life, as stored in `tasks.status` and shown as `status` in the task's
/// JSON (CONVENTIONS.md). The raw values are the stored text. This is the one place a state is
/// added: every `switch` over it then shows what the new state must decide.
public enum TaskState: String, Sendable, CaseIterable {
    /// Waiting to be claimed (after its `run_at`, when a retry's backoff delayed it).
    case pending
    /// Claimed: a node holds its lease and runs it.
    case running
    /// The script exited 0 by itself. Terminal.
    case completed
    /// The script failed, or its attempts were spent. Terminal.
    case failed
    /// The older Go version's own state: a Go worker held the task. Continuum never writes it;
    /// recovery takes such rows back as abandoned (docs/store.md).
    case processing

    /// No attempt will follow: `continuum submit --wait` stops here.
    public var isFinal: Bool {
        switch self {
        case .completed, .failed: true
        case .pending, .running, .processing: false
        }
    }

    /// Continuum itself puts tasks in this state (the older Go version's `processing` it only
    /// reads): `/global-status` shows these even when no task is in them.
    public var isWrittenByContinuum: Bool {
        switch self {
        case .pending, .running, .completed, .failed: true
        case .processing: false
        }
    }
}
