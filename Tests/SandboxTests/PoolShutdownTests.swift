import Logging
@testable import Sandbox
import Synchronization
import Testing

/// The pool's own bookkeeping over a backend that only records what happens, in-process.
@Suite("Sandbox pool shutdown")
struct PoolShutdownTests {
    /// What the backend and its sandboxes did, in order.
    final class Journal: Sendable {
        private let entries = Mutex<[String]>([])
        func note(_ entry: String) { entries.withLock { $0.append(entry) } }
        var all: [String] { entries.withLock { $0 } }
    }

    /// A sandbox whose termination takes a while, as removing a container does.
    final class SlowSandbox: SandboxInstance {
        let id: String
        let journal: Journal
        let stopping: Duration
        let running: Duration
        private let runs = Mutex(0)

        init(id: String, journal: Journal, stopping: Duration, running: Duration = .zero) {
            self.id = id
            self.journal = journal
            self.stopping = stopping
            self.running = running
        }

        var tasksRun: Int { runs.withLock { $0 } }
        var isReusable: Bool { true }

        func run(_ task: TaskSpec) async throws -> ExecutionResult {
            runs.withLock { $0 += 1 }
            try? await Task.sleep(for: running)
            return ExecutionResult(.completed, exitCode: 0, stdout: "", stderr: "",
                                   outputTruncated: false, detail: nil, duration: .zero)
        }

        func abort() {}

        func terminate() async {
            try? await Task.sleep(for: stopping)
            journal.note("terminated \(id)")
        }
    }

    final class RecordingBackend: SandboxBackend {
        let journal: Journal
        let started = Mutex(0)
        /// How long the n-th start (from 1) takes and how long its sandbox's tasks run.
        let starting: @Sendable (Int) -> (start: Duration, run: Duration)

        init(journal: Journal, starting: @escaping @Sendable (Int) -> (start: Duration, run: Duration) = { _ in (.zero, .zero) }) {
            self.journal = journal
            self.starting = starting
        }

        func prepare() async throws {}

        func startSandbox(slot: Int, onExit: @escaping @Sendable (String) -> Void) async throws -> any SandboxInstance {
            let number = started.withLock { $0 += 1; return $0 }
            let (start, run) = starting(number)
            try? await Task.sleep(for: start)
            // The first one takes longest to go.
            return SlowSandbox(id: "s\(number)", journal: journal, stopping: .milliseconds(number == 1 ? 800 : 50), running: run)
        }

        func shutdown() async { journal.note("host released") }
    }

    @Test("shutdown releases the host only after every sandbox it is stopping, recycled ones included, is gone")
    func shutdownAwaitsRecycledSandboxes() async throws {
        let journal = Journal()
        var configuration = SandboxConfiguration(nodeID: "pool-shutdown")
        configuration.slots = 1
        configuration.strict = true
        let pool = try await SandboxPool(configuration: configuration, backend: RecordingBackend(journal: journal), logger: Logger(label: "pool"))
        try await pool.start()
        _ = try await pool.run(TaskSpec(id: "1", code: "pass", timeout: .seconds(5)))
        // Strict: that sandbox is being recycled in the background right now.
        await pool.shutdown()
        let entries = journal.all
        #expect(entries.last == "host released", "\(entries)")
        #expect(entries.contains("terminated s1"), "\(entries)")
    }

    @Test("a task that ends while shutdown waits for a starting sandbox has its sandbox stopped too, before the host is released")
    func sandboxReleasedDuringShutdownIsStopped() async throws {
        let journal = Journal()
        var configuration = SandboxConfiguration(nodeID: "pool-shutdown-release")
        configuration.slots = 2
        // The first sandbox is quick to start and runs its task 300 ms; the second takes 800 ms to start.
        let backend = RecordingBackend(journal: journal) { $0 == 1 ? (.zero, .milliseconds(300)) : (.milliseconds(800), .zero) }
        let pool = try await SandboxPool(configuration: configuration, backend: backend, logger: Logger(label: "pool"))
        try await pool.start()
        let task = Task { try await pool.run(TaskSpec(id: "1", code: "pass", timeout: .seconds(5))) }
        try await Task.sleep(for: .milliseconds(100))
        await pool.shutdown()
        _ = try? await task.value
        let entries = journal.all
        #expect(entries.last == "host released", "\(entries)")
        #expect(entries.contains("terminated s1"), "the sandbox released during shutdown was left running: \(entries)")
    }
}
