import Node
import Sandbox
import Synchronization
import TaskModel

/// A runner whose tasks do what their code says, with no sandbox: `exit N` ends at once with
/// that exit code (0: completed), `sleep S` runs S seconds unless cancelled (as the pool
/// does when a task's sandbox is killed), `crash` is engine trouble. In-process tests only.
final class ScriptedRunner: TaskRunner {
    private struct State {
        var started: [String] = []
        var killed: [String] = []
        var isShutDown = false
        var startFailure: SandboxError?
    }

    private let state = Mutex(State())

    /// Ids of the tasks run, in order; and of those killed (cancelled) while running.
    var started: [String] { state.withLock { $0.started } }
    var killed: [String] { state.withLock { $0.killed } }
    var isShutDown: Bool { state.withLock { $0.isShutDown } }

    /// Makes `start()` fail with `error`.
    func failStart(with error: SandboxError) { state.withLock { $0.startFailure = error } }

    func start() async throws {
        if let error = state.withLock({ $0.startFailure }) { throw error }
    }

    func run(_ task: TaskSpec) async throws -> ExecutionResult {
        state.withLock { $0.started.append(task.id) }
        let words = task.code.split(separator: " ")
        switch (words.first, words.dropFirst().first.flatMap { Double($0) }) {
        case ("exit", let code?):
            return Self.result(exitCode: Int32(code))
        case ("sleep", let seconds?):
            do {
                try await Task.sleep(for: .seconds(seconds))
            } catch {
                state.withLock { $0.killed.append(task.id) }
                throw CancellationError()
            }
            return Self.result(exitCode: 0)
        case ("crash", _):
            throw SandboxError.startFailed("the scripted runtime crashed")
        default:
            return ExecutionResult(.failed(.sandbox), exitCode: nil, stdout: "", stderr: "",
                                   outputTruncated: false, detail: "the scripted runner cannot read \(task.code)", duration: .zero)
        }
    }

    func status() async -> PoolStatus {
        PoolStatus(total: 0)
    }

    func shutdown() async { state.withLock { $0.isShutDown = true } }

    private static func result(exitCode: Int32) -> ExecutionResult {
        ExecutionResult(exitCode == 0 ? .completed : .failed(.exitCode), exitCode: exitCode, stdout: "out", stderr: "", outputTruncated: false, detail: nil, duration: .zero)
    }
}
