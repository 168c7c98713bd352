import Gossip
import Testing

@Suite("Lifeguard")
struct LifeguardTests {
    /// An instance that knows `others` as alive members.
    private func instance(knowing others: [String], configuration: GossipTuning) -> GossipInstance {
        var instance = Fixture.instance("a", configuration: configuration)
        for other in others {
            _ = instance.receive(Fixture.message(from: other, .ack(sequence: 0)), now: .zero)
        }
        return instance
    }

    /// Ticks every 10 ms until `end`; returns the instants at which pings left.
    private func drive(_ instance: inout GossipInstance, until end: Double, step: Double = 0.01) -> [Double] {
        var pings: [Double] = []
        var time = 0.0
        while time < end {
            for (message, _) in Fixture.sent(instance.tick(now: Fixture.at(time))) {
                if case .ping = message.kind { pings.append(time) }
            }
            time += step
        }
        return pings
    }

    @Test("failed probes raise the local health score and stretch the protocol period")
    func localHealthStretchesPeriod() {
        var instance = instance(knowing: ["b", "c", "d", "e"], configuration: GossipTuning())
        let pings = drive(&instance, until: 12)
        #expect(instance.localHealthScore > 0)
        #expect(pings.count >= 3)
        let gaps = zip(pings.dropFirst(), pings).map { $0 - $1 }
        #expect(gaps.first! < 1.05)
        #expect(gaps.last! > 2.5)
    }

    @Test("successful probes bring the local health score back down")
    func localHealthRecovers() {
        var instance = instance(knowing: ["b", "c"], configuration: GossipTuning())
        _ = drive(&instance, until: 3)
        let raised = instance.localHealthScore
        #expect(raised > 0)
        var time = 3.0
        while time < 60, instance.localHealthScore > 0 {
            for (message, address) in Fixture.sent(instance.tick(now: Fixture.at(time))) {
                guard case .ping(let sequence) = message.kind else { continue }
                let id = String(address.prefix { $0 != ":" })
                _ = instance.receive(Fixture.message(from: id, .ack(sequence: sequence), incarnation: 100), now: Fixture.at(time))
            }
            time += 0.01
        }
        #expect(instance.localHealthScore == 0)
    }

    /// Probing is pushed far away so that only the suspicion timer acts; the suspicion bounds
    /// work out at 2 s (minimum) and 6 s (maximum) for 10 members.
    private var quietConfiguration: GossipTuning {
        var configuration = GossipTuning()
        configuration.probeInterval = .seconds(1000)
        configuration.suspicionMinMultiplier = 0.002
        configuration.suspicionMaxMultiplier = 3
        configuration.suspicionConfirmations = 3
        return configuration
    }

    private func deathTime(confirmations: [String]) -> Double? {
        let others = ["b", "c", "d", "e", "f", "g", "h", "i", "j"]
        var instance = instance(knowing: others, configuration: quietConfiguration)
        let suspect = Fixture.member("b", .suspect)
        _ = instance.receive(Fixture.message(from: "c", .ack(sequence: 0), updates: [MembershipUpdate(member: suspect, suspector: "c")]), now: .zero)
        for confirmer in confirmations {
            _ = instance.receive(Fixture.message(from: confirmer, .ack(sequence: 0), updates: [MembershipUpdate(member: suspect, suspector: confirmer)]), now: Fixture.at(0.1))
        }
        var time = 0.1
        while time < 10 {
            _ = instance.tick(now: Fixture.at(time))
            if instance.membership.member(id: "b")?.state == .dead { return time }
            time += 0.01
        }
        return nil
    }

    @Test("a suspicion expires at the maximum timeout without confirmations and at the minimum with K")
    func suspicionShrinksWithConfirmations() throws {
        let alone = try #require(deathTime(confirmations: []))
        let one = try #require(deathTime(confirmations: ["d"]))
        let three = try #require(deathTime(confirmations: ["d", "e", "f"]))
        let repeated = try #require(deathTime(confirmations: ["c", "c", "c"]))
        #expect(abs(alone - 6) < 0.05)
        #expect(abs(three - 2) < 0.05)
        #expect(one < alone && one > three)
        #expect(abs(repeated - alone) < 0.05)
    }

    @Test("a relay pings the target and forwards its ack, or nacks when the target stays silent")
    func relaysIndirectProbes() {
        var relay = Fixture.instance("r")
        let request = Fixture.message(from: "a", .pingRequest(sequence: 77, targetID: "t", targetAddress: "t:7946"))
        let first = Fixture.sent(relay.receive(request, now: .zero))
        guard case .ping(let relaySequence) = first.first?.message.kind else {
            Issue.record("no ping to the target")
            return
        }
        #expect(first.first?.address == "t:7946")
        let forwarded = Fixture.sent(relay.receive(Fixture.message(from: "t", .ack(sequence: relaySequence)), now: Fixture.at(0.05)))
        #expect(forwarded.contains { $0.address == "a:7946" && $0.message.kind == .ack(sequence: 77) })

        var silent = Fixture.instance("r")
        _ = silent.receive(request, now: .zero)
        let nacks = Fixture.sent(silent.tick(now: Fixture.at(1)))
        #expect(nacks.contains { $0.address == "a:7946" && $0.message.kind == .nack(sequence: 77) })
    }
}
