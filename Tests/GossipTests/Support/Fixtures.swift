import Gossip

/// Builders for unit tests that drive one instance by hand.
enum Fixture {
    static func member(_ id: String, _ state: MemberState = .alive, incarnation: UInt64 = 1, slots: UInt32 = 1) -> Member {
        Member(id: id, address: "\(id):7946", state: state, incarnation: incarnation, slots: slots)
    }

    static func instance(_ id: String = "a", incarnation: UInt64 = 1, configuration: GossipTuning = GossipTuning()) -> GossipInstance {
        try! GossipInstance(
            id: id, address: "\(id):7946", slots: 1, incarnation: incarnation, seed: 42, now: .zero,
            configuration: configuration)
    }

    static func message(from sender: String, _ kind: GossipMessage.Kind = .ping(sequence: 1), updates: [MembershipUpdate] = [], incarnation: UInt64 = 1) -> GossipMessage {
        GossipMessage(sender: member(sender, incarnation: incarnation), kind: kind, updates: updates)
    }

    static func at(_ seconds: Double) -> GossipInstant {
        GossipInstant(nanoseconds: Int64(seconds * 1e9))
    }

    static func sent(_ outputs: [GossipOutput]) -> [(message: GossipMessage, address: String)] {
        outputs.compactMap {
            if case .send(let message, let address) = $0 { return (message, address) }
            return nil
        }
    }

    static func events(_ outputs: [GossipOutput]) -> [MembershipEvent] {
        outputs.compactMap {
            if case .event(let event) = $0 { return event }
            return nil
        }
    }
}
