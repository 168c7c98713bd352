@testable import Gossip
import Testing

@Suite("Refutation and incarnation ordering")
struct RefutationTests {
    @Test("hearing itself suspected, a member bumps its incarnation and disseminates alive")
    func refutesSuspicion() {
        var instance = Fixture.instance("a", incarnation: 5)
        let rumour = MembershipUpdate(member: Fixture.member("a", .suspect, incarnation: 5), suspector: "b")
        let outputs = instance.receive(Fixture.message(from: "b", updates: [rumour]), now: Fixture.at(1))
        #expect(instance.localMember.incarnation == 6)
        #expect(instance.localMember.state == .alive)
        #expect(instance.statistics.refutations == 1)
        #expect(instance.localHealthScore == 1)
        let ack = Fixture.sent(outputs).first
        #expect(ack?.message.sender.incarnation == 6)
        #expect(ack?.message.updates.contains { $0.member.id == "a" && $0.member.state == .alive && $0.member.incarnation == 6 } == true)
    }

    @Test("hearing itself dead, a member comes back under a higher incarnation")
    func refutesDeath() {
        var instance = Fixture.instance("a", incarnation: 5)
        _ = instance.receive(Fixture.message(from: "b", updates: [MembershipUpdate(member: Fixture.member("a", .dead, incarnation: 9))]), now: Fixture.at(1))
        #expect(instance.localMember.incarnation == 10)
    }

    @Test("a stale rumour about an older incarnation changes nothing")
    func ignoresStaleRumour() {
        var instance = Fixture.instance("a", incarnation: 5)
        _ = instance.receive(Fixture.message(from: "b", updates: [MembershipUpdate(member: Fixture.member("a", .suspect, incarnation: 4), suspector: "b")]), now: Fixture.at(1))
        #expect(instance.localMember.incarnation == 5)
        #expect(instance.statistics.refutations == 0)
    }

    @Test("ordering: higher incarnation wins, then alive < suspect < dead < left")
    func supersedes() {
        let m = { (state: MemberState, incarnation: UInt64) in Fixture.member("x", state, incarnation: incarnation) }
        #expect(m(.alive, 6).supersedes(m(.suspect, 5)))
        #expect(m(.alive, 6).supersedes(m(.dead, 5)))
        #expect(m(.suspect, 5).supersedes(m(.alive, 5)))
        #expect(!m(.alive, 5).supersedes(m(.suspect, 5)))
        #expect(m(.dead, 5).supersedes(m(.suspect, 5)))
        #expect(m(.left, 5).supersedes(m(.dead, 5)))
        #expect(!m(.dead, 4).supersedes(m(.alive, 5)))
        #expect(!m(.alive, 5).supersedes(m(.alive, 5)))
    }

    /// Probing pushed far away, suspicions short: only the merge and the suspicion timer act.
    private var quiet: GossipTuning {
        var configuration = GossipTuning()
        configuration.probeInterval = .seconds(1000)
        configuration.suspicionMinMultiplier = 0.002
        return configuration
    }

    @Test("peers that receive the same records in any order hold the same view once suspicions have run out")
    func mergeIsOrderIndependent() {
        let records = [
            MembershipUpdate(member: Fixture.member("x", .alive, incarnation: 1)),
            MembershipUpdate(member: Fixture.member("x", .suspect, incarnation: 1), suspector: "y"),
            MembershipUpdate(member: Fixture.member("x", .alive, incarnation: 2)),
            MembershipUpdate(member: Fixture.member("y", .alive, incarnation: 3)),
            MembershipUpdate(member: Fixture.member("y", .dead, incarnation: 3)),
            MembershipUpdate(member: Fixture.member("z", .left, incarnation: 7)),
            MembershipUpdate(member: Fixture.member("z", .alive, incarnation: 6)),
        ]
        var random = TestRandom(seed: 9)
        var views: Set<Membership> = []
        for _ in 0..<20 {
            var instance = Fixture.instance("a", configuration: quiet)
            for record in records.shuffled(using: &random) {
                _ = instance.receive(Fixture.message(from: "w", .ack(sequence: 0), updates: [record]), now: Fixture.at(0.1))
            }
            _ = instance.tick(now: Fixture.at(10))
            views.insert(instance.membership)
        }
        #expect(views.count == 1)
        let view = views.first!
        #expect(view.member(id: "x")?.state == .alive && view.member(id: "x")?.incarnation == 2)
        #expect(view.member(id: "y")?.state == .dead)
        #expect(view.member(id: "z")?.state == .left)
    }

    @Test("a second-hand dead record about a member held alive at that incarnation only makes it suspect, by piggyback or by sync")
    func secondHandDeathBecomesSuspicion() {
        var piggybacked = Fixture.instance("a")
        _ = piggybacked.receive(Fixture.message(from: "b", .ack(sequence: 0)), now: Fixture.at(0.1))
        _ = piggybacked.receive(Fixture.message(from: "c", .ack(sequence: 0), updates: [MembershipUpdate(member: Fixture.member("b", .dead, incarnation: 1))]), now: Fixture.at(0.2))
        #expect(piggybacked.membership.member(id: "b")?.state == .suspect)

        var synced = Fixture.instance("a")
        _ = synced.receive(Fixture.message(from: "b", .ack(sequence: 0)), now: Fixture.at(0.1))
        let sync = GossipMessage.Kind.sync(members: [MembershipUpdate(member: Fixture.member("b", .dead, incarnation: 1))], wantsReply: false)
        _ = synced.receive(Fixture.message(from: "c", sync), now: Fixture.at(0.2))
        #expect(synced.membership.member(id: "b")?.state == .suspect)
    }

    @Test("a dead record about a member already held suspect buries it at once")
    func deathAfterSuspicionIsAccepted() {
        var instance = Fixture.instance("a")
        _ = instance.receive(Fixture.message(from: "b", .ack(sequence: 0)), now: Fixture.at(0.1))
        _ = instance.receive(Fixture.message(from: "c", .ack(sequence: 0), updates: [MembershipUpdate(member: Fixture.member("b", .suspect, incarnation: 1), suspector: "c")]), now: Fixture.at(0.2))
        _ = instance.receive(Fixture.message(from: "c", .ack(sequence: 0), updates: [MembershipUpdate(member: Fixture.member("b", .dead, incarnation: 1))]), now: Fixture.at(0.3))
        #expect(instance.membership.member(id: "b")?.state == .dead)
    }

    @Test("a dead member rejoins with a higher incarnation")
    func rejoin() {
        var instance = Fixture.instance("a")
        _ = instance.receive(Fixture.message(from: "c", .ack(sequence: 0), updates: [MembershipUpdate(member: Fixture.member("b", .dead, incarnation: 3))]), now: Fixture.at(0.1))
        let outputs = instance.receive(Fixture.message(from: "b", .join, incarnation: 4), now: Fixture.at(0.2))
        #expect(instance.membership.member(id: "b")?.state == .alive)
        #expect(Fixture.events(outputs).contains { $0.member.id == "b" && $0.previousState == .dead })
    }
}

@Suite("Instance setup")
struct SetupTests {
    @Test("bad ids, addresses, budgets and timings are refused with a typed error")
    func refusesBadSetup() {
        func make(id: String = "a", address: String = "a:1", _ change: (inout GossipTuning) -> Void = { _ in }) throws(GossipSetupError) {
            var configuration = GossipTuning()
            change(&configuration)
            _ = try GossipInstance(id: id, address: address, slots: 1, incarnation: 1, seed: 1, now: .zero, configuration: configuration)
        }
        #expect(throws: GossipSetupError.invalidID) { try make(id: "") }
        #expect(throws: GossipSetupError.invalidID) { try make(id: String(repeating: "x", count: 65)) }
        #expect(throws: GossipSetupError.invalidAddress) { try make(address: "") }
        #expect(throws: GossipSetupError.datagramBudgetTooSmall) { try make { $0.maxDatagramBytes = 500 } }
        #expect(throws: GossipSetupError.invalidTimings) { try make { $0.probeInterval = .zero } }
        #expect(throws: GossipSetupError.invalidTimings) { try make { $0.probeTimeout = .seconds(2) } }
        #expect(throws: Never.self) { try make() }
    }
}
