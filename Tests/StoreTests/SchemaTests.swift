import Foundation
import Testing
@testable import Store
import TaskModel
import TestSupport

@Suite("Schema")
struct SchemaTests {
    @Test("migrate applied twice changes nothing the second time")
    func migrateTwice() async throws {
        let database = try await TestDatabase.make()
        let store = database.store()
        let id = try await store.submit(NewTask(name: "kept", code: "pass"))
        try await store.migrate(dialect: TestDatabase.dialect)
        try await store.migrate(dialect: TestDatabase.dialect)
        #expect(try await store.task(id: id)?.name == "kept")
        let triggers = TestDatabase.dialect == .postgres ? 1 : 0
        #expect(try await database.integer("SELECT count(*) FROM pg_trigger WHERE tgname = 'tasks_notify_claimable'") == triggers)
    }

    @Test("a database made by the older Go version gains the new columns in place")
    func upgradesGoSchema() async throws {
        let database = try await GoSchema.database()
        let codeID = try await GoSchema.insertCode("print(1)", into: database)
        let old = try await GoSchema.insertTask(codeID: codeID, name: "old", into: database)
        let store = database.store()
        try await store.migrate(dialect: TestDatabase.dialect)
        let task = try #require(try await store.claim(upTo: 1, priorities: ClaimTests.everyPriority, leaseTTL: .seconds(30), worker: "w").first)
        #expect(task.lease.taskID == old)
        #expect(task.code == "print(1)")
        try await store.complete(task.lease, output: TaskOutput(stdout: "1\n", exitCode: 0))
        let record = try #require(try await store.task(id: task.lease.taskID))
        #expect(record.status == .completed)
        // The Go version's TIMESTAMP columns read back as UTC, like TIMESTAMPTZ ones.
        #expect(record.started?.hasSuffix("Z") == true && record.finished?.hasSuffix("Z") == true, "\(record)")
        // The Go version's types are kept: UUID code ids, SERIAL task ids.
        #expect(try await database.sql("SELECT data_type FROM information_schema.columns WHERE table_name = 'codes' AND column_name = 'id'")
            == [["uuid"]])
    }

    @Test("the CockroachDB subset of init.sql leaves out exactly the marked PostgreSQL-only parts and runs")
    func cockroachSubset() async throws {
        let script = Schema.script(for: .cockroach)
        #expect(!script.contains("pg_advisory_xact_lock"))
        #expect(!script.contains("TRIGGER"))
        #expect(!script.contains("plpgsql"))
        #expect(script.contains("CREATE TABLE IF NOT EXISTS tasks"))
        #expect(Schema.script(for: .postgres).contains("pg_notify"))
        let database = try await TestDatabase.make(dialect: .cockroach)
        let store = database.store()
        _ = try await store.submit(NewTask(code: "pass"))
        #expect(try await store.claim(upTo: 1, priorities: ClaimTests.everyPriority, leaseTTL: .seconds(5), worker: "w").count == 1)
        #expect(try await database.integer("SELECT count(*) FROM pg_trigger WHERE tgname = 'tasks_notify_claimable'") == 0)
    }

    @Test("migrate from four stores at once succeeds for all of them")
    func concurrentMigrations() async throws {
        let database = try await TestDatabase.make(migrate: false)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 { group.addTask { try await database.store(poolSize: 1).migrate(dialect: TestDatabase.dialect) } }
            try await group.waitForAll()
        }
        #expect(try await database.integer("SELECT count(*) FROM information_schema.columns WHERE table_name = 'tasks' AND column_name = 'fence'") == 1)
    }
}
