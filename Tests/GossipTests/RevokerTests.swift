@testable import Gossip
import Testing

@Suite("Dead-peer revoker")
struct RevokerTests {
    @Test("exactly one survivor is chosen, whatever the order of the survivors")
    func agreement() {
        var random = TestRandom(seed: 3)
        let survivors = (0..<20).map { "node-\($0)" }
        for dead in (0..<50).map({ "dead-\($0)" }) {
            let choice = DeadPeerRevoker.revoker(for: dead, survivors: survivors)
            #expect(choice != nil && survivors.contains(choice!))
            for _ in 0..<5 {
                #expect(DeadPeerRevoker.revoker(for: dead, survivors: survivors.shuffled(using: &random)) == choice)
            }
        }
    }

    @Test("the dead member never revokes itself; no survivors, no revoker")
    func edges() {
        #expect(DeadPeerRevoker.revoker(for: "x", survivors: ["x"]) == nil)
        #expect(DeadPeerRevoker.revoker(for: "x", survivors: [String]()) == nil)
        #expect(DeadPeerRevoker.revoker(for: "x", survivors: ["x", "y"]) == "y")
    }

    @Test("the work spreads over the survivors, and removing a loser keeps the choice")
    func spread() {
        let survivors = (0..<5).map { "node-\($0)" }
        var counts: [String: Int] = [:]
        for index in 0..<1000 {
            let dead = "dead-\(index)"
            let choice = DeadPeerRevoker.revoker(for: dead, survivors: survivors)!
            counts[choice, default: 0] += 1
            let loser = survivors.first { $0 != choice }!
            #expect(DeadPeerRevoker.revoker(for: dead, survivors: survivors.filter { $0 != loser }) == choice)
        }
        #expect(counts.count == 5 && counts.values.allSatisfy { $0 > 120 })
    }

    @Test("a view in a minority revokes nothing; half or more, gracefully departed members aside, does")
    func minorityRevokesNothing() {
        let isolated = Membership(members: [Fixture.member("a"), Fixture.member("b", .dead), Fixture.member("c", .dead)])
        #expect(DeadPeerRevoker.revoker(for: "b", membership: isolated) == nil)
        let majority = Membership(members: [Fixture.member("a"), Fixture.member("b", .dead), Fixture.member("c")])
        #expect(DeadPeerRevoker.revoker(for: "b", membership: majority) != nil)
        let pair = Membership(members: [Fixture.member("a"), Fixture.member("b", .dead)])
        #expect(DeadPeerRevoker.revoker(for: "b", membership: pair) == "a")
        let afterLeaves = Membership(members: [
            Fixture.member("a"), Fixture.member("b", .dead), Fixture.member("c", .left), Fixture.member("d", .left),
        ])
        #expect(DeadPeerRevoker.revoker(for: "b", membership: afterLeaves) == "a")
        let twoOfFive = Membership(members: [
            Fixture.member("a"), Fixture.member("b", .dead), Fixture.member("c", .dead), Fixture.member("d", .dead), Fixture.member("e"),
        ])
        #expect(DeadPeerRevoker.revoker(for: "b", membership: twoOfFive) == nil)
    }

    @Test("the choice follows the alive members of a membership view")
    func fromMembership() {
        let view = Membership(members: [Fixture.member("a"), Fixture.member("b", .dead), Fixture.member("c", .suspect)])
        #expect(DeadPeerRevoker.revoker(for: "b", membership: view) == "a")
    }
}
