import Foundation
import Testing
@testable import Store
import TaskModel
import TestSupport

@Suite("Submitting and reading")
struct SubmitTests {
    @Test("bad payloads are refused with a clear message and store nothing", arguments: [
        ("{not json", "not valid JSON"),
        (#"{"a": "\u0000"}"#, "\\u0000"),
        ("", "not valid JSON"),
    ])
    func badPayloadRefused(payload: String, message: String) async throws {
        let database = try await TestDatabase.make()
        let refusal = await Self.refusal(of: NewTask(code: "pass", payloadJSON: payload), by: database.store())
        guard case .invalidInput(let text) = refusal else {
            Issue.record("expected invalidInput, got \(String(describing: refusal))")
            return
        }
        #expect(text.contains(message))
        #expect(try await database.integer("SELECT count(*) FROM tasks") == 0)
        #expect(try await database.integer("SELECT count(*) FROM codes") == 0)
    }

    static func refusal(of task: NewTask, by store: TaskStore) async -> StoreError? {
        do {
            _ = try await store.submit(task)
            return nil
        } catch {
            return error
        }
    }

    @Test("out-of-range settings are refused", arguments: [
        NewTask(code: "pass", maxAttempts: 0),
        NewTask(code: "pass", priority: Int(Int32.max) + 1),
        NewTask(code: "pass", timeoutSeconds: -1),
        NewTask(code: "print('\u{0}')"),
    ])
    func badSettingsRefused(task: NewTask) async throws {
        #expect(throws: StoreError.self) { try TaskStore.validate(task) }
    }

    @Test("code is stored once and reused by hash")
    func codeDeduplicated() async throws {
        let database = try await TestDatabase.make()
        let store = database.store()
        for index in 0..<5 { _ = try await store.submit(NewTask(name: "\(index)", code: "print('same')")) }
        _ = try await store.submit(NewTask(code: "print('other')"))
        #expect(try await database.integer("SELECT count(*) FROM codes") == 2)
        #expect(try await database.integer("SELECT count(DISTINCT code) FROM tasks") == 2)
    }

    @Test("concurrent submissions of the same code all succeed and share one row")
    func concurrentSameCode() async throws {
        let database = try await TestDatabase.make()
        let store = database.store(poolSize: 8)
        let ids = try await withThrowingTaskGroup(of: Int64.self) { group in
            for _ in 0..<64 { group.addTask { try await store.submit(NewTask(code: "print('racing')")) } }
            return try await group.reduce(into: [Int64]()) { $0.append($1) }
        }
        #expect(Set(ids).count == 64)
        #expect(try await database.integer("SELECT count(*) FROM codes") == 1)
    }

    @Test("SQL-looking names, Unicode and payloads are stored verbatim")
    func hostileTextStoredVerbatim() async throws {
        let database = try await TestDatabase.make()
        let store = database.store()
        let name = "x'); DROP TABLE tasks; -- ☃ \"quoted\""
        let payload = #"{"q": "'; DELETE FROM codes; --", "s": "h\u00e9llo 🚀", "n": [1, 2.5, null, true]}"#
        let id = try await store.submit(NewTask(name: name, code: "print('\\'')", payloadJSON: payload, priority: -7))
        let record = try #require(try await store.task(id: id))
        #expect(record.name == name)
        #expect(record.priority == -7)
        let decoded = try JSONSerialization.jsonObject(with: Data(record.payloadJSON.utf8)) as? [String: Any]
        #expect(decoded?["q"] as? String == "'; DELETE FROM codes; --")
        #expect(decoded?["s"] as? String == "héllo 🚀")
        #expect(record.status == .pending && record.attempts == 0 && record.created.hasSuffix("Z"))
    }

    @Test("the payload reaches the claim exactly as submitted: exponents, key order and spacing kept")
    func payloadFidelity() async throws {
        let database = try await TestDatabase.make()
        let store = database.store()
        let exact = #"{"huge": 1.7976931348623157e308, "b": 1, "a": 1e20}"#
        let ordinary = #"{"n": 1, "s": "x"}"#
        let id = try await store.submit(NewTask(code: "pass", payloadJSON: exact))
        let plain = try await store.submit(NewTask(code: "pass", payloadJSON: ordinary))
        let claimed = try await store.claim(upTo: 2, priorities: ClaimTests.everyPriority, leaseTTL: .seconds(30), worker: "w")
        #expect(claimed.map(\.payloadJSON) == [exact, ordinary])
        #expect(try await store.task(id: id)?.payloadJSON == exact)
        // The JSONB column still holds the value for SQL; a payload JSONB prints back unchanged
        // is stored once.
        let stored = try await database.sql("SELECT id, payload->>'b', payload->>'n', payload_text IS NULL FROM tasks ORDER BY id")
        #expect(stored == [[String(id), "1", nil, "f"], [String(plain), nil, "1", "t"]])
    }

    @Test("output with NUL characters is stored, with the NUL replaced")
    func nulInOutputStored() async throws {
        let database = try await TestDatabase.make()
        let store = database.store()
        let id = try await store.submit(NewTask(code: "pass"))
        let task = try #require(try await store.claim(upTo: 1, priorities: ClaimTests.everyPriority, leaseTTL: .seconds(30), worker: "w").first)
        try await store.complete(task.lease, output: TaskOutput(stdout: "a\u{0}b", stderr: "\u{0}", exitCode: 0, truncated: true))
        let record = try #require(try await store.task(id: id))
        #expect(record.output == "a\u{FFFD}b")
        #expect(record.outputTruncated)
        #expect(record.workerID == "w")
    }

    @Test("statistics count tasks by status and measure the recent window")
    func statistics() async throws {
        let database = try await TestDatabase.make()
        let store = database.store()
        for _ in 0..<3 { _ = try await store.submit(NewTask(code: "pass")) }
        let tasks = try await store.claim(upTo: 2, priorities: ClaimTests.everyPriority, leaseTTL: .seconds(30), worker: "w")
        try await store.complete(tasks[0].lease, output: TaskOutput(exitCode: 0))
        let stats = try await store.statistics(windowSeconds: 60)
        #expect(stats.countsByStatus == [.pending: 1, .running: 1, .completed: 1, .failed: 0])
        #expect(stats.otherStatuses.isEmpty)
        #expect(stats.finishedInWindow == 1)
        #expect(stats.latencyP50 != nil)
        #expect(try await store.task(id: 999_999) == nil)
    }
}
