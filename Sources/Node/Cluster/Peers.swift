import Gossip
import Logging
import Store

/// What this node knows of its peers through gossip (or, without gossip, of itself alone): who
/// is alive, which slice of the priority range is whose, where to send wake hints, and who
/// revokes a dead peer's leases. Gossip is only a hint here: claims still go through the
/// database, and a node whose slice is empty claims from the whole range.
struct Peers: Sendable {
    let gossip: GossipService?
    let nodeID: String
    let range: ClosedRange<Int>
    let selfAddress: String

    /// The slices of the range as this node's view splits them; nil without gossip.
    private var slices: PriorityRanges? {
        gossip.map { PriorityRanges(range: Int32(clamping: range.lowerBound)...Int32(clamping: range.upperBound), membership: $0.membership) }
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
