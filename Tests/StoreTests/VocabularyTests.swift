import Foundation
import Testing
@testable import Store
import TaskModel
import TestSupport

/// One vocabulary for a task's state and failure kind: the stored text, the SQL and the reads.
@Suite("Task vocabulary and row decoding")
struct VocabularyTests {
    @Test("the stored text of every state and kind is the conventional one")
    func storedText() {
        #expect(TaskState.allCases.map(\.rawValue) == ["pending", "running", "completed", "failed", "processing"])
        #expect(FailureKind.allCases.map(\.rawValue)
            == ["exit_code", "timeout", "memory", "output_limit", "sandbox", "invalid_task", "lease_expired"])
        #expect(TaskState.allCases.filter(\.isFinal) == [.completed, .failed])
        #expect(FailureKind.allCases.filter(\.isRetryable) == [.sandbox])
    }

    /// Every statement `Statements` has, as sent.
    static let statements = [
        Statements.submit, Statements.claim, Statements.claimedByToken, Statements.renew, Statements.complete,
        Statements.fail, Statements.requeue, Statements.inspect, Statements.recoverExpired, Statements.revoke,
        Statements.recoverAbandoned, Statements.invalid, Statements.workSample, Statements.countsByStatus,
        Statements.window, Statements.task,
    ]

    /// The string literals of SQL text, comments left out (`''` inside one is a quote).
    static func literals(in sql: String) -> [String] {
        let code = sql.split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in line.range(of: "--").map { String(line[..<$0.lowerBound]) } ?? String(line) }
            .joined(separator: "\n")
        var literals: [String] = []
        var current: String?
        var characters = code.makeIterator()
        var pending = characters.next()
        while let character = pending {
            pending = characters.next()
            switch (current, character) {
            case (nil, "'"): current = ""
            case (nil, _): break
            case (let text?, "'") where pending == "'": current = text + "'"; pending = characters.next()
            case (let text?, "'"): literals.append(text); current = nil
            case (let text?, _): current = text + String(character)
            }
        }
        return literals
    }

    @Test("every word literal in the statements and in init.sql is a task state or failure kind (or a named other)")
    func sqlLiteralsAreVocabulary() {
        let vocabulary = Set(TaskState.allCases.map(\.rawValue) + FailureKind.allCases.map(\.rawValue))
        // JSON text for no payload, the NOTIFY channel, the label of a NULL status and the trigger's operation.
        let others: Set = ["null", "continuum_tasks", "NULL", "INSERT"]
        let words = (Self.statements + [Schema.script(for: .postgres)]).flatMap(Self.literals)
            .filter { !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0 == "_" } }
        #expect(!words.isEmpty)
        #expect(words.filter { !vocabulary.contains($0) && !others.contains($0) } == [])
        #expect(Set(words).isSuperset(of: ["pending", "running", "completed", "failed", "processing", "invalid_task", "lease_expired"]))
    }

    /// What `body` threw as a malformed row; nil (recorded as an issue) when it threw nothing or something else.
    static func malformed(
        _ body: () async throws(StoreError) -> Void
    ) async -> (statement: String, column: String, problem: String)? {
        do throws(StoreError) {
            try await body()
            Issue.record("read a malformed row without an error")
        } catch .malformedRow(let statement, let column, let problem) {
            return (statement, column, problem)
        } catch {
            Issue.record("not a malformed row: \(error)")
        }
        return nil
    }

    @Test("a row another tool put in an unknown status: reading it throws naming it, the counts show it, the queue runs on")
    func unknownStatusFromSQL() async throws {
        let database = try await TestDatabase.make()
        let store = database.store()
        let weird = try await store.submit(NewTask(name: "weird", code: "pass"))
        let normal = try await store.submit(NewTask(name: "normal", code: "pass"))
        try await database.sql("UPDATE tasks SET status = 'weird' WHERE id = $1", [String(weird)])

        let read = await Self.malformed { () async throws(StoreError) in _ = try await store.task(id: weird) }
        #expect(read?.statement == "read task \(weird)" && read?.column == "status" && read?.problem.contains("'weird'") == true,
                "\(String(describing: read))")
        let stats = try await store.statistics()
        #expect(stats.countsByStatus == [.pending: 1, .running: 0, .completed: 0, .failed: 0])
        #expect(stats.otherStatuses == ["weird": 1])

        let claimed = try await store.claim(upTo: 10, priorities: ClaimTests.everyPriority, leaseTTL: .seconds(30), worker: "w")
        #expect(claimed.map(\.lease.taskID) == [normal])
        #expect(try await store.recoverExpired().isEmpty)
        #expect(try await store.revokeLeases(of: "w").requeued == [normal])
        #expect(try await database.sql("SELECT status FROM tasks WHERE id = $1", [String(weird)]) == [["weird"]])
    }

    @Test("a task moved to an unknown status while it runs is a lost lease for its holder, not a malformed answer")
    func unknownStatusWhileRunning() async throws {
        let database = try await TestDatabase.make()
        let store = database.store()
        _ = try await store.submit(NewTask(code: "pass"))
        let task = try #require(try await store.claim(upTo: 1, priorities: ClaimTests.everyPriority, leaseTTL: .seconds(30), worker: "w").first)
        try await database.sql("UPDATE tasks SET status = 'archived' WHERE id = $1", [String(task.lease.taskID)])
        do throws(StoreError) {
            try await store.complete(task.lease, output: TaskOutput(exitCode: 0))
            Issue.record("completed a task another tool archived")
        } catch .leaseLost(_, _, let detail) {
            #expect(detail.contains("archived"), "\(detail)")
        } catch {
            Issue.record("not a lost lease: \(error)")
        }
    }

    @Test("an unknown error kind in a row throws naming the column")
    func unknownKindFromSQL() async throws {
        let database = try await TestDatabase.make()
        let store = database.store()
        let id = try await store.submit(NewTask(code: "pass"))
        try await database.sql("UPDATE tasks SET status = 'failed', error = 'exploded' WHERE id = $1", [String(id)])
        let read = await Self.malformed { () async throws(StoreError) in _ = try await store.task(id: id) }
        #expect(read?.column == "error" && read?.problem.contains("'exploded'") == true, "\(String(describing: read))")
        try await database.sql("UPDATE tasks SET error = 'timeout' WHERE id = $1", [String(id)])
        let record = try #require(try await store.task(id: id))
        #expect(record.status == .failed && record.error == .timeout)
    }
}
