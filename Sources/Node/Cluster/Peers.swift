import Gossip
import Logging
import Store
import Synchronization

/// What this node knows of its peers through gossip (or, without gossip, of itself alone): who
/// is alive, which slice of the priority range is whose, where to send wake hints, and who
/// revokes a dead peer's leases. Gossip is only a hint here: claims still go through the
/// database, and a node whose slice is empty claims from the whole range.
///
/// The slices follow the work: every node samples the head of the queue and the tasks finished
/// in the last minute itself (the database is the same for all, so their samples agree but for
/// timing) and splits by the membership view and both together, so that the cuts stay where the
/// work is between bursts, when the queue is empty.
final class Peers: Sendable {
    let gossip: GossipService?
    let nodeID: String
    let range: ClosedRange<Int>
    let selfAddress: String
    /// The latest sample: pending, and pending plus recently finished (what the split follows).
    private let sample = Mutex((pending: Backlog(), work: Backlog()))

    init(gossip: GossipService?, nodeID: String, range: ClosedRange<Int>, selfAddress: String) {
        self.gossip = gossip
        self.nodeID = nodeID
        self.range = range
        self.selfAddress = selfAddress
    }

    /// Takes the latest sample of the work, by priority.
    func sampled(_ work: [PriorityWork]) {
        let pending = Backlog(work.map { (priority: Int32(clamping: $0.priority), count: $0.pending) })
        let all = Backlog(work.map { (priority: Int32(clamping: $0.priority), count: $0.pending + $0.recentlyFinished) })
        sample.withLock { $0 = (pending, all) }
    }

    private var priorities: ClosedRange<Int32> { Int32(clamping: range.lowerBound)...Int32(clamping: range.upperBound) }

    /// The slices of the range as this node's view splits them; nil without gossip.
    private var slices: PriorityRanges? {
        gossip.map { PriorityRanges(range: priorities, membership: $0.membership, backlog: sample.withLock { $0.work }) }
    }

    /// The sampled work and how much of it lies in this node's own slice; nil without gossip.
    var backlogShare: NodeStatus.PriorityRange.Backlog? {
        guard gossip != nil else { return nil }
        let (pending, work) = sample.withLock { $0 }
        guard let slice = ownSlice else {
            return .init(pending: pending.total, pendingInOwnSlice: 0, recentlyFinished: work.total - pending.total, recentlyFinishedInOwnSlice: 0)
        }
        let own = Int32(clamping: slice.lowerBound)...Int32(clamping: slice.upperBound)
        return .init(
            pending: pending.total, pendingInOwnSlice: pending.count(in: own),
            recentlyFinished: work.total - pending.total, recentlyFinishedInOwnSlice: work.count(in: own) - pending.count(in: own))
    }

    /// This node's own slice, or nil when the split gives it none. The whole range without
    /// gossip or before the view includes this node.
    var ownSlice: ClosedRange<Int>? {
        guard let slices, slices.slices.contains(where: { $0.memberID == nodeID }) else { return range }
        return slices.range(of: nodeID).map { Int($0.lowerBound)...Int($0.upperBound) }
    }

    /// The priorities claimed first: the own slice, or the whole range when it owns none.
    var ownRange: ClosedRange<Int> { ownSlice ?? range }

    /// The members for `/status`.
    var members: [NodeStatus.Member] {
        guard let gossip else { return [.init(id: nodeID, address: selfAddress, state: "alive", incarnation: 0)] }
        return gossip.membership.members.map {
            .init(id: $0.id, address: $0.address, state: "\($0.state)", incarnation: Int($0.incarnation))
        }
    }

    /// Wakes the owner of `priority` with a direct hint. Returns false when no peer could be
    /// told (no gossip, or the owner is unknown): the caller wakes itself instead.
    func wakeOwner(of priority: Int) -> Bool {
        guard let gossip, let owner = slices?.owner(of: Int32(clamping: priority)) else { return false }
        return gossip.sendWake(to: owner, priority: priority)
    }

    /// Whether this node is the one survivor that revokes `deadID`'s leases.
    func revokes(for deadID: String) -> Bool {
        guard let gossip else { return false }
        return DeadPeerRevoker.revoker(for: deadID, membership: gossip.membership) == nodeID
    }
}
