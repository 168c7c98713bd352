import Foundation
import Synchronization
import Testing
@testable import Store
import TestSupport

/// Runs against a PostgreSQL of its own, since it restarts the server.
@Suite("Database restart", .serialized)
struct RestartTests {
    @Test("calls fail with a clear error or succeed while the database restarts, then work again", .timeLimit(.minutes(2)))
    func survivesRestart() async throws {
        let pg = TestDatabase.repository.appendingPathComponent("scripts/pg").path
        let server = try await Shell.run(pg, ["start", "restart"])
        let store = TaskStore(configuration: DatabaseConfiguration(url: server, isolation: TestDatabase.isolation, poolSize: 2), logger: .init(label: "restart"))
        try await store.migrate(dialect: TestDatabase.dialect)
        _ = try await store.execute("DELETE FROM tasks")
        // LISTEN, where there is one (not in CockroachDB mode).
        var signals = TestDatabase.cockroachMode ? nil : store.signals().makeAsyncIterator()
        if signals != nil { #expect(await signals?.next() == .resynchronized) }

        _ = try await store.submit(NewTask(code: "pass"))
        let held = try #require(try await store.claim(upTo: 1, priorities: ClaimTests.everyPriority, leaseTTL: .seconds(60), worker: "w").first)

        let restartFinished = Mutex(false)
        let restart = Task.detached {
            defer { restartFinished.withLock { $0 = true } }
            return try await Shell.run(pg, ["restart", "restart"])
        }
        var failures: [StoreError] = []
        var successes = 0
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            do {
                _ = try await store.submit(NewTask(code: "pass"))
                successes += 1
                if successes > 20, restartFinished.withLock({ $0 }) { break }
            } catch {
                failures.append(error)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        _ = try await restart.value
        for failure in failures {
            #expect(failure.isConnectionFailure, "unexpected error during the restart: \(failure)")
            #expect(!"\(failure)".isEmpty)
        }
        try await store.complete(held.lease, output: TaskOutput(stdout: "after restart", exitCode: 0))
        #expect(try await store.task(id: held.lease.taskID)?.output == "after restart")

        if signals != nil {
            var sawResync = false
            while let signal = await signals?.next() {
                if signal == .resynchronized { sawResync = true; break }
            }
            #expect(sawResync, "the LISTEN connection came back")
        }
        store.shutdown()
        try await Shell.run(pg, ["stop", "restart"])
    }
}
