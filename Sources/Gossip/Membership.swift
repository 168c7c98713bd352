/// A snapshot of one peer's membership view, sorted by member id (`String` order).
///
/// Two peers that have converged hold equal snapshots.
public struct Membership: Sendable, Hashable {
    /// Every member known, including the local one and dead or departed ones, sorted by id.
    public let members: [Member]

    /// Creates a snapshot; `members` is sorted by id.
    public init(members: some Sequence<Member>) {
        self.members = members.sorted { String.idOrder($0.id, $1.id) }
    }

    /// The members in state `alive`, sorted by id.
    public var alive: [Member] { members.filter { $0.state == .alive } }

    /// The members in state `alive` or `suspect`, sorted by id: who still owns work.
    public var active: [Member] { members.filter { $0.state.isActive } }

    /// The record of the member with this id, if known.
    public func member(id: String) -> Member? {
        members.first { $0.id == id }
    }
}

/// A change of a member's state in the local view, reported to the shell.
public struct MembershipEvent: Sendable, Hashable {
    /// The member's record after the change.
    public let member: Member
    /// Its state before the change; `nil` when the member was unknown.
    public let previousState: MemberState?

    /// Creates an event.
    public init(member: Member, previousState: MemberState?) {
        self.member = member
        self.previousState = previousState
    }
}
