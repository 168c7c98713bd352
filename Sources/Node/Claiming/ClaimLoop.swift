import Logging
import Store

/// Claims tasks whenever the doorbell rings, while slots are free and work remains: this node's
/// own slice of the priority range first, then the whole range when the slice has too little,
/// so that no task starves when gossip is slow, split or wrong.
struct ClaimLoop: Sendable {
    let queue: any TaskQueue
    let running: RunningTasks
    /// This node's own slice, as the membership view splits the range now.
    let ownRange: @Sendable () -> ClosedRange<Int>
    let slots: Int
    let priorities: ClosedRange<Int>
    let leaseTTL: Duration
    let worker: String
    let doorbell: Doorbell
    let metrics: NodeMetrics
    let logger: Logger
    /// Starts running one claimed task (and registers it in `running`).
    let start: @Sendable (ClaimedTask) async -> Void

    /// Runs until the doorbell is closed.
    func run() async {
        for await _ in doorbell.rings {
            await claimWhileSlotsAndWorkRemain()
        }
    }

    /// One round of claims, repeated while each fills every free slot.
    func claimWhileSlotsAndWorkRemain() async {
        while true {
            let free = slots - (await running.count)
            guard free > 0 else { return }
            var claimed: [ClaimedTask] = []
            var failed = false
            do {
                for range in [ownRange(), priorities] where claimed.count < free {
                    claimed += try await queue.claim(upTo: free - claimed.count, priorities: range, leaseTTL: leaseTTL, worker: worker)
                    if range == priorities { break }
                }
            } catch {
                // What the first claim took is ours and still runs.
                logger.warning("claim failed; trying again at the next wake-up", metadata: ["error": "\(error)"])
                failed = true
            }
            metrics.claimed(claimed.count)
            for task in claimed { await start(task) }
            metrics.busy(await running.count)
            if failed || claimed.count < free { return }
        }
    }
}
