/// Chooses the one survivor that revokes a dead member's leases, as a pure function of the dead
/// member's id and the survivors' ids, so converged peers agree without talking.
///
/// Rendezvous hashing: each survivor scores `FNV-1a(deadID, 0, survivorID)`; the highest score
/// wins (ties go to the smaller id). A survivor joining or leaving only moves the choice when it
/// is, or was, the winner.
public enum DeadPeerRevoker {
    /// The survivor that revokes `deadID`'s leases; `nil` with no survivors. `deadID` itself never
    /// counts as a survivor.
    public static func revoker(for deadID: String, survivors: some Sequence<String>) -> String? {
        var best: (id: String, score: UInt64)?
        for survivor in survivors where survivor != deadID {
            let score = fnv1a(Array(deadID.utf8) + [0] + Array(survivor.utf8))
            if let current = best {
                if score > current.score || (score == current.score && String.idOrder(survivor, current.id)) {
                    best = (survivor, score)
                }
            } else {
                best = (survivor, score)
            }
        }
        return best?.id
    }

    /// The survivor that revokes `deadID`'s leases, among the alive members of `membership`;
    /// `nil` when this view is in a minority: fewer than half of the members it knows (gone ones
    /// that left gracefully aside) are alive or suspect. A peer cut off from the others sees them
    /// all dead and would otherwise revoke every lease of the healthy side; it leaves that to
    /// the lease TTL. Fencing makes either choice safe; this one avoids wasted work.
    public static func revoker(for deadID: String, membership: Membership) -> String? {
        let known = membership.members.filter { $0.state != .left }.count
        guard membership.active.count * 2 >= known else { return nil }
        return revoker(for: deadID, survivors: membership.alive.map(\.id))
    }

    private static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return (hash ^ (hash >> 29)) &* 0xbf58_476d_1ce4_e5b9
    }
}
