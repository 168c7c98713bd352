import Foundation
import Gossip
import Logging
import Sandbox
import ServiceLifecycle
import Store
import TaskEvents
import TaskModel

/// One peer: claims tasks from the queue (`ClaimLoop`), runs each in a slot of its runner with
/// its deadline, keeps the leases while they run and returns expired ones of any peer
/// (`LeaseKeeper`), writes every result with the claim's fencing token (`ResultWriter`), and
/// drains on graceful shutdown.
///
/// The database is the only write authority: a renewal that reports a lease lost kills that
/// task's sandbox at once and nothing more is written for it.
public final class Node: Service, Sendable {
    public let configuration: NodeConfiguration
    let queue: any TaskQueue
    let runner: any TaskRunner
    let logger: Logger
    let metrics = NodeMetrics()
    let running = RunningTasks()
    private let doorbell = Doorbell()
    let peers: Peers
    let started = ContinuousClock.now

    /// A node over `queue` and `runner`, with gossip when `configuration.gossip` is set.
    public init(configuration: NodeConfiguration, queue: any TaskQueue, runner: any TaskRunner, logger: Logger) {
        var logger = logger
        logger[metadataKey: "node_id"] = "\(configuration.nodeID)"
        self.configuration = configuration
        self.logger = logger
        self.queue = queue
        self.runner = runner
        self.peers = Peers(
            gossip: configuration.gossip.map(GossipService.init), nodeID: configuration.nodeID,
            range: configuration.priorities, selfAddress: "\(configuration.apiHost):\(configuration.apiPort)")
    }

    private var leaseKeeper: LeaseKeeper {
        LeaseKeeper(queue: queue, running: running, leaseTTL: configuration.leaseTTL, doorbell: doorbell, logger: logger)
    }

    private var resultWriter: ResultWriter {
        ResultWriter(queue: queue, metrics: metrics, patience: configuration.leaseTTL * 2)
    }

    private var claimLoop: ClaimLoop {
        ClaimLoop(
            queue: queue, running: running, ownRange: { [peers] in peers.ownRange }, slots: configuration.slots,
            priorities: configuration.priorities, leaseTTL: configuration.leaseTTL, worker: configuration.nodeID,
            doorbell: doorbell, metrics: metrics, logger: logger, start: { await self.start($0) })
    }

    public func run() async throws {
        do {
            try await runner.start()
        } catch {
            // Not started, so nothing of the runner's to release (its node lock may be another
            // live run's).
            queue.shutdown()
            throw error
        }
        // The runner's node lock proves no other run of this id is alive on this host: what
        // this id still holds belongs to an earlier run that died, and goes back now.
        await leaseKeeper.revoke(configuration.nodeID, because: "an earlier run of this node")
        do {
            try await peers.gossip?.start()
        } catch {
            await runner.shutdown()
            queue.shutdown()
            throw error
        }
        logger.info("node started", metadata: [
            "slots": "\(configuration.slots)", "priorities": "\(configuration.priorities)",
            "lease_ttl": "\(configuration.leaseTTL)", "notify": "\(configuration.notify)",
        ])
        let background = Task { await self.runBackground() }
        doorbell.ring()
        let claims = claimLoop
        await withGracefulShutdownHandler {
            await claims.run()
        } onGracefulShutdown: {
            self.doorbell.close()
        }
        await drain()
        await peers.gossip?.leave()
        background.cancel()
        await background.value
        await runner.shutdown()
        queue.shutdown()
        logger.info("node stopped", metadata: ["totals": "\(metrics.snapshot)"])
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
        logger.event(.started, of: task, level: .debug, "task started")
        let timeout = task.timeoutSeconds.map { Duration.milliseconds(Int64($0 * 1000)) } ?? configuration.taskTimeout
        let spec = TaskSpec(id: String(task.lease.taskID), code: task.code, payloadJSON: task.payloadJSON, timeout: timeout)
        let began = ContinuousClock.now
        var outcome: ResultWrite?
        do {
            outcome = ResultWrite(try await runner.run(spec))
        } catch is CancellationError {
            outcome = nil
        } catch {
            outcome = .fail(TaskFailure(kind: .sandbox, detail: "the sandbox could not run the task: \(error)"), retryable: true)
        }
        switch (await running.stopReason(of: task.lease.taskID), outcome) {
        case (.leaseLost, _):
            logger.event(.leaseLost, of: task, level: .warning, "lease lost while running; the sandbox was killed and nothing is written")
            metrics.leaseLost()
        case (_, let outcome?):
            await resultWriter.record(outcome, for: task, after: ContinuousClock.now - began, logger: logger)
        case (_, nil):
            await resultWriter.handBack(task, logger: logger)
        }
        await running.remove(task.lease.taskID)
        metrics.busy(await running.count)
        doorbell.ring()
    }

    // MARK: Leases, recovery and wake-ups

    private func runBackground() async {
        let keeper = leaseKeeper
        await withDiscardingTaskGroup { group in
            group.addTask { await keeper.renewLoop() }
            group.addTask { await keeper.recoveryLoop() }
            group.addTask { await self.pollLoop() }
            if self.configuration.notify { group.addTask { await self.listenLoop() } }
            if let gossip = self.peers.gossip {
                group.addTask { await self.backlogLoop() }
                group.addTask { await self.wakeLoop(gossip) }
                group.addTask { await self.membershipLoop(gossip, keeper: keeper) }
            }
        }
    }

    /// How often the work is sampled for the priority split, how many tasks of the queue's head
    /// and of the recently finished, and how far back "recently" goes.
    static let workSampling = (period: Duration.seconds(1), tasks: 500, window: Duration.seconds(60))

    /// Samples the work for the priority split (with gossip only: alone, this node owns the
    /// whole range anyway). When the new split puts pending work in this node's slice, it claims
    /// at once: wake-ups sent under the old split may have gone to another peer.
    private func backlogLoop() async {
        let sampling = Self.workSampling
        while !Task.isCancelled {
            do {
                peers.sampled(try await queue.workSample(limit: sampling.tasks, window: sampling.window))
                if (peers.backlogShare?.pendingInOwnSlice ?? 0) > 0 { doorbell.ring() }
            } catch {
                logger.warning("cannot sample the work; the priority split keeps the last sample", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: sampling.period)
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
    private func membershipLoop(_ gossip: GossipService, keeper: LeaseKeeper) async {
        for await event in gossip.events where event.member.state == .dead && event.previousState != .dead {
            let dead = event.member.id
            guard dead != configuration.nodeID, peers.revokes(for: dead) else { continue }
            await keeper.revoke(dead, because: "a dead peer")
        }
    }

    /// A task of `priority` was submitted through this node: wake its owner directly (this
    /// node itself, or a peer over gossip).
    public func taskSubmitted(priority: Int) {
        if !configuration.priorities.contains(priority) { return }
        if peers.ownSlice?.contains(priority) == true || !peers.wakeOwner(of: priority) { doorbell.ring() }
    }

    private func pollLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.pollingInterval)
            doorbell.ring()
        }
    }

    private func listenLoop() async {
        for await signal in queue.signals() {
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

    /// Lets running tasks finish within the grace period, then stops the rest, which hand
    /// themselves back to the queue; returns when every one of them has ended.
    private func drain() async {
        let handles = await running.handles
        logger.info("draining", metadata: ["running": "\(handles.count)", "grace": "\(configuration.drainGrace)"])
        // Ends when every task has ended; a stream, so that waiting on it can be cancelled.
        let (ended, allEnded) = AsyncStream.makeStream(of: Void.self)
        let watcher = Task {
            for handle in handles { await handle.value }
            allEnded.finish()
        }
        let grace = configuration.drainGrace
        await withTaskGroup(of: Void.self) { group in
            group.addTask { for await _ in ended {} }
            group.addTask { try? await Task.sleep(for: grace) }
            await group.next()
            group.cancelAll()
        }
        await running.stopAll(because: .shutdown)
        await watcher.value
    }

    // MARK: Status

    /// The `/status` `gossip_drops` key of outgoing datagrams whose destination did not resolve.
    static let unresolvedDestinationDrop = "unresolved_destination"

    /// What `/status` shows: never a task's code or payload.
    public func status() async -> NodeStatus {
        let ownRange = peers.ownRange
        return NodeStatus(
            nodeID: configuration.nodeID,
            uptimeSeconds: (ContinuousClock.now - started).seconds,
            slots: .init(total: configuration.slots, busy: await running.count),
            counters: metrics.snapshot,
            running: await running.taskIDs,
            sandboxPool: await runner.status(),
            members: peers.members,
            priorityRange: .init(min: ownRange.lowerBound, max: ownRange.upperBound, ownsSlice: peers.ownSlice != nil, backlog: peers.backlogShare),
            gossipDrops: peers.gossip.map { gossip in
                var drops = Dictionary(uniqueKeysWithValues: gossip.dropCounts.map { ("\($0.key)", $0.value) })
                drops[Self.unresolvedDestinationDrop] = gossip.unresolvedSends
                return drops
            })
    }
}

extension Duration {
    /// The duration in seconds as a floating-point number.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
