import Gossip
import Testing

@Suite("Wake hints")
struct WakeTests {
    @Test("a wake goes to the member's address with piggybacked updates; the receiver only learns the sender")
    func wake() throws {
        var a = Fixture.instance("a")
        _ = a.receive(Fixture.message(from: "b"), now: Fixture.at(0.1))
        _ = a.receive(Fixture.message(from: "c"), now: Fixture.at(0.1))
        let sent = Fixture.sent(a.wake(memberID: "b", priority: 17))
        #expect(sent.count == 1 && sent.first?.address == "b:7946")
        let message = try #require(sent.first?.message)
        #expect(message.kind == .wake(priority: 17) && message.sender.id == "a")
        #expect(message.updates.contains { $0.member.id == "c" })

        var b = Fixture.instance("b")
        let outputs = b.receive(message, now: Fixture.at(0.2))
        #expect(Fixture.sent(outputs).isEmpty)
        #expect(b.member(id: "a")?.state == .alive)
    }

    @Test("no wake goes to an unknown, dead, departed or local member, nor after leaving")
    func refused() {
        var a = Fixture.instance("a")
        _ = a.receive(Fixture.message(from: "b", updates: [
            MembershipUpdate(member: Fixture.member("d", .dead, incarnation: 2)),
            MembershipUpdate(member: Fixture.member("l", .left, incarnation: 2)),
        ]), now: Fixture.at(0.1))
        for id in ["nobody", "d", "l", "a"] {
            #expect(a.wake(memberID: id, priority: 1).isEmpty, "\(id)")
        }
        _ = a.leave(now: Fixture.at(0.2))
        #expect(a.wake(memberID: "b", priority: 1).isEmpty)
    }
}
