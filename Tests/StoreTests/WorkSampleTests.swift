import Testing
@testable import Store
import TestSupport

@Suite("Work sample")
struct WorkSampleTests {
    @Test("the sample counts the queue's head and the recently finished by priority, each bounded by the limit")
    func countsPendingAndRecentlyFinished() async throws {
        let database = try await TestDatabase.make()
        let store = database.store()
        defer { store.shutdown() }
        for priority in [5, 1, 1, 3, 3, 3] { _ = try await store.submit(NewTask(code: "pass", priority: priority)) }
        // Two of priority 1 and one of 3 run and finish.
        for task in try await store.claim(upTo: 3, priorities: ClaimTests.everyPriority, leaseTTL: .seconds(30), worker: "w") {
            try await store.complete(task.lease, output: TaskOutput(exitCode: 0))
        }
        let sample = try await store.workSample(limit: 100, window: .seconds(60))
        #expect(sample == [
            PriorityWork(priority: 1, pending: 0, recentlyFinished: 2),
            PriorityWork(priority: 3, pending: 2, recentlyFinished: 1),
            PriorityWork(priority: 5, pending: 1, recentlyFinished: 0),
        ])
        // At most `limit` of each: the head of the queue in claim order, the latest finished.
        let bounded = try await store.workSample(limit: 2, window: .seconds(60))
        #expect(bounded.map(\.pending).reduce(0, +) == 2 && bounded.first { $0.priority == 3 }?.pending == 2)
        #expect(bounded.map(\.recentlyFinished).reduce(0, +) == 2)
        // Finished longer ago than the window: not counted.
        try await database.sql("UPDATE tasks SET finished = now() - interval '2 minutes' WHERE finished IS NOT NULL")
        #expect(try await store.workSample(limit: 100, window: .seconds(60)).map(\.recentlyFinished).reduce(0, +) == 0)
    }
}
