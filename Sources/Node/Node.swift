import Foundation
import Gossip
import Logging
import Sandbox
import ServiceLifecycle
import Store

/// One peer: claims tasks from the queue, runs each in a sandbox slot with its deadline, renews
/// the leases while they run, writes every result with the claim's fencing token, returns
/// expired leases of any peer to the queue, and drains on graceful shutdown.
///
/// The database is the only write authority: a renewal that reports a lease lost kills that
/// task's sandbox at once and nothing more is written for it.
public final class Node: Service, Sendable {
    public let configuration: NodeConfiguration
    let store: TaskStore
    let pool: SandboxPool
    let logger: Logger
    let metrics = NodeMetrics()
    let running = RunningTasks()
    private let doorbell = Doorbell()
    let peers: Peers
    let started = ContinuousClock.now

    public init(configuration: NodeConfiguration, logger: Logger) async throws {
        var logger = logger
        logger[metadataKey: "node_id"] = "\(configuration.nodeID)"
        self.configuration = configuration
        self.logger = logger
        self.store = TaskStore(configuration: configuration.database, logger: logger)
        self.pool = try await SandboxPool(configuration: configuration.sandbox, logger: logger)
        self.peers = Peers(
            gossip: configuration.gossip.map(GossipService.init), nodeID: configuration.nodeID,
            range: configuration.priorities, selfAddress: "\(configuration.apiHost):\(configuration.apiPort)")
    }

    /// The store this node writes through (for the HTTP API and commands).
    public var taskStore: TaskStore { store }

    public func run() async throws {
        try await pool.start()
        await takeBackLeasesOfEarlierRun()
        try await peers.gossip?.start()
        logger.info("node started", metadata: [
            "slots": "\(configuration.sandbox.slots)", "priorities": "\(configuration.priorities)",
            "lease_ttl": "\(configuration.leaseTTL)", "notify": "\(configuration.notify)",
        ])
        let background = Task { await self.runBackground() }
        doorbell.ring()
        await withGracefulShutdownHandler {
            await self.claimLoop()
        } onGracefulShutdown: {
            self.doorbell.close()
        }
        await drain()
        await peers.gossip?.leave()
        background.cancel()
        await background.value
        await pool.shutdown()
        store.shutdown()
        logger.info("node stopped", metadata: ["totals": "\(metrics.snapshot)"])
    }

    /// Leases still held under this node's id belong to an earlier run of it that died (the
    /// sandbox pool's node lock proves no other run of this id is alive on this host): they go
    /// back to the queue now instead of when their TTL runs out.
    private func takeBackLeasesOfEarlierRun() async {
        do {
            let report = try await store.revokeLeases(of: configuration.nodeID)
            if !report.isEmpty {
                logger.info("took back the leases of an earlier run of this node", metadata: [
                    "requeued": "\(report.requeued)", "failed": "\(report.failed)",
                ])
            }
        } catch {
            logger.warning("cannot take back the leases of an earlier run; they return when they expire", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Claiming

    private func claimLoop() async {
        for await _ in doorbell.rings {
            await claimWhileSlotsAndWorkRemain()
        }
    }

    private func claimWhileSlotsAndWorkRemain() async {
        while true {
            let free = configuration.sandbox.slots - (await running.count)
            guard free > 0 else { return }
            var claimed: [ClaimedTask] = []
            var failed = false
            do {
                // Own slice first; the rest of the range when it has too little, so that no task
                // starves when gossip is slow, split or wrong.
                for range in [peers.ownRange, configuration.priorities] where claimed.count < free {
                    claimed += try await store.claim(
                        upTo: free - claimed.count, priorities: range, leaseTTL: configuration.leaseTTL, worker: configuration.nodeID)
                    if range == configuration.priorities { break }
                }
            } catch {
                // What the first claim took is ours and still runs.
                logger.warning("claim failed; trying again at the next wake-up", metadata: ["error": "\(error)"])
                failed = true
            }
            metrics.claimed(claimed.count)
            for task in claimed { await start(task) }
            metrics.busy(await running.count)
            if failed || claimed.count < free { return }
        }
    }

    private func start(_ task: ClaimedTask) async {
        await running.insert(task.lease)
        let handle = Task { await self.execute(task) }
        await running.attach(handle, to: task.lease.taskID)
    }

    // MARK: Executing

    private func execute(_ task: ClaimedTask) async {
        var logger = logger
        logger[metadataKey: "task_id"] = "\(task.lease.taskID)"
        logger[metadataKey: "fence"] = "\(task.lease.fence)"
        logger[metadataKey: "attempt"] = "\(task.attempt)"
        logger.debug("task started")
        let timeout = task.timeoutSeconds.map { Duration.milliseconds(Int64($0 * 1000)) } ?? configuration.sandbox.taskTimeout
        let spec = TaskSpec(id: String(task.lease.taskID), code: task.code, payloadJSON: task.payloadJSON, timeout: timeout)
        let began = ContinuousClock.now
        var outcome: ResultWrite?
        do {
            outcome = ResultWrite(try await pool.run(spec))
        } catch is CancellationError {
            outcome = nil
        } catch {
            outcome = .fail(TaskFailure(kind: "sandbox", detail: "the sandbox could not run the task: \(error)"), retryable: true)
        }
        switch (await running.stopReason(of: task.lease.taskID), outcome) {
        case (.leaseLost, _):
            logger.warning("lease lost while running; the sandbox was killed and nothing is written")
            metrics.leaseLost()
        case (_, let outcome?):
            await record(outcome, for: task, after: ContinuousClock.now - began, logger: logger)
        case (_, nil):
            await handBack(task, logger: logger)
        }
        await running.remove(task.lease.taskID)
        metrics.busy(await running.count)
        doorbell.ring()
    }

    /// Writes a result with the claim's fencing token, retrying while the database is away.
    private func record(_ outcome: ResultWrite, for task: ClaimedTask, after duration: Duration, logger: Logger) async {
        await retryingWhileUnavailable(task, logger: logger) { () async throws(StoreError) in
            switch outcome {
            case .complete(let output):
                try await store.complete(task.lease, output: output)
                metrics.completed(after: duration)
                logger.debug("task completed")
            case .fail(let failure, let retryable):
                let disposition = try await store.fail(task.lease, failure: failure, retryable: retryable, attempt: task.attempt)
                if case .retryScheduled(let delay) = disposition {
                    metrics.retried()
                    logger.info("engine trouble; retry scheduled", metadata: ["delay_s": "\(delay)", "detail": "\(failure.detail)"])
                } else {
                    metrics.failed(kind: failure.kind, after: duration)
                    logger.debug("task failed", metadata: ["error": "\(failure.kind)"])
                }
            }
        }
    }

    /// Hands a task stopped by shutdown back to the queue. It ran, so its attempt counts.
    private func handBack(_ task: ClaimedTask, logger: Logger) async {
        await retryingWhileUnavailable(task, logger: logger) { () async throws(StoreError) in
            try await store.requeue(task.lease, refundAttempt: false)
            metrics.requeued()
            logger.info("task handed back to the queue on shutdown")
        }
    }

    private func retryingWhileUnavailable(
        _ task: ClaimedTask, logger: Logger, _ write: () async throws(StoreError) -> Void
    ) async {
        let deadline = ContinuousClock.now + configuration.leaseTTL * 2
        var delay = Duration.milliseconds(100)
        while true {
            do {
                try await write()
                return
            } catch .leaseLost(_, _, let detail) {
                metrics.leaseLost()
                logger.warning("result rejected: the lease was lost", metadata: ["detail": "\(detail)"])
                return
            } catch let error where error.isConnectionFailure && ContinuousClock.now < deadline {
                logger.warning("cannot write the result yet; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(2))
            } catch {
                metrics.writeError()
                logger.error("could not confirm the result write; unless it landed, the lease expires and the task runs again",
                             metadata: ["error": "\(error)"])
                return
            }
        }
    }

    // MARK: Leases, recovery and wake-ups

    private func runBackground() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.renewLoop() }
            group.addTask { await self.recoveryLoop() }
            group.addTask { await self.pollLoop() }
            if self.configuration.notify { group.addTask { await self.listenLoop() } }
            if let gossip = self.peers.gossip {
                group.addTask { await self.wakeLoop(gossip) }
                group.addTask { await self.membershipLoop(gossip) }
            }
        }
    }

    /// Wake hints from peers (or from this node's own API) for priorities this node owns.
    private func wakeLoop(_ gossip: GossipService) async {
        for await _ in gossip.wakes {
            doorbell.ring()
        }
    }

    /// When a peer is confirmed dead, exactly one survivor (chosen the same way by every
    /// converged view) revokes its leases at once; fencing makes that safe even if it lives.
    private func membershipLoop(_ gossip: GossipService) async {
        for await event in gossip.events where event.member.state == .dead && event.previousState != .dead {
            let dead = event.member.id
            guard dead != configuration.nodeID, peers.revokes(for: dead) else { continue }
            do {
                let report = try await store.revokeLeases(of: dead)
                logger.info("revoked the leases of a dead peer", metadata: ["peer": "\(dead)", "requeued": "\(report.requeued)"])
                doorbell.ring()
            } catch {
                logger.warning("cannot revoke a dead peer's leases; they return when they expire", metadata: ["peer": "\(dead)", "error": "\(error)"])
            }
        }
    }

    /// A task of `priority` was submitted through this node: wake its owner directly (this
    /// node itself, or a peer over gossip).
    public func taskSubmitted(priority: Int) {
        if !configuration.priorities.contains(priority) { return }
        if peers.ownRange.contains(priority) || !peers.wakeOwner(of: priority) { doorbell.ring() }
    }

    private func renewLoop() async {
        let period = configuration.leaseTTL / 3
        while !Task.isCancelled {
            try? await Task.sleep(for: period)
            let leases = await running.leases
            guard !leases.isEmpty else { continue }
            do {
                for lost in try await store.renew(leases, ttl: configuration.leaseTTL) {
                    logger.warning("lease lost; killing the task's sandbox", metadata: ["task_id": "\(lost.taskID)"])
                    await running.stop(lost, because: .leaseLost)
                }
            } catch {
                logger.warning("lease renewal failed; retrying", metadata: ["error": "\(error)"])
            }
        }
    }

    private func recoveryLoop() async {
        let period = max(.milliseconds(500), configuration.leaseTTL / 2)
        while !Task.isCancelled {
            try? await Task.sleep(for: period + .milliseconds(Int.random(in: 0...250)))
            do {
                if !(try await store.recoverExpired()).isEmpty { doorbell.ring() }
            } catch {
                logger.warning("recovery of expired leases failed; retrying", metadata: ["error": "\(error)"])
            }
        }
    }

    private func pollLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.pollingInterval)
            doorbell.ring()
        }
    }

    private func listenLoop() async {
        for await signal in store.signals() {
            switch signal {
            case .resynchronized:
                doorbell.ring()
            case .taskAvailable(let priority) where configuration.priorities.contains(priority):
                taskSubmitted(priority: priority)
            case .taskAvailable:
                break
            }
        }
    }

    // MARK: Shutdown

    /// Lets running tasks finish within the grace period, then stops the rest; they hand
    /// themselves back to the queue through the fencing check.
    private func drain() async {
        let deadline = ContinuousClock.now + configuration.drainGrace
        let count = await running.count
        logger.info("draining", metadata: ["running": "\(count)", "grace": "\(configuration.drainGrace)"])
        while ContinuousClock.now < deadline, await running.count > 0 {
            try? await Task.sleep(for: .milliseconds(50))
        }
        await running.stopAll(because: .shutdown)
        while await running.count > 0 {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    // MARK: Status

    /// What `/status` shows: never a task's code or payload.
    public func status() async -> NodeStatus {
        let ownRange = peers.ownRange
        return NodeStatus(
            nodeID: configuration.nodeID,
            uptimeSeconds: (ContinuousClock.now - started).seconds,
            slots: .init(total: configuration.sandbox.slots, busy: await running.count),
            counters: metrics.snapshot,
            running: await running.taskIDs,
            sandboxPool: await pool.status(),
            members: peers.members,
            priorityRange: .init(min: ownRange.lowerBound, max: ownRange.upperBound),
            gossipDrops: peers.gossip.map { Dictionary(uniqueKeysWithValues: $0.dropCounts.map { ("\($0.key)", $0.value) }) })
    }
}

extension Duration {
    /// The duration in seconds as a floating-point number.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
