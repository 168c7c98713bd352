@testable import Gossip
import Testing

@Suite("Dissemination")
struct DisseminationTests {
    @Test("an update is piggybacked λ·ceil(log10(n + 1)) times, then no more")
    func retransmitLimit() {
        var instance = Fixture.instance("a")
        for index in 0..<9 {
            _ = instance.receive(Fixture.message(from: "m\(index)", .ack(sequence: 0)), now: .zero)
        }
        let news = MembershipUpdate(member: Fixture.member("z", .alive, incarnation: 3))
        _ = instance.receive(Fixture.message(from: "m0", .ack(sequence: 0), updates: [news]), now: .zero)
        var carried = 0
        for sequence in 1...60 {
            for (message, _) in Fixture.sent(instance.receive(Fixture.message(from: "m1", .ping(sequence: UInt32(sequence))), now: .zero)) {
                carried += message.updates.filter { $0.member.id == "z" }.count
            }
        }
        let n = 11
        let expected = GossipTuning().retransmitMultiplier * Int((Double(n + 1)).ceilingLog10)
        #expect(carried == expected)
    }

    @Test("least-sent updates go first, and among them the newest")
    func ordering() {
        var queue = DisseminationQueue()
        for name in ["old", "mid", "new"] { queue.enqueue(MembershipUpdate(member: Fixture.member(name))) }
        #expect(queue.take(budget: 1000, maxCount: 1, limit: 10).map(\.member.id) == ["new"])
        #expect(queue.take(budget: 1000, maxCount: 3, limit: 10).map(\.member.id) == ["mid", "old", "new"])
        queue.enqueue(MembershipUpdate(member: Fixture.member("old", .suspect), suspector: "x"))
        #expect(queue.take(budget: 1000, maxCount: 1, limit: 10).map(\.member.id) == ["old"])
    }

    @Test("updates taken never exceed the byte budget")
    func budget() {
        var queue = DisseminationQueue()
        for index in 0..<300 {
            let id = String(repeating: "n", count: index % 60 + 1) + "\(index)"
            queue.enqueue(MembershipUpdate(member: Fixture.member(id)))
        }
        for budget in [0, 10, 100, 700, 1286] {
            let taken = queue.take(budget: budget, maxCount: 255, limit: 100)
            #expect(taken.reduce(0) { $0 + WireCodec.encodedSize($1) } <= budget)
        }
    }

    @Test("with 250 members every message, full-state chunks included, fits the datagram budget")
    func everyMessageFits() {
        var instance = Fixture.instance("a")
        let members = (0..<250).map { MembershipUpdate(member: Fixture.member("member-with-a-long-name-\($0)", $0 % 3 == 0 ? .suspect : .alive), suspector: "member-with-a-long-name-0") }
        for chunk in stride(from: 0, to: members.count, by: 10) {
            let sync = GossipMessage.Kind.sync(members: Array(members[chunk..<min(chunk + 10, members.count)]), wantsReply: false)
            _ = instance.receive(Fixture.message(from: "b", sync), now: .zero)
        }
        let reply = Fixture.sent(instance.receive(Fixture.message(from: "b", .sync(members: [], wantsReply: true)), now: .zero))
        #expect(reply.count > 1)
        #expect(reply.allSatisfy { WireCodec.encodedSize($0.message) <= instance.payloadBudget })
        #expect(reply.allSatisfy { WireCodec.encode($0.message).count + DatagramSealer.overhead(senderID: "a") <= 1400 })
        let synced = reply.flatMap { message -> [MembershipUpdate] in
            if case .sync(let members, _) = message.message.kind { return members }
            return []
        }
        #expect(synced.count == 252)
        let ack = Fixture.sent(instance.receive(Fixture.message(from: "b", .ping(sequence: 9)), now: .zero))
        #expect(ack.allSatisfy { WireCodec.encodedSize($0.message) <= instance.payloadBudget })
        #expect((ack.first?.message.updates.count ?? 0) > 5)
    }
}

extension Double {
    /// `ceil(log10(self))` for positive values, without Foundation.
    fileprivate var ceilingLog10: Double {
        var result = 0.0
        var scale = 1.0
        while scale < self { scale *= 10; result += 1 }
        return result
    }
}
