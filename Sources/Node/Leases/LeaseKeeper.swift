import Logging
import Store

/// Keeps this node's leases and returns everyone's lost ones to the queue: renews the leases of
/// the running tasks (a lease found lost kills its task's sandbox), takes back expired leases of
/// any peer, and revokes the leases of a dead peer or of this node's own earlier run.
struct LeaseKeeper: Sendable {
    let queue: any TaskQueue
    let running: RunningTasks
    let leaseTTL: Duration
    /// Rung when tasks came back to the queue.
    let doorbell: Doorbell
    let logger: Logger

    /// Renews every third of the TTL until cancelled.
    func renewLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: leaseTTL / 3)
            let leases = await running.leases
            guard !leases.isEmpty else { continue }
            do {
                for lost in try await queue.renew(leases, ttl: leaseTTL) {
                    logger.warning("lease lost; killing the task's sandbox", metadata: ["task_id": "\(lost.taskID)", "fence": "\(lost.fence)"])
                    await running.stop(lost, because: .leaseLost)
                }
            } catch {
                logger.warning("lease renewal failed; retrying", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Returns expired leases of any peer to the queue, every half TTL (at least every 0.5 s,
    /// jittered so that peers do not all scan at once), until cancelled.
    func recoveryLoop() async {
        let period = max(.milliseconds(500), leaseTTL / 2)
        while !Task.isCancelled {
            try? await Task.sleep(for: period + .milliseconds(Int.random(in: 0...250)))
            do {
                if !(try await queue.recoverExpired()).isEmpty { doorbell.ring() }
            } catch {
                logger.warning("recovery of expired leases failed; retrying", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Takes back what `worker` holds: a dead peer, or this node's own earlier run.
    func revoke(_ worker: String, because reason: String) async {
        do {
            let report = try await queue.revokeLeases(of: worker)
            if !report.isEmpty {
                logger.info("took back the leases of \(reason)", metadata: [
                    "peer": "\(worker)", "requeued": "\(report.requeued.count)", "failed": "\(report.failed.count)",
                ])
                doorbell.ring()
            }
        } catch {
            logger.warning("cannot take back the leases of \(reason); they return when they expire", metadata: [
                "peer": "\(worker)", "error": "\(error)",
            ])
        }
    }
}
