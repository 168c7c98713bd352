import Node
import Store
import Synchronization
import TaskModel

/// A queue in memory with the database's rules (fenced writes, leases, recovery) and faults a
/// test turns on: a database away, or a write that errs. In-process tests of `Node` only.
final class InMemoryQueue: TaskQueue {
    struct Row: Sendable, Equatable {
        var task: ClaimedTask
        var status = TaskState.pending
        var worker: String?
        var leaseExpires: ContinuousClock.Instant?
        var output: TaskOutput?
        var failure: TaskFailure?
    }

    /// One call the node made, as the queue saw it.
    enum Call: Sendable, Equatable {
        case claim(ClosedRange<Int>)
        case renew([Lease])
        case complete(Lease)
        case fail(Lease)
        case requeue(Lease)
    }

    private struct State {
        var rows: [Int64: Row] = [:]
        var nextID: Int64 = 1
        var calls: [Call] = []
        var away = false
        var writeError: StoreError?
    }

    private let state = Mutex(State())

    // MARK: The test's side

    /// Adds a pending task; returns its id.
    @discardableResult
    func add(code: String, priority: Int = 0, maxAttempts: Int = 3, timeoutSeconds: Double? = nil) -> Int64 {
        state.withLock {
            let id = $0.nextID
            $0.nextID += 1
            $0.rows[id] = Row(task: ClaimedTask(
                lease: Lease(taskID: id, fence: 0), code: code, priority: priority, attempt: 0,
                maxAttempts: maxAttempts, timeoutSeconds: timeoutSeconds))
            return id
        }
    }

    func row(_ id: Int64) -> Row? { state.withLock { $0.rows[id] } }
    var calls: [Call] { state.withLock { $0.calls } }

    /// While true, every call fails as if the database were unreachable.
    func setAway(_ away: Bool) { state.withLock { $0.away = away } }
    /// While set, every result write (complete, fail, requeue) fails with `error`.
    func setWriteError(_ error: StoreError?) { state.withLock { $0.writeError = error } }

    /// Takes the task away from its holder, as another peer's recovery would: the fence moves on.
    func steal(_ id: Int64) {
        state.withLock {
            $0.rows[id]?.task.lease.fence += 1
            $0.rows[id]?.status = .pending
        }
    }

    // MARK: TaskQueue

    func claim(upTo limit: Int, priorities: ClosedRange<Int>, leaseTTL: Duration, worker: String) async throws(StoreError) -> [ClaimedTask] {
        try state.withLock { (state: inout State) throws(StoreError) -> [ClaimedTask] in
            state.calls.append(.claim(priorities))
            guard !state.away else { throw .unavailable("the in-memory database is away") }
            let ids = state.rows.values.filter { $0.status == .pending && priorities.contains($0.task.priority) }
                .sorted { ($0.task.priority, $0.task.lease.taskID) < ($1.task.priority, $1.task.lease.taskID) }
                .prefix(limit).map(\.task.lease.taskID)
            return ids.map { id in
                state.rows[id]!.status = .running
                state.rows[id]!.worker = worker
                state.rows[id]!.task.lease.fence += 1
                state.rows[id]!.task.attempt += 1
                state.rows[id]!.leaseExpires = .now + leaseTTL
                return state.rows[id]!.task
            }
        }
    }

    func renew(_ leases: [Lease], ttl: Duration) async throws(StoreError) -> Set<Lease> {
        try state.withLock { (state: inout State) throws(StoreError) -> Set<Lease> in
            state.calls.append(.renew(leases))
            guard !state.away else { throw .unavailable("the in-memory database is away") }
            var lost: Set<Lease> = []
            for lease in leases {
                if Self.holds(lease, in: state) { state.rows[lease.taskID]!.leaseExpires = .now + ttl } else { lost.insert(lease) }
            }
            return lost
        }
    }

    func complete(_ lease: Lease, output: TaskOutput) async throws(StoreError) {
        try write(.complete(lease), lease) { $0.status = .completed; $0.output = output }
    }

    func fail(_ lease: Lease, failure: TaskFailure, retryable: Bool, attempt: Int) async throws(StoreError) -> FailureDisposition {
        var disposition = FailureDisposition.failed
        try write(.fail(lease), lease) { row in
            row.failure = failure
            if retryable && row.task.attempt < row.task.maxAttempts {
                row.status = .pending
                disposition = .retryScheduled(afterSeconds: 0)
            } else {
                row.status = .failed
            }
        }
        return disposition
    }

    func requeue(_ lease: Lease, refundAttempt: Bool) async throws(StoreError) {
        try write(.requeue(lease), lease) { row in
            row.status = .pending
            if refundAttempt { row.task.attempt -= 1 }
        }
    }

    func recoverExpired() async throws(StoreError) -> RecoveryReport {
        try takeBack { $0.leaseExpires.map { $0 < .now } ?? false }
    }

    func revokeLeases(of worker: String) async throws(StoreError) -> RecoveryReport {
        try takeBack { $0.worker == worker }
    }

    func workSample(limit: Int, window: Duration) async throws(StoreError) -> [PriorityWork] {
        let counts = state.withLock { state in
            Dictionary(grouping: state.rows.values.filter { $0.status == .pending }, by: \.task.priority).mapValues(\.count)
        }
        return counts.keys.sorted().map { PriorityWork(priority: $0, pending: counts[$0]!) }
    }

    func signals() -> AsyncStream<QueueSignal> { AsyncStream { $0.finish() } }

    func shutdown() {}

    // MARK: Rules

    private static func holds(_ lease: Lease, in state: State) -> Bool {
        state.rows[lease.taskID].map { $0.status == .running && $0.task.lease.fence == lease.fence } ?? false
    }

    private func write(_ call: Call, _ lease: Lease, _ change: (inout Row) -> Void) throws(StoreError) {
        try state.withLock { (state: inout State) throws(StoreError) in
            state.calls.append(call)
            guard !state.away else { throw .unavailable("the in-memory database is away") }
            if let error = state.writeError { throw error }
            guard Self.holds(lease, in: state) else {
                throw .leaseLost(taskID: lease.taskID, fence: lease.fence, detail: "held under another fence")
            }
            change(&state.rows[lease.taskID]!)
            state.rows[lease.taskID]!.leaseExpires = nil
        }
    }

    private func takeBack(_ victim: (Row) -> Bool) throws(StoreError) -> RecoveryReport {
        try state.withLock { (state: inout State) throws(StoreError) -> RecoveryReport in
            guard !state.away else { throw .unavailable("the in-memory database is away") }
            var report = RecoveryReport()
            for (id, row) in state.rows where row.status == .running && victim(row) {
                state.rows[id]!.task.lease.fence += 1
                state.rows[id]!.leaseExpires = nil
                if row.task.attempt < row.task.maxAttempts {
                    state.rows[id]!.status = .pending
                    report.requeued.append(id)
                } else {
                    state.rows[id]!.status = .failed
                    report.failed.append(id)
                }
            }
            return report
        }
    }
}
