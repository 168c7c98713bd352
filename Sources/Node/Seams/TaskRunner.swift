import Sandbox

/// What runs a node's tasks: the sandbox pool in production, a scripted runner in tests.
public protocol TaskRunner: Sendable {
    /// Prepares the host and starts warming the slots.
    func start() async throws
    /// Runs one task. A script's failure is a result; throws only for engine trouble, a pool
    /// shut down, or cancellation (`CancellationError`, after the task's sandbox was killed).
    func run(_ task: TaskSpec) async throws -> ExecutionResult
    /// Counts for `/status`.
    func status() async -> PoolStatus
    /// Stops every sandbox and releases the host; awaited to the end.
    func shutdown() async
}

extension SandboxPool: TaskRunner {}
