/// An isolation backend: something that starts warm sandboxes. `OCIBackend` (runc, crun, runsc, ...)
/// is the default; a Docker backend would be another.
public protocol SandboxBackend: Sendable {
    /// Prepares the host (state folders, shared root) and removes what crashed nodes left behind.
    /// Called once, by `SandboxPool.start()`.
    func prepare() async throws
    /// Starts one sandbox and returns once it is ready to take a task. `onExit` is called once, with
    /// the sandbox's id, when it ends for any reason (including a crash while idle).
    func startSandbox(slot: Int, onExit: @escaping @Sendable (String) -> Void) async throws -> any SandboxInstance
    /// Releases what `prepare()` took (locks, folders). Sandboxes must already be terminated.
    func shutdown() async
}

/// One warm sandbox. It runs one task at a time; the pool guarantees that.
public protocol SandboxInstance: AnyObject, Sendable {
    var id: String { get }
    /// Tasks this sandbox has run.
    var tasksRun: Int { get }
    /// False once the sandbox died, was killed, or saw an anomaly: it must not take another task.
    var isReusable: Bool { get }
    /// Runs a task, killing the sandbox at the task's deadline or when the calling task is cancelled
    /// (then it throws `CancellationError`).
    func run(_ task: TaskSpec) async throws -> ExecutionResult
    /// Kills the sandbox at once, from outside; a task running in it ends as a `sandbox` failure.
    func abort()
    /// Stops the sandbox and removes its traces; returns when it is gone.
    func terminate() async
}
