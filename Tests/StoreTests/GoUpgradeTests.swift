import Foundation
import Testing
@testable import Store
import TestSupport

/// A database made by the older Go version (`GoSchema`), upgraded by `migrate`: old rows, new
/// Go-style inserts, Continuum's own submissions and the Go workers' `processing` rows.
@Suite("Upgrading the Go version's database")
struct GoUpgradeTests {
    static let any = ClaimTests.everyPriority

    /// A Go database with one old task (inserted before the upgrade), then migrated.
    static func upgraded() async throws -> (TestDatabase, TaskStore, codeID: String) {
        let database = try await GoSchema.database()
        let codeID = try await GoSchema.insertCode("print(payload)", into: database)
        let store = database.store()
        try await store.migrate(dialect: TestDatabase.dialect)
        return (database, store, codeID)
    }

    @Test("old tasks, Go-style inserts after the upgrade (with and without a payload) and submit all run")
    func everyKindOfRowRuns() async throws {
        let database = try await GoSchema.database()
        let codeID = try await GoSchema.insertCode("print(payload)", into: database)
        let old = try await GoSchema.insertTask(codeID: codeID, name: "old", payload: #"{"era": "go"}"#, into: database)
        let store = database.store()
        try await store.migrate(dialect: TestDatabase.dialect)
        try await store.migrate(dialect: TestDatabase.dialect)
        let newCodeID = try await GoSchema.insertCode("print('new')", into: database)
        let goStyle = try await GoSchema.insertTask(codeID: newCodeID, name: "go-style", payload: #"{"n": 1}"#, into: database)
        let noPayload = try await GoSchema.insertTask(codeID: newCodeID, name: "no payload", payload: nil, into: database)
        // Statements.submit on the Go schema: its code row gets a UUID from the table's default.
        let submitted = try await store.submit(NewTask(name: "submitted", code: "print('submitted')", payloadJSON: #"{"m": 2}"#))

        let claimed = try await store.claim(upTo: 10, priorities: Self.any, leaseTTL: .seconds(30), worker: "w")
        #expect(claimed.map(\.lease.taskID) == [old, goStyle, noPayload, submitted])
        #expect(claimed.map(\.code) == ["print(payload)", "print('new')", "print('new')", "print('submitted')"])
        // After the upgrade a Go-style insert naming no payload gets the new default, '{}'.
        #expect(claimed.map(\.payloadJSON) == [#"{"era": "go"}"#, #"{"n": 1}"#, "{}", #"{"m": 2}"#])
        for task in claimed { try await store.complete(task.lease, output: TaskOutput(exitCode: 0)) }
        #expect(try await database.integer("SELECT count(*) FROM tasks WHERE status = 'completed'") == 4)
        #expect(try await database.integer("SELECT count(*) FROM codes WHERE hash IS NOT NULL") == 1)
        // The payload column keeps accepting NULL: rows of the Go era may hold it.
        let column = try await database.sql("""
            SELECT is_nullable, column_default FROM information_schema.columns
            WHERE table_name = 'tasks' AND column_name = 'payload'
            """)
        #expect(column.first?[0] == "YES")
        #expect(column.first?[1]?.hasPrefix("'{}'") == true, "\(column)")
    }

    @Test("a NULL payload (a Go-era insert naming none) runs as JSON null, not as an invalid task")
    func nullPayloadIsNull() async throws {
        let database = try await GoSchema.database()
        let codeID = try await GoSchema.insertCode("print(payload)", into: database)
        let goEra = try await GoSchema.insertTask(codeID: codeID, name: "go era", payload: nil, into: database)
        let store = database.store()
        try await store.migrate(dialect: TestDatabase.dialect)
        let explicit = try await database.integer(
            "INSERT INTO tasks (name, description, payload, code, priority) VALUES ('explicit', '', NULL, $1, 0) RETURNING id", [codeID])
        #expect(try await database.integer("SELECT count(*) FROM tasks WHERE payload IS NULL") == 2)

        let claimed = try await store.claim(upTo: 10, priorities: Self.any, leaseTTL: .seconds(30), worker: "w")
        #expect(claimed.map(\.lease.taskID) == [goEra, Int64(explicit)])
        #expect(claimed.map(\.payloadJSON) == ["null", "null"])
        #expect(try await database.integer("SELECT count(*) FROM tasks WHERE status = 'running'") == 2)
        #expect(try await store.task(id: goEra)?.payloadJSON == "null")
    }

    @Test("rows a Go worker left 'processing' are taken back by recovery: requeued with the Go run counted, or failed when spent")
    func processingRowsRecovered() async throws {
        let (database, store, codeID) = try await Self.upgraded()
        let again = try await GoSchema.insertTask(codeID: codeID, name: "again", into: database)
        let spent = try await GoSchema.insertTask(codeID: codeID, name: "spent", into: database)
        let untouched = try await GoSchema.insertTask(codeID: codeID, name: "pending", into: database)
        try await database.sql("UPDATE tasks SET max_attempts = 1 WHERE id = $1", [String(spent)])
        try await GoSchema.markProcessing(again, worker: "go-worker-7", in: database)
        try await GoSchema.markProcessing(spent, worker: "go-worker-8", in: database)

        let report = try await store.recoverExpired()
        #expect(report.requeued == [again])
        #expect(report.failed == [spent])
        let rows = try await database.sql("""
            SELECT id, status, attempts, fence, error, last_error, finished IS NOT NULL FROM tasks ORDER BY id
            """)
        let byID = Dictionary(uniqueKeysWithValues: rows.map { (Int64($0[0] ?? "") ?? -1, $0) })
        #expect(byID[again]?[1...4] == ["pending", "1", "1", nil], "\(rows)")
        #expect(byID[again]?[5] == "abandoned by the older Go version's worker go-worker-7 in its 'processing' state; counted as attempt 1 of 3")
        #expect(byID[again]?[6] == "f")
        #expect(byID[spent]?[1...4] == ["failed", "1", "1", "lease_expired"], "\(rows)")
        #expect(byID[spent]?[5]?.contains("go-worker-8") == true)
        #expect(byID[spent]?[6] == "t")
        #expect(byID[untouched]?[1...4] == ["pending", "0", "0", nil], "\(rows)")
        #expect(try await store.recoverExpired().isEmpty)

        // The requeued row runs again as the second attempt of three.
        let claimed = try await store.claim(upTo: 10, priorities: Self.any, leaseTTL: .seconds(30), worker: "w")
        #expect(claimed.map(\.lease.taskID) == [again, untouched])
        #expect(claimed.map(\.attempt) == [2, 1])
        // The recovery's scan has an index of its own, not the whole table.
        #expect(try await database.integer("""
            SELECT count(*) FROM pg_indexes WHERE indexname = 'tasks_processing_idx' AND indexdef LIKE '%WHERE (status = ''processing''%'
            """) == 1)
    }
}
