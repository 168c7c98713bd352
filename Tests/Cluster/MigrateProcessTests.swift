import Foundation
import Testing
import TestSupport

@Suite("continuum migrate as separate processes")
struct MigrateProcessTests {
    @Test("four processes migrating one database at once all succeed, and a fifth finds nothing to do")
    func fourProcessesAtOnce() async throws {
        let database = try await TestDatabase.make(migrate: false)
        let environment = Binary.environment(database: database)
        let results = await withTaskGroup(of: (Int32, String).self) { group in
            for _ in 0..<4 { group.addTask { await Shell.runStatus(Binary.path, ["migrate"], environment: environment) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        for (status, output) in results {
            #expect(status == 0, "continuum migrate failed: \(output)")
        }
        let again = await Shell.runStatus(Binary.path, ["migrate"], environment: environment)
        #expect(again.0 == 0, "\(again.1)")
        #expect(try await database.integer("SELECT count(*) FROM pg_trigger WHERE tgname = 'tasks_notify_claimable'") == 1)
        #expect(try await database.integer("SELECT count(*) FROM pg_indexes WHERE indexname = 'tasks_claim_idx'") == 1)
    }

    @Test("migrate against an unreachable database fails with one clear sentence and a non-zero exit")
    func unreachableDatabase() async throws {
        let (status, output) = await Shell.runStatus(Binary.path, ["migrate"], environment: [
            "PATH": "/usr/bin:/bin", "DATABASE_URL": "postgres://postgres@127.0.0.1:1/postgres",
        ])
        #expect(status != 0)
        #expect(output.contains("PostgreSQL is unavailable"))
        #expect(output.contains("127.0.0.1"))
    }

    @Test("a malformed DB_PORT is refused, naming the variable")
    func badPort() async throws {
        let (status, output) = await Shell.runStatus(Binary.path, ["migrate"], environment: ["PATH": "/usr/bin:/bin", "DB_PORT": "54x"])
        #expect(status != 0)
        #expect(output.contains("DB_PORT"))
    }
}
