import Foundation
import Testing
@testable import Store
import TaskModel
import TestSupport

@Suite("Retries and backoff")
struct RetryTests {
    let any = ClaimTests.everyPriority

    @Test("backoff doubles per attempt, is capped, and jitter stays within its bounds")
    func backoffGrowth() {
        let policy = RetryPolicy(baseSeconds: 1, multiplier: 2, capSeconds: 30, jitter: 0.2)
        let delays = (1...7).map { policy.delaySeconds(afterAttempt: $0, unit: 0.5) }
        #expect(delays == [1, 2, 4, 8, 16, 30, 30])
        #expect(policy.delaySeconds(afterAttempt: 3, unit: 0) == 4 * 0.8)
        #expect(policy.delaySeconds(afterAttempt: 3, unit: 1) == 4 * 1.2)
        #expect(policy.delaySeconds(afterAttempt: 9, unit: 1) == 30)
        for _ in 0..<100 {
            let random = policy.delaySeconds(afterAttempt: 2)
            #expect(random >= 1.6 && random <= 2.4)
        }
    }

    @Test("a retryable failure is delayed by the backoff before it can be claimed again")
    func backoffDelaysTheNextClaim() async throws {
        let database = try await TestDatabase.make()
        // Seconds, not tenths: a loaded machine may take a second between two statements.
        let store = database.store(retryPolicy: RetryPolicy(baseSeconds: 3, jitter: 0))
        _ = try await store.submit(NewTask(code: "pass"))
        let task = try #require(try await store.claim(upTo: 1, priorities: any, leaseTTL: .seconds(30), worker: "a").first)
        let disposition = try await store.fail(task.lease, failure: TaskFailure(kind: .sandbox, detail: "runner died"), retryable: true, attempt: task.attempt)
        #expect(disposition == .retryScheduled(afterSeconds: 3))
        #expect(try await store.claim(upTo: 1, priorities: any, leaseTTL: .seconds(30), worker: "a").isEmpty)
        try await Task.sleep(for: .milliseconds(3500))
        let again = try #require(try await store.claim(upTo: 1, priorities: any, leaseTTL: .seconds(30), worker: "a").first)
        #expect(again.attempt == 2)
    }

    @Test("max_attempts is honoured: the last retryable failure is terminal")
    func maxAttemptsHonoured() async throws {
        let database = try await TestDatabase.make()
        let store = database.store(retryPolicy: RetryPolicy(baseSeconds: 0.001, jitter: 0))
        let id = try await store.submit(NewTask(code: "pass", maxAttempts: 3))
        var dispositions: [FailureDisposition] = []
        while true {
            guard let task = try await store.claim(upTo: 1, priorities: any, leaseTTL: .seconds(30), worker: "a").first else {
                try await Task.sleep(for: .milliseconds(20))
                if dispositions.last == .failed { break } else { continue }
            }
            dispositions.append(try await store.fail(
                task.lease, failure: TaskFailure(kind: .sandbox, detail: "attempt \(task.attempt)"), retryable: true, attempt: task.attempt))
        }
        #expect(dispositions.count == 3)
        #expect(dispositions.last == .failed)
        let record = try #require(try await store.task(id: id))
        #expect(record.status == .failed)
        #expect(record.attempts == 3)
        #expect(record.error == .sandbox)
        #expect(record.lastError == "attempt 3")
        #expect(record.finished != nil)
    }

    @Test("a script's own failure is terminal at once, whatever attempts remain")
    func scriptFailureIsTerminal() async throws {
        let database = try await TestDatabase.make()
        let store = database.store()
        let id = try await store.submit(NewTask(code: "raise SystemExit(3)", maxAttempts: 5))
        let task = try #require(try await store.claim(upTo: 1, priorities: any, leaseTTL: .seconds(30), worker: "a").first)
        let output = TaskOutput(stdout: "partial", stderr: "boom", exitCode: 3)
        #expect(try await store.fail(task.lease, failure: TaskFailure(kind: .exitCode, detail: "exited with 3", output: output), retryable: false, attempt: 1) == .failed)
        let record = try #require(try await store.task(id: id))
        #expect(record.status == .failed && record.exitCode == 3 && record.output == "partial" && record.stderr == "boom")
    }

    @Test("recovery racing a late failure never counts an attempt twice", .timeLimit(.minutes(2)))
    func recoveryRacingLateWrite() async throws {
        let database = try await TestDatabase.make()
        try await ClaimTests.insertTasks(database, count: 200)
        let store = database.store(poolSize: 6, retryPolicy: RetryPolicy(baseSeconds: 0.001, jitter: 0))
        let claimed = try await store.claim(upTo: 200, priorities: any, leaseTTL: .milliseconds(50), worker: "slow")
        try await Task.sleep(for: .milliseconds(100))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { _ = try await store.recoverExpired() }
            for chunk in stride(from: 0, to: claimed.count, by: 50) {
                group.addTask {
                    for task in claimed[chunk..<min(chunk + 50, claimed.count)] {
                        do {
                            try await store.fail(task.lease, failure: TaskFailure(kind: .sandbox, detail: "late"), retryable: true, attempt: 1)
                        } catch StoreError.leaseLost {
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        _ = try await store.recoverExpired()
        #expect(try await database.integer("SELECT count(*) FROM tasks WHERE attempts <> 1 OR status <> 'pending'") == 0)
        try await Task.sleep(for: .milliseconds(20))
        let second = try await store.claim(upTo: 300, priorities: any, leaseTTL: .seconds(30), worker: "next")
        #expect(second.count == 200)
        #expect(second.allSatisfy { $0.attempt == 2 })
    }
}
