import Metrics
import Synchronization
import TaskModel

/// The node's counters: exported through swift-metrics (Prometheus at `/metrics`) and kept
/// locally for `/status`.
final class NodeMetrics: Sendable {
    /// Totals since start, for `/status`.
    struct Totals: Sendable, Codable, Equatable {
        var claimed = 0
        var completed = 0
        var failed = 0
        var retried = 0
        var leaseLost = 0
        var requeued = 0
        var writeErrors = 0

        enum CodingKeys: String, CodingKey {
            case claimed, completed, failed, retried, requeued
            case leaseLost = "lease_lost"
            case writeErrors = "write_errors"
        }
    }

    private let totals = Mutex(Totals())
    private let claimedCounter = Counter(label: "continuum_tasks_claimed_total")
    private let completedCounter = Counter(label: "continuum_tasks_completed_total")
    private let retriedCounter = Counter(label: "continuum_tasks_retried_total")
    private let leaseLostCounter = Counter(label: "continuum_leases_lost_total")
    private let requeuedCounter = Counter(label: "continuum_tasks_requeued_total")
    private let writeErrorCounter = Counter(label: "continuum_result_write_errors_total")
    private let durations = Timer(label: "continuum_task_duration_seconds")
    private let busySlots = Gauge(label: "continuum_slots_busy")

    var snapshot: Totals { totals.withLock { $0 } }

    func claimed(_ count: Int) {
        totals.withLock { $0.claimed += count }
        claimedCounter.increment(by: count)
    }

    func completed(after duration: Duration) {
        totals.withLock { $0.completed += 1 }
        completedCounter.increment()
        durations.recordNanoseconds(Self.nanoseconds(duration))
    }

    func failed(kind: FailureKind, after duration: Duration) {
        totals.withLock { $0.failed += 1 }
        Counter(label: "continuum_tasks_failed_total", dimensions: [("error", kind.rawValue)]).increment()
        durations.recordNanoseconds(Self.nanoseconds(duration))
    }

    func retried() {
        totals.withLock { $0.retried += 1 }
        retriedCounter.increment()
    }

    func leaseLost() {
        totals.withLock { $0.leaseLost += 1 }
        leaseLostCounter.increment()
    }

    func requeued() {
        totals.withLock { $0.requeued += 1 }
        requeuedCounter.increment()
    }

    func writeError() {
        totals.withLock { $0.writeErrors += 1 }
        writeErrorCounter.increment()
    }

    func busy(_ slots: Int) { busySlots.record(slots) }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }
}
