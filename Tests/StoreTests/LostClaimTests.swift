import Foundation
import Testing
@testable import Store
import TaskModel
import TestSupport

@Suite("Claims cut off by a lost connection")
struct LostClaimTests {
    let any = ClaimTests.everyPriority

    /// The one claim token on the rows of `tasks`.
    func token(_ database: TestDatabase, of tasks: [ClaimedTask]) async throws -> String {
        let ids = "{" + tasks.map { String($0.lease.taskID) }.joined(separator: ",") + "}"
        let tokens = try await database.sql("SELECT DISTINCT claim_token FROM tasks WHERE id = ANY($1::int8[])", [ids])
        #expect(tokens.count == 1, "one claim call writes one token on all its rows")
        return try #require(tokens.first?.first ?? nil)
    }

    @Test("every claim call writes a fresh token on all the rows it takes")
    func claimWritesItsToken() async throws {
        let database = try await TestDatabase.make()
        let store = database.store()
        for _ in 0..<5 { _ = try await store.submit(NewTask(code: "pass")) }
        let first = try await store.claim(upTo: 3, priorities: any, leaseTTL: .seconds(60), worker: "w")
        let second = try await store.claim(upTo: 2, priorities: any, leaseTTL: .seconds(60), worker: "w")
        let firstToken = try await token(database, of: first)
        let secondToken = try await token(database, of: second)
        #expect(UUID(uuidString: firstToken) != nil)
        #expect(firstToken != secondToken)
    }

    @Test("the rows a claim took are read back by its token exactly as the claim returned them")
    func recoveryReturnsTheClaim() async throws {
        let database = try await TestDatabase.make()
        let store = database.store()
        for priority in [2, 0, 1, 3] { _ = try await store.submit(NewTask(code: "pass", priority: priority)) }
        let claimed = try await store.claim(upTo: 3, priorities: any, leaseTTL: .seconds(60), worker: "w")
        _ = try await store.claim(upTo: 1, priorities: any, leaseTTL: .seconds(60), worker: "w")
        let token = try await token(database, of: claimed)

        let (recovered, rejected) = try await store.recoverClaim(worker: "w", token: token)
        #expect(recovered == claimed)
        #expect(recovered.map(\.priority) == [0, 1, 2])
        #expect(rejected == 0)
        #expect(try await store.recoverClaim(worker: "w", token: UUID().uuidString).0.isEmpty)
        #expect(try await store.recoverClaim(worker: "other", token: token).0.isEmpty)
    }

    @Test("a second attempt is read back with its own fence and attempt, and the first claim's token finds nothing")
    func recoveryOfALaterAttempt() async throws {
        let database = try await TestDatabase.make()
        let store = database.store()
        _ = try await store.submit(NewTask(code: "pass"))
        let first = try await store.claim(upTo: 1, priorities: any, leaseTTL: .seconds(60), worker: "w")
        let firstToken = try await token(database, of: first)
        try await store.requeue(try #require(first.first).lease, refundAttempt: false)
        let second = try await store.claim(upTo: 1, priorities: any, leaseTTL: .seconds(60), worker: "w")
        let recovered = try await store.recoverClaim(worker: "w", token: try await token(database, of: second)).0
        #expect(recovered == second)
        #expect(recovered.map(\.attempt) == [2])
        #expect(recovered.map(\.lease.fence) == [2])
        #expect(try await store.recoverClaim(worker: "w", token: firstToken).0.isEmpty)
    }

    @Test("a token finds nothing once the tasks were recovered, re-claimed, revoked or completed")
    func recoveryOnlyReturnsHeldTasks() async throws {
        let database = try await TestDatabase.make()
        let store = database.store()
        for _ in 0..<3 { _ = try await store.submit(NewTask(code: "pass")) }

        let expired = try await store.claim(upTo: 1, priorities: any, leaseTTL: .milliseconds(100), worker: "w")
        let expiredToken = try await token(database, of: expired)
        try await Task.sleep(for: .milliseconds(250))
        #expect(try await store.recoverExpired().requeued == expired.map(\.lease.taskID))
        #expect(try await store.recoverClaim(worker: "w", token: expiredToken).0.isEmpty)
        let taken = try await store.claim(upTo: 1, priorities: any, leaseTTL: .seconds(60), worker: "other")
        #expect(taken.map(\.lease.taskID) == expired.map(\.lease.taskID))
        #expect(try await store.recoverClaim(worker: "w", token: expiredToken).0.isEmpty)

        let revoked = try await store.claim(upTo: 1, priorities: any, leaseTTL: .seconds(60), worker: "w")
        let revokedToken = try await token(database, of: revoked)
        #expect(try await store.recoverClaim(worker: "w", token: revokedToken).0 == revoked)
        _ = try await store.revokeLeases(of: "w")
        #expect(try await store.recoverClaim(worker: "w", token: revokedToken).0.isEmpty)

        let completed = try await store.claim(upTo: 1, priorities: any, leaseTTL: .seconds(60), worker: "w")
        let completedToken = try await token(database, of: completed)
        try await store.complete(try #require(completed.first).lease, output: TaskOutput(exitCode: 0))
        #expect(try await store.recoverClaim(worker: "w", token: completedToken).0.isEmpty)
    }

    @Test("a row read back that cannot run is failed as invalid_task, like one in a claim's answer")
    func recoveredInvalidTaskIsRejected() async throws {
        let database = try await TestDatabase.make()
        let store = database.store()
        let id = try await store.submit(NewTask(code: "pass"))
        let claimed = try await store.claim(upTo: 1, priorities: any, leaseTTL: .seconds(60), worker: "w")
        let token = try await token(database, of: claimed)
        try await database.sql("UPDATE tasks SET code = NULL WHERE id = $1", [String(id)])
        let (recovered, rejected) = try await store.recoverClaim(worker: "w", token: token)
        #expect(recovered.isEmpty)
        #expect(rejected == 1)
        let record = try #require(try await store.task(id: id))
        #expect(record.status == .failed)
        #expect(record.error == .invalidTask)
    }

    @Test("a claim whose answer is lost after it committed returns the tasks it took", .timeLimit(.minutes(1)))
    func answerLostAfterCommit() async throws {
        let database = try await TestDatabase.make()
        let submitter = database.store()
        let ids = [
            try await submitter.submit(NewTask(code: "pass", priority: 0)),
            try await submitter.submit(NewTask(code: "pass", priority: 1)),
        ]
        let proxy = try AnswerDroppingProxy(upstream: database.url)
        defer { proxy.stop() }
        let store = TaskStore(configuration: DatabaseConfiguration(url: proxy.url, poolSize: 1), logger: .init(label: "lost-claim"))
        defer { store.shutdown() }
        _ = try await store.execute("SELECT 1")

        proxy.arm()
        let claimed = try await store.claim(upTo: 5, priorities: any, leaseTTL: .seconds(60), worker: "w")
        #expect(proxy.answersDropped == 1)
        #expect(claimed.map(\.lease.taskID) == ids)
        #expect(claimed.allSatisfy { $0.attempt == 1 && $0.lease.fence == 1 && $0.code == "pass" })
        #expect(try await database.integer("SELECT count(*) FROM tasks WHERE status = 'running' AND worker_id = 'w' AND attempts = 1") == 2)
        for task in claimed { try await store.complete(task.lease, output: TaskOutput(exitCode: 0)) }
    }

    @Test("a claim whose answer is lost and whose database stays unreachable throws a connection failure", .timeLimit(.minutes(1)))
    func answerLostAndDatabaseGone() async throws {
        let database = try await TestDatabase.make()
        _ = try await database.store().submit(NewTask(code: "pass"))
        let proxy = try AnswerDroppingProxy(upstream: database.url)
        let store = TaskStore(configuration: DatabaseConfiguration(url: proxy.url, poolSize: 1), logger: .init(label: "lost-claim"))
        defer { store.shutdown() }
        _ = try await store.execute("SELECT 1")

        proxy.arm(refuseAfterwards: true)
        let error = await #expect(throws: StoreError.self) {
            try await store.claim(upTo: 1, priorities: any, leaseTTL: .seconds(60), worker: "w")
        }
        #expect(error?.isConnectionFailure == true)
        #expect(proxy.answersDropped == 1)
    }

    @Test("a claim whose backend is terminated while it waits returns nothing and takes nothing", .timeLimit(.minutes(1)))
    func backendTerminatedBeforeTheClaimLanded() async throws {
        let database = try await TestDatabase.make()
        let id = try await database.store().submit(NewTask(code: "pass"))
        let locker = database.store(poolSize: 1)
        defer { locker.shutdown() }
        _ = try await locker.execute("BEGIN")
        _ = try await locker.execute("LOCK TABLE tasks IN EXCLUSIVE MODE")

        let store = database.store(poolSize: 1)
        defer { store.shutdown() }
        let claim = Task { try await store.claim(upTo: 1, priorities: ClaimTests.everyPriority, leaseTTL: .seconds(60), worker: "w") }
        let pid = try await waitingClaimBackend(database)
        #expect(try await database.sql("SELECT pg_terminate_backend($1::int)", [String(pid)]) == [["t"]])
        let claimed = try await claim.value
        _ = try await locker.execute("COMMIT")

        #expect(claimed.isEmpty)
        let record = try #require(try await store.task(id: id))
        #expect(record.status == .pending)
        #expect(record.attempts == 0)
        #expect(try await store.claim(upTo: 1, priorities: any, leaseTTL: .seconds(60), worker: "w").map(\.lease.taskID) == [id])
    }

    /// The backend of the claim statement, once it waits for a lock on `tasks`.
    func waitingClaimBackend(_ database: TestDatabase) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(20)
        var pid = -1
        while pid <= 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
            // No row until the claim waits for the lock.
            let waiting = try await database.sql("""
                SELECT pid FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%claim_token = $6%'
                """)
            if !waiting.isEmpty { pid = try TestDatabase.integer(in: waiting, of: "the waiting claim's backend") }
        }
        return try #require(pid > 0 ? pid : nil, "the claim never waited for the table lock")
    }
}
