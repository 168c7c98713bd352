import Foundation
import Testing
@testable import Store
import TestSupport

@Suite("LISTEN/NOTIFY", .disabled(if: TestDatabase.cockroachMode, "CockroachDB has no LISTEN/NOTIFY"))
struct NotificationTests {
    @Test("a notification when a task becomes claimable, carrying its priority, and none for other updates")
    func notifiesOnlyClaimable() async throws {
        let database = try await TestDatabase.make()
        let store = database.store()
        var signals = store.signals().makeAsyncIterator()
        #expect(await signals.next() == .resynchronized)

        _ = try await store.submit(NewTask(code: "pass", priority: 7))
        #expect(await signals.next() == .taskAvailable(priority: 7))
        let first = try #require(try await store.claim(upTo: 1, priorities: 7...7, leaseTTL: .seconds(30), worker: "w").first)
        try await store.renew(first.lease, ttl: .seconds(30))
        try await store.requeue(first.lease, refundAttempt: true)
        #expect(await signals.next() == .taskAvailable(priority: 7))
        let second = try #require(try await store.claim(upTo: 1, priorities: 7...7, leaseTTL: .seconds(30), worker: "w").first)
        try await store.complete(second.lease, output: TaskOutput(exitCode: 0))
        _ = try await store.submit(NewTask(code: "pass", priority: -2))
        #expect(await signals.next() == .taskAvailable(priority: -2), "claim, renew and complete sent nothing in between")
    }
}
