import Store

/// The queue a node works from: every call a node makes to the database, so that the node's
/// logic can be tested against an in-memory queue. `TaskStore` is the real one; its doc comments
/// say what each call guarantees (leases, fencing, recovery).
public protocol TaskQueue: Sendable {
    /// Claims up to `limit` pending tasks with priorities in `priorities`, each with a lease.
    func claim(upTo limit: Int, priorities: ClosedRange<Int>, leaseTTL: Duration, worker: String) async throws(StoreError) -> [ClaimedTask]
    /// Extends the leases still held; returns those that were lost instead.
    func renew(_ leases: [Lease], ttl: Duration) async throws(StoreError) -> Set<Lease>
    /// Records a completed attempt; `.leaseLost` when the lease is gone.
    func complete(_ lease: Lease, output: TaskOutput) async throws(StoreError)
    /// Records a failed attempt: a retry while attempts remain and `retryable`, else terminal.
    func fail(_ lease: Lease, failure: TaskFailure, retryable: Bool, attempt: Int) async throws(StoreError) -> FailureDisposition
    /// Puts a held task back to pending.
    func requeue(_ lease: Lease, refundAttempt: Bool) async throws(StoreError)
    /// Takes back every task whose lease expired.
    func recoverExpired() async throws(StoreError) -> RecoveryReport
    /// Takes back every task `worker` holds.
    func revokeLeases(of worker: String) async throws(StoreError) -> RecoveryReport
    /// The work by priority: the first `limit` pending tasks in claim order, and the last
    /// `limit` finished within `window`.
    func workSample(limit: Int, window: Duration) async throws(StoreError) -> [PriorityWork]
    /// Wake-ups when tasks become claimable (empty where the queue has none).
    func signals() -> AsyncStream<QueueSignal>
    /// Closes the queue's connections.
    func shutdown()
}

extension TaskStore: TaskQueue {}
