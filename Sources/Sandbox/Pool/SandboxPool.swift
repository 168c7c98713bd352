import Logging

/// A point-in-time view of the pool, for `/status`.
public struct PoolStatus: Sendable, Equatable, Codable {
    /// Configured slots.
    public var total: Int
    /// Sandboxes running a task.
    public var busy: Int
    /// Sandboxes started and waiting for a task.
    public var warm: Int
    /// Sandboxes being started.
    public var starting: Int
    /// Sandboxes started since `start()`.
    public var started: Int
    /// Sandboxes replaced after their task quota, an anomaly, a kill or in strict mode.
    public var recycled: Int
    /// Warm sandboxes that died while idle.
    public var crashed: Int
    /// Warm sandboxes removed after `idleTimeout`.
    public var reaped: Int

    public init(total: Int, busy: Int = 0, warm: Int = 0, starting: Int = 0, started: Int = 0, recycled: Int = 0, crashed: Int = 0, reaped: Int = 0) {
        self.total = total
        self.busy = busy
        self.warm = warm
        self.starting = starting
        self.started = started
        self.recycled = recycled
        self.crashed = crashed
        self.reaped = reaped
    }
}

/// Warm sandboxes in front of a backend: `slots` of them are kept started, a task takes one, and it
/// goes back (or is replaced, after `maxTasksPerSandbox` tasks, an anomaly, or always in `strict`
/// mode) when the task ends. Replacements start in the background. Warm sandboxes idle for
/// `idleTimeout` are removed, and the pool refills when work comes back.
public actor SandboxPool {
    private struct Warm {
        var sandbox: any SandboxInstance
        var since: ContinuousClock.Instant
    }

    private struct Waiter {
        var id: Int
        var continuation: CheckedContinuation<any SandboxInstance, any Error>
    }

    public let configuration: SandboxConfiguration
    private let backend: any SandboxBackend
    private let logger: Logger
    private var warm: [Warm] = []
    private var busy: [String: any SandboxInstance] = [:]
    private var waiters: [Waiter] = []
    private var nextWaiterID = 0
    private var starting = 0
    private var startTasks: [Int: Task<Void, Never>] = [:]
    private var nextStartID = 0
    private var dormant = false
    private var isStarted = false
    private var isShutDown = false
    private var reaper: Task<Void, Never>?
    /// Sandboxes being stopped (recycled, reaped, crashed): shutdown awaits them all.
    private var terminating: [String: Task<Void, Never>] = [:]
    /// The sandboxes shutdown itself terminates (those warm or busy when it looked).
    private var stoppedByShutdown: Set<String> = []
    private var counts = (started: 0, recycled: 0, crashed: 0, reaped: 0)

    /// A pool over `backend`, or over an `OCIBackend` made from `configuration` when nil (whose
    /// probes run off the cooperative pool).
    public init(configuration: SandboxConfiguration, backend: (any SandboxBackend)? = nil, logger: Logger) async throws {
        try configuration.validate()
        self.configuration = configuration
        if let backend {
            self.backend = backend
        } else {
            self.backend = try await OCIBackend(configuration: configuration, logger: logger)
        }
        var logger = logger
        logger[metadataKey: "node_id"] = "\(configuration.nodeID)"
        self.logger = logger
    }

    /// Prepares the host, removes leftovers of crashed nodes and starts filling the slots. Returns
    /// before the sandboxes are warm; a `run` that comes first waits for one.
    public func start() async throws {
        guard !isStarted else { return }
        try await backend.prepare()
        isStarted = true
        refill()
        let check = max(Duration.milliseconds(100), configuration.idleTimeout / 4)
        reaper = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: check)
                await self?.reapIdle()
            }
        }
    }

    /// Runs a task in a warm sandbox. Failures of the script are results, not errors; it throws only
    /// when the pool is shut down, a sandbox cannot be started, or the calling task is cancelled
    /// (`CancellationError`, after the task's sandbox was killed).
    public func run(_ task: TaskSpec) async throws -> ExecutionResult {
        let sandbox = try await acquire()
        let result: ExecutionResult
        do {
            result = try await sandbox.run(task)
        } catch {
            release(sandbox)
            throw error
        }
        release(sandbox)
        var meta: Logger.Metadata = ["task_id": "\(task.id)", "sandbox": "\(sandbox.id)", "status": "\(result.status.rawValue)"]
        if let kind = result.errorKind { meta["error"] = "\(kind.rawValue)" }
        logger.debug("task finished", metadata: meta)
        return result
    }

    /// Removes every sandbox and releases the host; the pool takes no more tasks.
    public func shutdown() async {
        guard !isShutDown else { return }
        isShutDown = true
        reaper?.cancel()
        for waiter in waiters { waiter.continuation.resume(throwing: SandboxError.shutDown) }
        waiters.removeAll()
        let pending = Array(startTasks.values)
        for task in pending { await task.value }
        let all = warm.map(\.sandbox) + Array(busy.values)
        stoppedByShutdown = Set(all.map(\.id))
        warm.removeAll()
        for sandbox in busy.values { sandbox.abort() }
        await withTaskGroup(of: Void.self) { group in
            for sandbox in all { group.addTask { await sandbox.terminate() } }
        }
        // Only once nothing runs any more is the host released (the node lock among it).
        while let retiring = terminating.values.first { await retiring.value }
        await backend.shutdown()
    }

    /// Counts for `/status`.
    public func status() -> PoolStatus {
        PoolStatus(total: configuration.slots, busy: busy.count, warm: warm.count, starting: starting,
                   started: counts.started, recycled: counts.recycled, crashed: counts.crashed, reaped: counts.reaped)
    }

    /// Ids of the warm sandboxes, most recently returned last.
    func warmIDs() -> [String] { warm.map(\.sandbox.id) }

    /// The warm sandbox with this id, if any.
    func warmSandbox(_ id: String) -> (any SandboxInstance)? { warm.first { $0.sandbox.id == id }?.sandbox }

    // MARK: - Slots

    private func acquire() async throws -> any SandboxInstance {
        guard isStarted, !isShutDown else { throw SandboxError.shutDown }
        try Task.checkCancellation()
        dormant = false
        if let entry = warm.popLast() {
            busy[entry.sandbox.id] = entry.sandbox
            refill()
            return entry.sandbox
        }
        let id = nextWaiterID
        nextWaiterID += 1
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiters.append(Waiter(id: id, continuation: continuation))
                refill()
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    private func cancelWaiter(_ id: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: CancellationError())
        refill()
    }

    private func release(_ sandbox: any SandboxInstance) {
        busy[sandbox.id] = nil
        if isShutDown {
            // Shutdown terminates the sandboxes it found; one released before it looked (while
            // it waited for the starting ones) is stopped here, and shutdown awaits it.
            if !stoppedByShutdown.contains(sandbox.id) { retire(sandbox) }
            return
        }
        if sandbox.isReusable, !configuration.strict, sandbox.tasksRun < configuration.maxTasksPerSandbox {
            offer(sandbox)
        } else {
            counts.recycled += 1
            retire(sandbox)
            refill()
        }
    }

    /// Gives a ready sandbox to the oldest waiter, or keeps it warm.
    private func offer(_ sandbox: any SandboxInstance) {
        if !waiters.isEmpty {
            let waiter = waiters.removeFirst()
            busy[sandbox.id] = sandbox
            waiter.continuation.resume(returning: sandbox)
        } else {
            warm.append(Warm(sandbox: sandbox, since: .now))
        }
    }

    /// Starts sandboxes until every slot has one (busy, warm or starting), or, while dormant after
    /// idle reaping, until every waiter will have one. In strict mode a busy sandbox will not come
    /// back, so its replacement starts with its task, and a second round of spares is kept starting:
    /// starts take longer than tasks, and overlapping them is what keeps strict throughput up.
    private func refill() {
        guard isStarted, !isShutDown else { return }
        let target = dormant ? busy.count + waiters.count
            : configuration.strict ? 2 * configuration.slots + busy.count : configuration.slots
        var have = busy.count + warm.count + starting
        while have < target {
            have += 1
            starting += 1
            let key = nextStartID
            nextStartID += 1
            let slot = key % configuration.slots
            startTasks[key] = Task { await self.startOne(key: key, slot: slot) }
        }
    }

    private func startOne(key: Int, slot: Int) async {
        let result: Result<any SandboxInstance, any Error>
        do {
            let sandbox = try await backend.startSandbox(slot: slot) { [weak self] id in
                Task { await self?.sandboxExited(id) }
            }
            result = .success(sandbox)
        } catch {
            result = .failure(error)
        }
        starting -= 1
        startTasks[key] = nil
        switch result {
        case .success(let sandbox):
            counts.started += 1
            if isShutDown {
                retire(sandbox)
            } else {
                offer(sandbox)
            }
        case .failure(let error):
            logger.error("could not start a sandbox: \(error)")
            if !waiters.isEmpty {
                waiters.removeFirst().continuation.resume(throwing: error)
            }
        }
    }

    private func sandboxExited(_ id: String) {
        guard let index = warm.firstIndex(where: { $0.sandbox.id == id }) else { return }
        let entry = warm.remove(at: index)
        counts.crashed += 1
        logger.warning("an idle sandbox died; replacing it", metadata: ["sandbox": "\(id)"])
        retire(entry.sandbox)
        refill()
    }

    private func reapIdle() {
        guard !isShutDown else { return }
        let now = ContinuousClock.now
        let stale = warm.filter { now - $0.since >= configuration.idleTimeout }
        guard !stale.isEmpty else { return }
        warm.removeAll { now - $0.since >= configuration.idleTimeout }
        counts.reaped += stale.count
        dormant = true
        for entry in stale { retire(entry.sandbox) }
    }

    /// Stops `sandbox` in the background; `shutdown` waits for it.
    private func retire(_ sandbox: any SandboxInstance) {
        let id = sandbox.id
        terminating[id] = Task {
            await sandbox.terminate()
            self.retired(id)
        }
    }

    private func retired(_ id: String) { terminating[id] = nil }
}
