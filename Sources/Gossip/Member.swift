/// The lifecycle state of a member as one peer sees it.
///
/// States are ranked `alive < suspect < dead < left`; at equal incarnation the higher rank wins,
/// which makes merging two views a deterministic maximum.
public enum MemberState: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The member answers probes (or has refuted every suspicion so far).
    case alive = 0
    /// A probe failed; the member has until its suspicion timeout to refute.
    case suspect = 1
    /// The suspicion expired without a refutation.
    case dead = 2
    /// The member announced a graceful leave.
    case left = 3

    /// The rank used to order two records of the same incarnation.
    var rank: UInt8 { rawValue }

    /// Whether the member takes part in probing and in the priority-range split.
    public var isActive: Bool { self == .alive || self == .suspect }

    /// The lowercase name used on `/status` (`alive`, `suspect`, `dead`, `left`).
    public var description: String {
        switch self {
        case .alive: "alive"
        case .suspect: "suspect"
        case .dead: "dead"
        case .left: "left"
        }
    }
}

/// One member of the cluster as one peer sees it.
public struct Member: Sendable, Hashable {
    /// The longest member id, in UTF-8 bytes.
    public static let maxIDBytes = 64
    /// The longest address, in UTF-8 bytes.
    public static let maxAddressBytes = 64

    /// The member's stable id (`CONTINUUM_NODE_ID`).
    public var id: String
    /// Where the member's gossip socket listens, `host:port`.
    public var address: String
    /// The member's state.
    public var state: MemberState
    /// Only the member itself raises its incarnation, to refute a suspicion or to rejoin.
    public var incarnation: UInt64
    /// Sandbox slots of the member: its weight in the priority-range split.
    public var slots: UInt32

    /// Creates a member record.
    public init(id: String, address: String, state: MemberState, incarnation: UInt64, slots: UInt32) {
        self.id = id
        self.address = address
        self.state = state
        self.incarnation = incarnation
        self.slots = slots
    }

    /// Whether this record supersedes `other` (a record about the same member): a higher
    /// incarnation wins; at equal incarnation the higher-ranked state wins.
    public func supersedes(_ other: Member) -> Bool {
        if incarnation != other.incarnation { return incarnation > other.incarnation }
        return state.rank > other.state.rank
    }
}

extension String {
    /// The order in which ids are sorted everywhere: Swift's `String` order, which compares
    /// Unicode scalars after canonical normalization, so it agrees with `==` (and thus with
    /// dictionary keys) and is the same on every platform; for NFC strings it is UTF-8 byte order.
    static func idOrder(_ lhs: String, _ rhs: String) -> Bool {
        lhs < rhs
    }
}
