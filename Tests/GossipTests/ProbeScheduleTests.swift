import Gossip
import Testing

@Suite("Probe schedule and suspicion announcements")
struct ProbeScheduleTests {
    private let others = ["b", "c", "d", "e"]

    private func instance() -> GossipInstance {
        var instance = Fixture.instance("a")
        for other in others {
            _ = instance.receive(Fixture.message(from: other, .ack(sequence: 0)), now: .zero)
        }
        return instance
    }

    private func id(of address: String) -> String { String(address.prefix { $0 != ":" }) }

    @Test("with every ping acked, each member is probed exactly once every n - 1 periods")
    func everyMemberProbedEachPass() {
        var instance = instance()
        var targets: [String] = []
        var time = 0.0
        while time < 41 {
            for (message, address) in Fixture.sent(instance.tick(now: Fixture.at(time))) {
                guard case .ping(let sequence) = message.kind else { continue }
                targets.append(id(of: address))
                _ = instance.receive(Fixture.message(from: id(of: address), .ack(sequence: sequence)), now: Fixture.at(time))
            }
            time += 0.01
        }
        #expect(targets.count >= 36)
        for (index, target) in targets.enumerated().dropFirst(others.count) {
            #expect(targets[index - others.count] == target, "probe \(index) went to \(target): \(targets)")
        }
        #expect(Set(targets.prefix(others.count)) == Set(others))
    }

    @Test("when every relay nacks, the target is suspected before the period ends and the suspect and other members hear it at once")
    func allNacksSuspectEarlyAndAnnounce() throws {
        var instance = instance()
        var target: String?
        var pingedAt: Double?
        var requests: [(relay: String, sequence: UInt32)] = []
        var time = 0.0
        while time < (pingedAt ?? 5) + 0.6 {
            for (message, address) in Fixture.sent(instance.tick(now: Fixture.at(time))) {
                switch message.kind {
                case .ping where target == nil:
                    target = id(of: address)
                    pingedAt = time
                case .pingRequest(let sequence, _, _): requests.append((id(of: address), sequence))
                default: break
                }
            }
            time += 0.01
        }
        let suspect = try #require(target)
        try #require(requests.count == others.count - 1)
        var announcements: [(message: GossipMessage, address: String)] = []
        for request in requests {
            #expect(instance.membership.member(id: suspect)?.state == .alive)
            let outputs = instance.receive(Fixture.message(from: request.relay, .nack(sequence: request.sequence)), now: Fixture.at(time))
            announcements += Fixture.sent(outputs)
        }
        #expect(instance.membership.member(id: suspect)?.state == .suspect)
        let told = announcements.filter { sent in
            guard case .sync(let members, false) = sent.message.kind, members.isEmpty else { return false }
            return sent.message.updates.contains { $0.member.id == suspect && $0.member.state == .suspect && $0.suspector == "a" }
        }.map { id(of: $0.address) }
        #expect(Set(told) == Set(others), "told \(told)")
    }

    @Test("a member that refutes a suspicion about itself tells other members at once")
    func refutationAnnounced() {
        var instance = instance()
        let accusation = MembershipUpdate(member: Fixture.member("a", .suspect), suspector: "b")
        let sent = Fixture.sent(instance.receive(Fixture.message(from: "b", .ack(sequence: 0), updates: [accusation]), now: .zero))
        let refutations = sent.filter { sent in
            guard case .sync = sent.message.kind else { return false }
            return sent.message.updates.contains { $0.member.id == "a" && $0.member.state == .alive && $0.member.incarnation == 2 }
        }
        #expect(refutations.count == 3)
        #expect(instance.localMember.incarnation == 2)
    }
}
