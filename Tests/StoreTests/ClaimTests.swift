import Foundation
import Testing
@testable import Store
import TestSupport

@Suite("Claiming")
struct ClaimTests {
    static let everyPriority = Int(Int32.min)...Int(Int32.max)

    /// Inserts `count` tasks with the given priorities (cycled) the way a bulk SQL user would.
    static func insertTasks(_ database: TestDatabase, count: Int, priorities: [Int] = [0]) async throws {
        let code = try await database.integer("INSERT INTO codes (code) VALUES ('print(1)') RETURNING id")
        let list = "{" + priorities.map(String.init).joined(separator: ",") + "}"
        try await database.sql("""
            INSERT INTO tasks (name, payload, code, priority)
            SELECT 'bulk-' || g, jsonb_build_object('n', g), $1::bigint, ($3::int[])[1 + (g % array_length($3::int[], 1))]
            FROM generate_series(1, $2::int) AS g
            """, [String(code), String(count), list])
    }

    @Test("8 concurrent claimers over 5,000 tasks claim each exactly once", arguments: [
        DatabaseConfiguration.Isolation.readCommitted, .serializable,
    ])
    func concurrentClaimersClaimEachTaskOnce(isolation: DatabaseConfiguration.Isolation) async throws {
        let database = try await TestDatabase.make()
        try await Self.insertTasks(database, count: 5000, priorities: [0, 1, 2, 3])
        let claimedIDs = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for worker in 0..<8 {
                group.addTask {
                    let store = database.store(poolSize: 2, isolation: isolation)
                    var mine: [Int64] = []
                    while true {
                        let batch = try await store.claim(
                            upTo: 1 + mine.count % 32, priorities: Self.everyPriority, leaseTTL: .seconds(60), worker: "w\(worker)")
                        if batch.isEmpty { break }
                        for task in batch {
                            try await store.complete(task.lease, output: TaskOutput(stdout: "done by w\(worker)", exitCode: 0))
                            mine.append(task.lease.taskID)
                        }
                    }
                    store.shutdown()
                    return mine
                }
            }
            var all: [Int64] = []
            for try await ids in group { all += ids }
            return all
        }
        #expect(claimedIDs.count == 5000)
        #expect(Set(claimedIDs).count == 5000)
        #expect(try await database.integer("SELECT count(*) FROM tasks WHERE status = 'completed' AND attempts = 1 AND fence = 1") == 5000)
    }

    @Test("lower priority numbers first, FIFO within a priority")
    func priorityThenFIFO() async throws {
        let database = try await TestDatabase.make()
        let store = database.store()
        var submitted: [(id: Int64, priority: Int)] = []
        for (index, priority) in [5, 1, 5, -3, 1, 5, 0].enumerated() {
            let id = try await store.submit(NewTask(name: "t\(index)", code: "pass", priority: priority))
            submitted.append((id, priority))
        }
        var order: [Int64] = []
        while let task = try await store.claim(upTo: 1, priorities: Self.everyPriority, leaseTTL: .seconds(30), worker: "w").first {
            order.append(task.lease.taskID)
        }
        let expected = submitted.enumerated().sorted { a, b in
            (a.element.priority, a.offset) < (b.element.priority, b.offset)
        }.map(\.element.id)
        #expect(order == expected)
    }

    @Test("a batch claim returns tasks in queue order")
    func batchIsOrdered() async throws {
        let database = try await TestDatabase.make()
        try await Self.insertTasks(database, count: 40, priorities: [3, 1, 2])
        let batch = try await database.store().claim(upTo: 25, priorities: Self.everyPriority, leaseTTL: .seconds(30), worker: "w")
        #expect(batch.count == 25)
        let keys = batch.map { [Int64($0.priority), $0.lease.taskID] }
        #expect(keys == keys.sorted { $0.lexicographicallyPrecedes($1) })
        #expect(batch.allSatisfy { $0.attempt == 1 && $0.lease.fence == 1 && $0.code == "print(1)" })
    }

    @Test("priority range filters honour both the minimum and the maximum")
    func priorityRange() async throws {
        let database = try await TestDatabase.make()
        try await Self.insertTasks(database, count: 50, priorities: [-10, 0, 5, 10, 20])
        let store = database.store()
        let middle = try await store.claim(upTo: 100, priorities: 0...10, leaseTTL: .seconds(30), worker: "w")
        #expect(middle.count == 30)
        #expect(middle.allSatisfy { (0...10).contains($0.priority) })
        let high = try await store.claim(upTo: 100, priorities: 11...Int(Int32.max), leaseTTL: .seconds(30), worker: "w")
        #expect(high.map(\.priority) == Array(repeating: 20, count: 10))
        let low = try await store.claim(upTo: 100, priorities: Int(Int32.min)...(-1), leaseTTL: .seconds(30), worker: "w")
        #expect(low.map(\.priority) == Array(repeating: -10, count: 10))
    }

    @Test("a task without its code row ends failed as invalid_task and never blocks the queue")
    func invalidTaskIsRejected() async throws {
        let database = try await TestDatabase.make()
        try await database.sql("INSERT INTO tasks (name, payload, code, priority) VALUES ('orphan', '{}', NULL, 0)")
        let store = database.store()
        let good = try await store.submit(NewTask(name: "good", code: "print('ok')", priority: 0))
        let claimed = try await store.claim(upTo: 1, priorities: Self.everyPriority, leaseTTL: .seconds(30), worker: "w")
        #expect(claimed.map(\.lease.taskID) == [good])
        let orphan = try await database.sql("SELECT status, error, last_error FROM tasks WHERE name = 'orphan'")
        #expect(orphan.first?[0] == "failed")
        #expect(orphan.first?[1] == "invalid_task")
        #expect((orphan.first?[2] ?? nil)?.contains("code") == true)
    }

    @Test("rows written by hand with a timeout that is no number of seconds (NaN, infinite, huge, zero) end invalid_task; the batch still runs", arguments: ["'NaN'", "'Infinity'", "1e300", "0", "-5"])
    func unusableTimeoutIsRejected(timeout: String) async throws {
        let database = try await TestDatabase.make()
        let store = database.store()
        let bad = try await store.submit(NewTask(name: "bad", code: "pass", priority: 0))
        try await database.sql("UPDATE tasks SET timeout_seconds = \(timeout) WHERE id = \(bad)")
        let good = try await store.submit(NewTask(name: "good", code: "pass", priority: 0))
        let claimed = try await store.claim(upTo: 2, priorities: Self.everyPriority, leaseTTL: .seconds(30), worker: "w")
        #expect(claimed.map(\.lease.taskID) == [good])
        let row = try await database.sql("SELECT status, error, last_error FROM tasks WHERE id = \(bad)")
        #expect(row.first?[0] == "failed" && row.first?[1] == "invalid_task", "\(row)")
        #expect((row.first?[2] ?? nil)?.contains("timeout_seconds") == true, "\(row)")
    }

    @Test("rows inserted with the older Go version's plain SQL are claimed like any other")
    func legacyInsertIsClaimable() async throws {
        let database = try await TestDatabase.make()
        let code = try await database.integer("INSERT INTO codes (code) VALUES ('print(payload)') RETURNING id")
        try await database.sql("""
            INSERT INTO tasks (name, description, payload, code, priority)
            VALUES ('legacy', 'from the Go days', '{"x": 1}', $1::bigint, 2)
            """, [String(code)])
        let task = try await database.store().claim(upTo: 4, priorities: Self.everyPriority, leaseTTL: .seconds(30), worker: "w")
        #expect(task.count == 1)
        #expect(task.first?.code == "print(payload)")
        #expect(task.first?.payloadJSON == #"{"x": 1}"#)
        #expect(task.first?.maxAttempts == 3)
    }
}
