import Foundation
import Testing
@testable import Store
import TaskModel
import TestSupport

@Suite("Leases and fencing")
struct FencingTests {
    let any = ClaimTests.everyPriority

    /// A task claimed by `first` whose lease ran out, was recovered and re-claimed by `second`.
    func staleAndCurrent(_ store: TaskStore) async throws -> (stale: ClaimedTask, current: ClaimedTask) {
        _ = try await store.submit(NewTask(code: "pass"))
        let stale = try #require(try await store.claim(upTo: 1, priorities: any, leaseTTL: .milliseconds(100), worker: "first").first)
        try await Task.sleep(for: .milliseconds(250))
        #expect(try await store.recoverExpired().requeued == [stale.lease.taskID])
        let current = try #require(try await store.claim(upTo: 1, priorities: any, leaseTTL: .seconds(30), worker: "second").first)
        #expect(current.lease.taskID == stale.lease.taskID)
        #expect(current.lease.fence > stale.lease.fence)
        return (stale, current)
    }

    func expectLeaseLost(_ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("a stale holder's write was accepted")
        } catch let error as StoreError {
            guard case .leaseLost = error else { Issue.record("expected leaseLost, got \(error)"); return }
        } catch {
            Issue.record("expected leaseLost, got \(error)")
        }
    }

    @Test("a holder whose lease expired and was re-claimed can neither complete, fail, renew nor requeue")
    func staleHolderCannotWrite() async throws {
        let database = try await TestDatabase.make()
        let store = database.store()
        let (stale, current) = try await staleAndCurrent(store)
        await expectLeaseLost { try await store.complete(stale.lease, output: TaskOutput(stdout: "stale", exitCode: 0)) }
        await expectLeaseLost {
            try await store.fail(stale.lease, failure: TaskFailure(kind: .sandbox, detail: "stale"), retryable: true, attempt: stale.attempt)
        }
        await expectLeaseLost { try await store.renew(stale.lease, ttl: .seconds(60)) }
        await expectLeaseLost { try await store.requeue(stale.lease, refundAttempt: true) }
        #expect(try await store.renew([stale.lease, current.lease], ttl: .seconds(60)) == [stale.lease])

        try await store.complete(current.lease, output: TaskOutput(stdout: "fresh", exitCode: 0))
        let record = try #require(try await store.task(id: current.lease.taskID))
        #expect(record.status == .completed)
        #expect(record.output == "fresh")
        #expect(record.workerID == "second")
        #expect(record.attempts == 2)
        await expectLeaseLost { try await store.complete(current.lease, output: TaskOutput(stdout: "twice", exitCode: 0)) }
        #expect(try await store.task(id: current.lease.taskID)?.output == "fresh")
    }

    @Test("the lost-lease error says who holds the task now")
    func leaseLostNamesTheHolder() async throws {
        let database = try await TestDatabase.make()
        let store = database.store()
        let (stale, _) = try await staleAndCurrent(store)
        do {
            try await store.complete(stale.lease, output: TaskOutput())
            Issue.record("accepted")
        } catch {
            #expect("\(error)".contains("held by second"))
            #expect("\(error)".contains("nothing was written"))
        }
    }

    @Test("recovery never takes a live lease")
    func recoveryLeavesLiveLeases() async throws {
        let database = try await TestDatabase.make()
        let store = database.store()
        _ = try await store.submit(NewTask(code: "pass"))
        _ = try await store.submit(NewTask(code: "pass"))
        let short = try #require(try await store.claim(upTo: 1, priorities: any, leaseTTL: .milliseconds(100), worker: "a").first)
        let long = try #require(try await store.claim(upTo: 1, priorities: any, leaseTTL: .seconds(60), worker: "b").first)
        try await Task.sleep(for: .milliseconds(250))
        let report = try await store.recoverExpired()
        #expect(report.requeued == [short.lease.taskID])
        try await store.renew(long.lease, ttl: .seconds(60))
        try await store.complete(long.lease, output: TaskOutput(exitCode: 0))
    }

    @Test("a renewed lease survives past its first expiry")
    func renewalExtendsTheLease() async throws {
        let database = try await TestDatabase.make()
        let store = database.store()
        _ = try await store.submit(NewTask(code: "pass"))
        // Claimed for 2 s and renewed at once for a minute: the first expiry passes, on the
        // database's clock, and the lease holds (however slow a loaded machine is in between,
        // short of two seconds from claim to renewal).
        let task = try #require(try await store.claim(upTo: 1, priorities: any, leaseTTL: .seconds(2), worker: "a").first)
        try await store.renew(task.lease, ttl: .seconds(60))
        try await Task.sleep(for: .milliseconds(2500))
        #expect(try await store.recoverExpired().isEmpty)
        try await store.complete(task.lease, output: TaskOutput(exitCode: 0))
    }

    @Test("revoking a dead peer's leases takes only its tasks, and fences it out")
    func revokeTakesOnlyThatWorker() async throws {
        let database = try await TestDatabase.make()
        let store = database.store()
        for _ in 0..<4 { _ = try await store.submit(NewTask(code: "pass")) }
        let dead = try await store.claim(upTo: 2, priorities: any, leaseTTL: .seconds(60), worker: "dead")
        let alive = try await store.claim(upTo: 2, priorities: any, leaseTTL: .seconds(60), worker: "alive")
        let report = try await store.revokeLeases(of: "dead")
        #expect(Set(report.requeued) == Set(dead.map(\.lease.taskID)))
        await expectLeaseLost { try await store.complete(dead[0].lease, output: TaskOutput()) }
        for task in alive { try await store.complete(task.lease, output: TaskOutput(exitCode: 0)) }
        let reclaimed = try await store.claim(upTo: 4, priorities: any, leaseTTL: .seconds(60), worker: "alive")
        #expect(Set(reclaimed.map(\.lease.taskID)) == Set(dead.map(\.lease.taskID)))
        #expect(reclaimed.allSatisfy { $0.attempt == 2 })
    }

    @Test("requeue on shutdown hands the task back, refunding the attempt only when asked")
    func requeueRefunds() async throws {
        let database = try await TestDatabase.make()
        let store = database.store()
        let id = try await store.submit(NewTask(code: "pass"))
        let first = try #require(try await store.claim(upTo: 1, priorities: any, leaseTTL: .seconds(60), worker: "a").first)
        try await store.requeue(first.lease, refundAttempt: true)
        let second = try #require(try await store.claim(upTo: 1, priorities: any, leaseTTL: .seconds(60), worker: "b").first)
        #expect(second.lease.taskID == id)
        #expect(second.attempt == 1)
        try await store.requeue(second.lease, refundAttempt: false)
        let third = try #require(try await store.claim(upTo: 1, priorities: any, leaseTTL: .seconds(60), worker: "c").first)
        #expect(third.attempt == 2)
    }
}
