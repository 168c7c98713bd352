import ChaosKit
import Foundation
import Logging
import Store
import TestSupport

/// What a chaos run does, read from the environment that `scripts/chaos` and `scripts/test` set.
struct ChaosSettings: Sendable {
    var seed: UInt64
    var duration: Duration
    var peers: Int
    /// Tasks submitted per second.
    var rate: Double
    var leaseTTL: Duration
    var slots = 2
    /// How long the cluster may take to finish every task once submitting stops.
    var settleLimit: Duration = .seconds(150)

    /// The settings, or nil when `CONTINUUM_CHAOS_DURATION` is not set (the run is then skipped).
    static func fromEnvironment() -> ChaosSettings? {
        let environment = Foundation.ProcessInfo.processInfo.environment
        guard let duration = environment["CONTINUUM_CHAOS_DURATION"].flatMap(Double.init), duration >= 20 else { return nil }
        return ChaosSettings(
            seed: environment["CONTINUUM_CHAOS_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...999_999),
            duration: .milliseconds(Int64(duration * 1000)),
            peers: environment["CONTINUUM_CHAOS_PEERS"].flatMap { Int($0) }.map { min(max($0, 3), 5) } ?? 3,
            rate: environment["CONTINUUM_CHAOS_RATE"].flatMap(Double.init).map { max($0, 0.1) } ?? 8,
            leaseTTL: .seconds(environment["CONTINUUM_CHAOS_LEASE_TTL"].flatMap(Double.init).map { max($0, 1) } ?? 3))
    }

    /// The command that runs this same plan again.
    var replay: String {
        "scripts/chaos --seed \(seed) --duration \(Int(duration.seconds)) --peers \(peers) --rate \(rate)"
    }
}

/// The chaos run's shared, mutable record: acknowledged submissions and memory samples.
actor ChaosLedger {
    private(set) var submitted: [Int: Int64] = [:]
    private(set) var memory: [String: [(time: Double, bytes: Int)]] = [:]

    func submitted(index: Int, id: Int64) { submitted[index] = id }

    func sample(_ label: String, time: Double, bytes: Int) { memory[label, default: []].append((time, bytes)) }
}

/// The peers of a chaos run: each peer's current node process, restarted under the same id
/// with a fresh log (`<id>#<start>.log`) so that no start's log is lost.
actor ChaosPeers {
    let lan: LAN
    let ids: [String]
    let environment: [String: String]
    private var current: [Int: NodeProcess] = [:]
    private var starts: [Int: Int] = [:]
    private(set) var logPaths: [String] = []

    init(lan: LAN, environment: [String: String]) {
        self.lan = lan
        self.ids = (1...lan.peers).map { NodeProcess.uniqueID("chaos\($0)") }
        self.environment = environment
    }

    nonisolated func id(_ peer: Int) -> String { ids[peer - 1] }

    @discardableResult
    func start(_ peer: Int, slots: Int) throws -> NodeProcess {
        let start = starts[peer, default: 0]
        starts[peer] = start + 1
        var extra = environment
        extra["CONTINUUM_GOSSIP_BIND"] = "\(lan.address(peer)):\(ChaosRun.gossipPort)"
        let node = try NodeProcess.launch(
            databaseURL: lan.lanDatabaseURL, id: id(peer), slots: slots, extra, launcher: lan.launcher(peer),
            logName: "\(id(peer))#\(start)")
        current[peer] = node
        logPaths.append(node.process.logPath)
        return node
    }

    func node(_ peer: Int) -> NodeProcess { current[peer]! }

    /// Every current process with its label (`<id>#<start>`).
    func labelled() -> [(label: String, node: NodeProcess)] {
        current.sorted { $0.key < $1.key }.map { ("\($0.value.id)#\(starts[$0.key, default: 1] - 1)", $0.value) }
    }
}

/// One chaos run: a LAN of peers in network namespaces with PostgreSQL on the bridge, a stream
/// of mixed tasks, the seeded fault plan, then the invariants over the database and the logs.
final class ChaosRun: Sendable {
    static let gossipPort = 7946
    static let apiPort = 8080
    static let clusterKey = "chaos-cluster-key-0123456789abcdef"

    let settings: ChaosSettings
    let lan: LAN
    let hostURL: String
    let store: TaskStore
    let peers: ChaosPeers
    let ledger = ChaosLedger()

    init(settings: ChaosSettings, lan: LAN, hostURL: String) {
        self.settings = settings
        self.lan = lan
        self.hostURL = hostURL
        var logger = Logger(label: "chaos")
        logger.logLevel = .error
        store = TaskStore(configuration: DatabaseConfiguration(url: hostURL, poolSize: 3), logger: logger)
        peers = ChaosPeers(lan: lan, environment: [
            "API_PORT": String(Self.apiPort),
            "CONTINUUM_GOSSIP_SEEDS": "\(lan.address(1)):\(Self.gossipPort)",
            "CONTINUUM_CLUSTER_KEY": Self.clusterKey,
            "CONTINUUM_NOTIFY": "on",
            "POLLING_INTERVAL": "1",
            "CONTINUUM_LEASE_TTL": String(settings.leaseTTL.seconds),
            "CONTINUUM_DRAIN_GRACE": "5",
            "CONTINUUM_LOG_LEVEL": "debug",
        ])
    }

    static func now() -> Double { Date().timeIntervalSince1970 }

    /// Runs everything and returns the report and whether every invariant held.
    func run() async throws -> (report: String, passed: Bool) {
        let began = Self.now()
        try await Shell.run(Binary.path, ["migrate"], environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DATABASE_URL": hostURL])
        for peer in 1...lan.peers { try await peers.start(peer, slots: settings.slots) }
        try await waitForConvergence()
        let plan = FaultPlan.make(seed: settings.seed, duration: settings.duration, peers: lan.peers, leaseTTL: settings.leaseTTL)
        print("chaos: \(plan.count) faults planned over \(Int(settings.duration.seconds)) s")

        let start = ContinuousClock.now
        let end = start + settings.duration
        let submitter = Task { await self.submit(until: end) }
        let sampler = Task { await self.sampleMemory(until: end + settings.settleLimit) }
        var injected: [Task<InjectedFault, Never>] = []
        for fault in plan {
            try await Task.sleep(until: start + fault.at)
            print("chaos: fault #\(fault.number) at +\(String(format: "%.1f", (ContinuousClock.now - start).seconds)) s: \(fault)")
            injected.append(await inject(fault))
        }
        await submitter.value
        let settled = await settle()
        sampler.cancel()
        var faults: [InjectedFault] = []
        for task in injected { faults.append(await task.value) }
        await stopNodes()

        var leftovers: [String: [String]] = [:]
        for id in peers.ids { leftovers[id] = await HostProbe.leftovers(of: id) }
        let evidence = RunEvidence(
            seed: settings.seed, submitted: await ledger.submitted, tasks: try await finalTasks(),
            events: await events(), faults: faults,
            memory: await ledger.memory.map { MemorySeries(label: $0.key, samples: $0.value) }.sorted { $0.label < $1.label },
            leftovers: leftovers)
        let results = Invariants.check(evidence)
        var report = ChaosReport.render(replay: settings.replay, evidence: evidence, results: results, elapsed: Self.now() - began)
        if !settled { report += "\nchaos: the cluster had not finished every task \(settings.settleLimit) after submitting stopped" }
        report += "\nchaos: node logs: \(await peers.logPaths.joined(separator: " "))"
        return (report, settled && results.allSatisfy { $0.failed == 0 })
    }

    /// Destroys the LAN and its database after stopping whatever still runs.
    func tearDown() async {
        for (_, node) in await peers.labelled() { node.kill() }
        for (_, node) in await peers.labelled() { _ = await node.waitForExit(within: .seconds(5)) }
        store.shutdown()
        await lan.destroy()
    }

    // MARK: Steps

    private func waitForConvergence() async throws {
        let ids = peers.ids
        let converged = await eventually(within: .seconds(45)) { await self.lan.everyPeerSees(ids, alive: Self.apiPort) }
        guard converged else {
            let logs = await peers.labelled().map { $0.node.logTail(20) }.joined(separator: "\n")
            throw LAN.Failure(description: "the \(lan.peers) peers did not converge within 45 s:\n\(logs)")
        }
    }

    /// Submits the seeded task stream at the configured rate until `end`; a submission the
    /// database refuses (it may be restarting) is tried again.
    private func submit(until end: ContinuousClock.Instant) async {
        let begin = ContinuousClock.now
        var index = 0
        while true {
            let due = begin + .milliseconds(Int64(Double(index) / settings.rate * 1000))
            guard due < end else { return }
            try? await Task.sleep(until: due)
            let plan = Workload.task(index, seed: settings.seed)
            do {
                let id = try await store.submit(NewTask(
                    name: plan.name, code: plan.code, payloadJSON: plan.payloadJSON, priority: plan.priority,
                    maxAttempts: plan.maxAttempts, timeoutSeconds: plan.timeoutSeconds))
                await ledger.submitted(index: index, id: id)
                index += 1
            } catch {
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    private func sampleMemory(until end: ContinuousClock.Instant) async {
        while ContinuousClock.now < end, !Task.isCancelled {
            for (label, node) in await peers.labelled() where node.exitStatus == nil {
                if let bytes = await HostProbe.residentBytes(of: node.process.pid) {
                    await ledger.sample(label, time: Self.now(), bytes: bytes)
                }
            }
            try? await Task.sleep(for: .seconds(2))
        }
    }

    /// Waits until no chaos task is pending or running.
    private func settle() async -> Bool {
        await eventually(within: settings.settleLimit) {
            await self.count("SELECT count(*) FROM tasks WHERE name LIKE 'chaos-%' AND status IN ('pending', 'running')") == 0
        }
    }

    /// The number a `SELECT count(*)` answers, or nil when the database does not answer.
    func count(_ sql: String, _ parameters: [String?] = []) async -> Int? {
        (try? await store.execute(sql, parameters))?.first?.first?.flatMap { Int($0) }
    }

    private func stopNodes() async {
        for (_, node) in await peers.labelled() { node.send(SIGCONT) }
        await withTaskGroup(of: Void.self) { group in
            for (_, node) in await peers.labelled() { group.addTask { _ = await node.stop(within: .seconds(30)) } }
        }
    }

    private func finalTasks() async throws -> [FinalTask] {
        try await store.query("""
            SELECT id, name, status, attempts, max_attempts, fence, worker_id, error, output,
                   extract(epoch FROM created) AS created, extract(epoch FROM finished) AS finished
            FROM tasks WHERE name LIKE 'chaos-%' ORDER BY id
            """).map { row throws(StoreError) in
            FinalTask(
                id: try row.required("id"), name: try row.required("name"), status: try row.required("status"),
                attempts: try row.required("attempts"), maxAttempts: try row.required("max_attempts"),
                fence: try row.required("fence"), workerID: try row.optional("worker_id"), error: try row.optional("error"),
                output: try row.optional("output"), created: try row.required("created"), finished: try row.optional("finished"))
        }
    }

    private func events() async -> [TaskEvent] {
        let paths = await peers.logPaths
        return await onOwnThread {
            paths.flatMap { NodeLog.events(in: (try? String(contentsOfFile: $0, encoding: .utf8)) ?? "") }
        }
    }
}
