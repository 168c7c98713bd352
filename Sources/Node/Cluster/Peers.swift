import Gossip
import Logging
import Store
import Synchronization

/// What this node knows of its peers through gossip (or, without gossip, of itself alone): who
/// is alive, which slice of the priority range is whose, where to send wake hints, and who
/// revokes a dead peer's leases. Gossip is only a hint here: claims still go through the
/// database, and a node whose slice is empty claims from the whole range.
///
/// The slices follow the backlog: every node samples the head of the queue itself (the
/// database is the same for all, so their samples agree but for timing) and splits by the
/// membership view and that sample.
final class Peers: Sendable {
    let gossip: GossipService?
    let nodeID: String
    let range: ClosedRange<Int>
    let selfAddress: String
    private let backlog = Mutex(Backlog())

    init(gossip: GossipService?, nodeID: String, range: ClosedRange<Int>, selfAddress: String) {
        self.gossip = gossip
        self.nodeID = nodeID
        self.range = range
        self.selfAddress = selfAddress
    }

    /// The latest sample of the head of the queue, by priority.
    func sampled(_ counts: [PriorityCount]) {
        let sample = Backlog(counts.map { (priority: Int32(clamping: $0.priority), count: $0.count) })
        backlog.withLock { $0 = sample }
    }

    private var priorities: ClosedRange<Int32> { Int32(clamping: range.lowerBound)...Int32(clamping: range.upperBound) }

    /// The slices of the range as this node's view splits them; nil without gossip.
    private var slices: PriorityRanges? {
        gossip.map { PriorityRanges(range: priorities, membership: $0.membership, backlog: backlog.withLock { $0 }) }
    }

    /// The sampled backlog and how much of it lies in this node's own slice; nil without gossip.
    var backlogShare: NodeStatus.PriorityRange.Backlog? {
        guard gossip != nil else { return nil }
        let sample = backlog.withLock { $0 }
        let own = ownRange
        return .init(sampled: sample.total, inOwnSlice: sample.count(in: Int32(clamping: own.lowerBound)...Int32(clamping: own.upperBound)))
    }

    /// This node's own slice: claimed first. The whole range without gossip or before the view
    /// includes this node.
    var ownRange: ClosedRange<Int> {
        guard let slices, let own = slices.range(of: nodeID) else { return range }
        return Int(own.lowerBound)...Int(own.upperBound)
    }

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
