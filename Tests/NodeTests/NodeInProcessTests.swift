import Foundation
import Gossip
import Logging
@testable import Node
import Sandbox
import ServiceLifecycle
import Store
import Testing
import TestSupport

/// The node's own logic, in-process: an in-memory queue and a scripted runner stand in for
/// PostgreSQL and the sandboxes, so each rule is checked with no database, runtime or process.
@Suite("Node in-process")
struct NodeInProcessTests {
    static let everyPriority = Int(Int32.min)...Int(Int32.max)

    static func node(
        _ queue: InMemoryQueue, _ runner: ScriptedRunner, slots: Int = 1, leaseTTL: Duration = .seconds(3),
        drainGrace: Duration = .seconds(5), gossip: GossipConfiguration? = nil
    ) -> Node {
        var sandbox = SandboxConfiguration(nodeID: "in-process")
        sandbox.slots = slots
        var configuration = NodeConfiguration(database: DatabaseConfiguration(), sandbox: sandbox)
        configuration.leaseTTL = leaseTTL
        configuration.drainGrace = drainGrace
        configuration.pollingInterval = .milliseconds(50)
        configuration.notify = false
        configuration.gossip = gossip
        return Node(configuration: configuration, queue: queue, runner: runner, logger: Logger(label: "node-in-process"))
    }

    /// Runs `node` as a service until `body` returns, then shuts it down gracefully and waits.
    static func running(_ node: Node, _ body: () async throws -> Void) async throws {
        let group = ServiceGroup(configuration: .init(services: [.init(service: node)], logger: Logger(label: "service-group")))
        let service = Task { try await group.run() }
        do {
            try await body()
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await service.value
            throw error
        }
        await group.triggerGracefulShutdown()
        try await service.value
    }


    @Test("a claim round takes from the node's own slice first, and from the whole range only for the slots left")
    func claimRounds() async {
        let queue = InMemoryQueue()
        let outside = queue.add(code: "exit 0", priority: 7)
        let inside = [queue.add(code: "exit 0", priority: 2), queue.add(code: "exit 0", priority: 3)]
        let running = RunningTasks()
        func loop(slots: Int) -> ClaimLoop {
            ClaimLoop(queue: queue, running: running, ownRange: { 0...4 }, slots: slots, priorities: Self.everyPriority,
                      leaseTTL: .seconds(30), worker: "w", doorbell: Doorbell(), metrics: NodeMetrics(),
                      logger: Logger(label: "claims"), start: { await running.insert($0.lease) })
        }
        await loop(slots: 2).claimWhileSlotsAndWorkRemain()
        #expect(queue.calls == [.claim(0...4)], "two free slots, two tasks in the own slice: no claim outside it")
        #expect(Set(await running.taskIDs) == Set(inside))
        await loop(slots: 3).claimWhileSlotsAndWorkRemain()
        #expect(queue.calls == [.claim(0...4), .claim(0...4), .claim(Self.everyPriority)])
        #expect(queue.row(outside)?.status == .running)
    }

    @Test("a lease found lost while the task runs kills its sandbox, and nothing more is written for it")
    func lostLeaseKillsTheSandbox() async throws {
        let queue = InMemoryQueue()
        let runner = ScriptedRunner()
        let node = Self.node(queue, runner, leaseTTL: .milliseconds(600), drainGrace: .milliseconds(100))
        let id = queue.add(code: "sleep 30")
        try await Self.running(node) {
            #expect(await eventually(within: .seconds(10)) { runner.started == ["\(id)"] })
            let held = try #require(queue.row(id)?.task.lease)
            queue.steal(id)
            #expect(await eventually(within: .seconds(10)) { runner.killed == ["\(id)"] }, "the sandbox was not killed")
            #expect(await eventually(within: .seconds(10)) { node.metrics.snapshot.leaseLost == 1 })
            #expect(!queue.calls.contains { [.complete(held), .fail(held), .requeue(held)].contains($0) }, "\(queue.calls)")
        }
    }

    @Test("shutdown lets a short task finish within the grace period and hands a long one back, its attempt counted")
    func drainAndHandBack() async throws {
        let queue = InMemoryQueue()
        let runner = ScriptedRunner()
        let node = Self.node(queue, runner, slots: 2, drainGrace: .milliseconds(500))
        let short = queue.add(code: "sleep 0.2")
        let long = queue.add(code: "sleep 30")
        try await Self.running(node) {
            #expect(await eventually(within: .seconds(10)) { runner.started.count == 2 })
        }
        #expect(queue.row(short)?.status == .completed)
        #expect(queue.row(long)?.status == .pending)
        #expect(queue.row(long)?.task.attempt == 1, "the handed-back attempt ran, so it counts")
        #expect(runner.killed == ["\(long)"])
        #expect(runner.isShutDown)
        #expect(node.metrics.snapshot.requeued == 1)
    }

    @Test("a result write is retried while the database is away, and lands when it is back")
    func resultWriteRetriedWhileAway() async throws {
        let queue = InMemoryQueue()
        let runner = ScriptedRunner()
        let node = Self.node(queue, runner, leaseTTL: .seconds(5))
        let id = queue.add(code: "sleep 0.3")
        try await Self.running(node) {
            #expect(await eventually(within: .seconds(10)) { runner.started == ["\(id)"] })
            queue.setAway(true)
            let lease = try #require(queue.row(id)?.task.lease)
            #expect(await eventually(within: .seconds(10)) { queue.calls.filter { $0 == .complete(lease) }.count >= 2 })
            queue.setAway(false)
            #expect(await eventually(within: .seconds(10)) { queue.row(id)?.status == .completed })
            #expect(node.metrics.snapshot.writeErrors == 0)
        }
    }

    @Test("a write that fails for another reason is reported unconfirmed, never as done, and frees its slot")
    func unconfirmedWrite() async throws {
        let queue = InMemoryQueue()
        let runner = ScriptedRunner()
        let node = Self.node(queue, runner)
        queue.setWriteError(.database(sqlState: "XX000", message: "the disk is on fire"))
        let first = queue.add(code: "exit 0")
        try await Self.running(node) {
            #expect(await eventually(within: .seconds(10)) { node.metrics.snapshot.writeErrors == 1 })
            #expect(queue.row(first)?.status == .running, "unconfirmed: the lease runs out and the task runs again")
            #expect(node.metrics.snapshot.completed == 0)
            queue.setWriteError(nil)
            let second = queue.add(code: "exit 0")
            #expect(await eventually(within: .seconds(10)) { queue.row(second)?.status == .completed }, "the slot was not freed")
        }
    }

    @Test("handing back during a database outage at shutdown backs off instead of spinning, then gives up unconfirmed")
    func handBackDuringAnOutageBacksOff() async throws {
        let queue = InMemoryQueue()
        let runner = ScriptedRunner()
        let node = Self.node(queue, runner, leaseTTL: .seconds(1), drainGrace: .milliseconds(100))
        let id = queue.add(code: "sleep 30")
        try await Self.running(node) {
            #expect(await eventually(within: .seconds(10)) { runner.started == ["\(id)"] })
            queue.setAway(true)
        }
        let tries = queue.calls.filter { if case .requeue = $0 { true } else { false } }.count
        // Two seconds of patience at 0.1, 0.2, 0.4, 0.8 s (±20 %): a handful, not thousands.
        #expect((2...8).contains(tries), "\(tries) hand-back tries")
        #expect(node.metrics.snapshot.writeErrors == 1)
        #expect(runner.isShutDown)
    }

    @Test("a gossip socket that cannot be bound stops the node, and the runner it started is shut down")
    func gossipStartFailureShutsTheRunnerDown() async throws {
        let queue = InMemoryQueue()
        let runner = ScriptedRunner()
        // 192.0.2.1 (TEST-NET-1) is on no interface here: the bind fails.
        let gossip = try GossipConfiguration(nodeID: "in-process", slots: 1, bind: "192.0.2.1:7946", clusterKey: Array(repeating: 7, count: 32))
        let node = Self.node(queue, runner, gossip: gossip)
        await #expect(throws: GossipServiceError.self) { try await node.run() }
        #expect(runner.isShutDown)
    }

    @Test("a runner that cannot start stops the node without shutting that runner down (its lock may be another run's)")
    func runnerStartFailure() async throws {
        let queue = InMemoryQueue()
        let runner = ScriptedRunner()
        runner.failStart(with: .nodeIDInUse("in-process"))
        await #expect(throws: SandboxError.nodeIDInUse("in-process")) { try await Self.node(queue, runner).run() }
        #expect(!runner.isShutDown)
        #expect(queue.calls.isEmpty)
    }
}
