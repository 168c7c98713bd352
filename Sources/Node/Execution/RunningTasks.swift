import Store

/// Why a running task's Swift task was cancelled (its sandbox killed).
enum StopReason: Sendable, Equatable {
    /// Renewal found the lease gone: write nothing more for it.
    case leaseLost
    /// The node is shutting down past its grace period: hand the task back.
    case shutdown
}

/// The tasks this node holds: their leases, the Swift tasks running them, and why one was stopped.
actor RunningTasks {
    private struct Entry {
        var lease: Lease
        var handle: Task<Void, Never>?
        var stopReason: StopReason?
    }

    private var entries: [Int64: Entry] = [:]

    var count: Int { entries.count }
    var leases: [Lease] { entries.values.map(\.lease) }
    var taskIDs: [Int64] { entries.keys.sorted() }
    /// The Swift tasks running the held tasks, to await.
    var handles: [Task<Void, Never>] { entries.values.compactMap(\.handle) }

    func insert(_ lease: Lease) {
        entries[lease.taskID] = Entry(lease: lease)
    }

    /// Attaches the Swift task running `taskID`; stops it at once if it was stopped meanwhile.
    func attach(_ handle: Task<Void, Never>, to taskID: Int64) {
        guard entries[taskID] != nil else { return }
        entries[taskID]?.handle = handle
        if entries[taskID]?.stopReason != nil { handle.cancel() }
    }

    /// Stops the task holding `lease` (only if it still holds that very lease).
    func stop(_ lease: Lease, because reason: StopReason) {
        guard entries[lease.taskID]?.lease == lease else { return }
        entries[lease.taskID]?.stopReason = reason
        entries[lease.taskID]?.handle?.cancel()
    }

    /// Stops every task still running.
    func stopAll(because reason: StopReason) {
        for (id, entry) in entries where entry.stopReason == nil {
            entries[id]?.stopReason = reason
            entry.handle?.cancel()
        }
    }

    func stopReason(of taskID: Int64) -> StopReason? { entries[taskID]?.stopReason }

    func remove(_ taskID: Int64) { entries[taskID] = nil }
}
