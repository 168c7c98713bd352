#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import Synchronization

/// One warm OCI container whose init process is runner.py, driven over the pipes of a foreground
/// `runc run`. A dedicated reader thread reads the runner's frames and notices its death at once,
/// so a sandbox that crashes while idle is reported to the pool without anyone asking. A second
/// thread reaps the runtime: if the runtime dies while the runner lives (killed from outside),
/// nothing supervises the container any more, so it is killed (a running task fails as engine
/// trouble and is retried) and its remains are removed once the runner is gone.
final class OCISandbox: SandboxInstance {
    /// Something the reader thread saw.
    enum Event: Sendable {
        case ready
        case result(RunnerReport, stdout: [UInt8], stderr: [UInt8], oomKills: Int?, tasksInCgroup: Int?)
        case exited(String)
    }

    private struct State {
        var events: [Event] = []
        var waiter: CheckedContinuation<Event, Never>?
        var killReason: KillReason?
        var exited = false
        var anomaly = false
        var inputOpen = true
        var tasksRun = 0
        var oomKills = 0
        /// The runtime's raw wait status, once reaped.
        var runtimeStatus: Int32?
    }

    /// Tasks (threads) of an idle sandbox: the runner and the zygote, each single-threaded.
    static let idleTaskCount = 2

    let id: String
    let bundle: String
    /// The uids the sandbox runs under (its leased pair).
    let identity: SandboxIdentity
    /// The foreground runtime process (`runc run`).
    let runtimePID: pid_t
    private let input: Int32
    private let output: Int32
    private let cgroups: any CgroupHierarchy
    private let configuration: SandboxConfiguration
    private let logger: Logger
    private let onExit: @Sendable (String) -> Void
    private let removeRemains: @Sendable () -> Void
    private let state = Mutex(State())
    private let runtimeReaped = DispatchSemaphore(value: 0)

    /// `removeRemains` deletes the runtime state and cgroups the runtime would have removed had
    /// it not died first, and lets the sandbox's uid pair go; it runs on the reader thread once
    /// nothing of the sandbox runs any more.
    init(id: String, bundle: String, identity: SandboxIdentity, runtimePID: pid_t, input: Int32, output: Int32, cgroups: any CgroupHierarchy,
         configuration: SandboxConfiguration, logger: Logger, onExit: @escaping @Sendable (String) -> Void,
         removeRemains: @escaping @Sendable () -> Void) {
        self.id = id
        self.bundle = bundle
        self.identity = identity
        self.runtimePID = runtimePID
        self.input = input
        self.output = output
        self.cgroups = cgroups
        self.configuration = configuration
        self.logger = logger
        self.onExit = onExit
        self.removeRemains = removeRemains
        let thread = Thread { [self] in readLoop() }
        thread.stackSize = 1 << 20
        thread.name = "sandbox-\(id)"
        thread.start()
        let reaper = Thread { [self] in reapRuntime() }
        reaper.stackSize = 64 << 10
        reaper.name = "runtime-\(id)"
        reaper.start()
    }

    var tasksRun: Int { state.withLock { $0.tasksRun } }

    var isReusable: Bool { state.withLock { !$0.exited && !$0.anomaly && $0.killReason == nil } }

    /// Host pids of the sandbox's processes (the runner first is not guaranteed).
    var hostPIDs: [pid_t] { cgroups.pids(id: id) }

    /// Waits for the runner's `ready` frame; throws when the sandbox died first or `limit` passed.
    func waitUntilReady(limit: Duration) async throws {
        let timer = Task { [self] in
            try await Task.sleep(for: limit)
            kill(.shutdown)
        }
        defer { timer.cancel() }
        switch await nextEvent() {
        case .ready:
            return
        case .exited(let detail):
            throw SandboxError.startFailed(detail)
        case .result:
            throw SandboxError.startFailed("the runner answered before it was asked")
        }
    }

    func run(_ task: TaskSpec) async throws -> ExecutionResult {
        let started = ContinuousClock.now
        let baseline = state.withLock { s in
            s.tasksRun += 1
            return s.oomKills
        }
        let request = Self.request(for: task, configuration: configuration)
        let timer = Task { [self] in
            try await Task.sleep(for: task.timeout)
            kill(.timeout(task.timeout))
        }
        defer { timer.cancel() }
        let event = await withTaskCancellationHandler {
            let input = self.input
            _ = try? await Blocking.run { try Posix.writeAll(input, request) }
            return await nextEvent()
        } onCancel: {
            kill(.cancelled)
        }
        var outcome = RunOutcome(memoryMB: configuration.memoryMB, outputLimitBytes: configuration.outputLimitBytes)
        outcome.killed = state.withLock { $0.killReason }
        switch event {
        case .result(let report, let stdout, let stderr, let oomKills, let tasksInCgroup):
            outcome.report = report
            outcome.stdout = stdout
            outcome.stderr = stderr
            outcome.oomKills = max(0, (oomKills ?? baseline) - baseline)
            // The runner's word that nothing of the task is left, checked against the kernel's count.
            var anomalies = report.anomaly.map { [$0] } ?? []
            if let count = tasksInCgroup, count != Self.idleTaskCount {
                anomalies.append("\(count) tasks in the sandbox's cgroup after the clean-up, not \(Self.idleTaskCount)")
            }
            state.withLock { s in
                s.oomKills = oomKills ?? s.oomKills
                if !anomalies.isEmpty { s.anomaly = true }
            }
            if !anomalies.isEmpty {
                logger.warning("sandbox anomaly, recycling it", metadata: [
                    "task_id": "\(task.id)", "sandbox": "\(id)", "anomaly": "\(anomalies.joined(separator: "; "))",
                ])
            }
        case .exited(let detail):
            outcome.sandboxFailure = detail
        case .ready:
            outcome.sandboxFailure = "the runner restarted in the middle of a task"
        }
        outcome.duration = ContinuousClock.now - started
        if outcome.killed == .cancelled { throw CancellationError() }
        return Classification.classify(outcome)
    }

    func terminate() async {
        let alreadyGone = state.withLock { s -> Bool in
            if s.inputOpen {
                s.inputOpen = false
                Posix.close(input)
            }
            return s.exited
        }
        if !alreadyGone {
            let timer = Task { [self] in
                try await Task.sleep(for: .seconds(2))
                kill(.shutdown)
            }
            while true {
                if case .exited = await nextEvent() { break }
            }
            timer.cancel()
        }
        let bundle = self.bundle
        _ = try? await Blocking.run { try? FileManager.default.removeItem(atPath: bundle) }
    }

    func abort() { kill(.shutdown) }

    /// Kills the whole sandbox from outside (freezer or `cgroup.kill`): the runner, the zygote and every
    /// task process, whatever signals they ignore. The first reason given is the one reported.
    func kill(_ reason: KillReason) {
        let proceed = state.withLock { s -> Bool in
            if s.killReason == nil { s.killReason = reason }
            return !s.exited
        }
        guard proceed else { return }
        let cgroups = self.cgroups, id = self.id, logger = self.logger
        Blocking.detach {
            do {
                try cgroups.killAll(id: id)
            } catch {
                logger.error("could not kill sandbox \(id): \(error)")
            }
        }
    }

    // MARK: - Frames

    /// The `run` frame for a task (see runner.py's docstring).
    static func request(for task: TaskSpec, configuration c: SandboxConfiguration) -> [UInt8] {
        let code = Array(task.code.utf8), payload = Array(task.payloadJSON.utf8)
        let header: [String: Any] = [
            "op": "run", "id": task.id, "code": code.count, "payload": payload.count,
            "stdout_cap": c.outputCapBytes, "stderr_cap": c.outputCapBytes, "output_limit": c.outputLimitBytes,
        ]
        let json = [UInt8]((try? JSONSerialization.data(withJSONObject: header)) ?? Data())
        let size = UInt32(json.count)
        return [UInt8(size >> 24), UInt8((size >> 16) & 0xff), UInt8((size >> 8) & 0xff), UInt8(size & 0xff)] + json + code + payload
    }

    private struct FrameHeader: Decodable {
        var op: String
        var stdout: Int?
        var stderr: Int?
    }

    /// Reads one frame; nil at the end of the stream or on a malformed frame.
    private func readFrame() -> Event? {
        guard let prefix = try? Posix.readExactly(output, 4) else { return nil }
        let size = prefix.reduce(0) { $0 << 8 | Int($1) }
        guard size > 0, size < 1 << 20, let body = try? Posix.readExactly(output, size),
              let header = try? JSONDecoder().decode(FrameHeader.self, from: Data(body)) else { return nil }
        switch header.op {
        case "ready":
            return .ready
        case "result":
            guard let report = try? JSONDecoder().decode(RunnerReport.self, from: Data(body)),
                  let stdout = report.stdout == 0 ? [] : try? Posix.readExactly(output, report.stdout),
                  let stderr = report.stderr == 0 ? [] : try? Posix.readExactly(output, report.stderr) else { return nil }
            return .result(report, stdout: stdout, stderr: stderr, oomKills: cgroups.oomKills(id: id),
                           tasksInCgroup: cgroups.taskCount(id: id))
        default:
            return nil
        }
    }

    /// The reader thread: delivers frames until the runner's stdout ends, then reaps the runtime.
    private func readLoop() {
        while let event = readFrame() {
            if case .ready = event, state.withLock({ $0.killReason != nil }) {
                try? cgroups.killAll(id: id)
            }
            deliver(event)
        }
        Posix.close(output)
        runtimeReaped.wait()
        let status = state.withLock { $0.runtimeStatus } ?? -1
        removeRemains()
        let log = Posix.readFile(bundle + "/runtime.log") ?? ""
        let lastWords = log.split(whereSeparator: \.isNewline).suffix(3).joined(separator: " | ")
        let detail = "the sandbox ended (runtime exit status \(Posix.exitCode(status)))" + (lastWords.isEmpty ? "" : ": " + lastWords)
        state.withLock { s in
            s.exited = true
            if s.inputOpen {
                s.inputOpen = false
                Posix.close(input)
            }
        }
        deliver(.exited(detail))
        onExit(id)
    }

    /// The reaper thread: waits for the runtime process. When it ends while the container still
    /// has processes (the runtime ends only after the container's init on a normal exit, and
    /// the init's death takes every process of its pid namespace with it), the container has
    /// lost its supervisor: it is killed, so the reader sees the end.
    private func reapRuntime() {
        let status = Posix.wait(runtimePID)
        state.withLock { $0.runtimeStatus = status }
        let orphaned = !cgroups.pids(id: id).isEmpty
        runtimeReaped.signal()
        guard orphaned else { return }
        logger.warning("the sandbox runtime ended while its runner still ran; killing the sandbox", metadata: [
            "sandbox": "\(id)", "runtime_exit": "\(Posix.exitCode(status))",
        ])
        kill(.runtimeLost)
    }

    private func deliver(_ event: Event) {
        let waiter = state.withLock { s -> CheckedContinuation<Event, Never>? in
            let w = s.waiter
            s.waiter = nil
            if w == nil || { if case .exited = event { true } else { false } }() {
                s.events.append(event)
            }
            return w
        }
        waiter?.resume(returning: event)
    }

    /// The next event; `.exited` repeats forever once the sandbox has ended.
    private func nextEvent() async -> Event {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { s -> Event? in
                if !s.events.isEmpty {
                    let e = s.events.removeFirst()
                    if case .exited = e { s.events.insert(e, at: 0) }
                    return e
                }
                s.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
