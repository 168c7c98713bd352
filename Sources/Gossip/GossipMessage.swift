/// One protocol message. Every message names its sender (an implicit alive record) and carries
/// piggybacked membership updates.
public struct GossipMessage: Sendable, Hashable {
    /// The sender's own record (always `alive` while it speaks).
    public var sender: Member
    /// What the message asks or answers.
    public var kind: Kind
    /// Membership updates disseminated on this message.
    public var updates: [MembershipUpdate]

    /// Creates a message.
    public init(sender: Member, kind: Kind, updates: [MembershipUpdate] = []) {
        self.sender = sender
        self.kind = kind
        self.updates = updates
    }

    /// The body of a message.
    public enum Kind: Sendable, Hashable {
        /// A direct probe; answered by `ack` with the same sequence number.
        case ping(sequence: UInt32)
        /// Asks the receiver to probe `targetAddress` and to forward the ack (or a nack).
        case pingRequest(sequence: UInt32, targetID: String, targetAddress: String)
        /// Answers a ping or forwards an indirect one.
        case ack(sequence: UInt32)
        /// Lifeguard: a relay could not reach the target of an indirect probe in time.
        case nack(sequence: UInt32)
        /// Asks a seed for its full state.
        case join
        /// A part of the sender's full state (`members`); the receiver answers with its own full
        /// state when `wantsReply` is set.
        case sync(members: [MembershipUpdate], wantsReply: Bool)
        /// A hint that work of `priority` is waiting for the receiver, which owns that priority;
        /// it asks for no answer. Like every message it is authenticated, so only cluster members
        /// can wake a peer.
        case wake(priority: Int64)
    }
}

/// A membership record in transit. A `suspect` record names the member that suspects, so that
/// independent suspicions count as Lifeguard confirmations.
public struct MembershipUpdate: Sendable, Hashable {
    /// The record.
    public var member: Member
    /// Who raised the suspicion, for `suspect` records; empty otherwise.
    public var suspector: String

    /// Creates an update; `suspector` is ignored unless the record is `suspect`.
    public init(member: Member, suspector: String = "") {
        self.member = member
        self.suspector = member.state == .suspect ? suspector : ""
    }
}
