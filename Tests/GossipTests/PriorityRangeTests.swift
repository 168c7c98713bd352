@testable import Gossip
import Testing

@Suite("Priority ranges")
struct PriorityRangeTests {
    /// Non-empty slices are ascending, contiguous and cover the range exactly.
    private func expectCoverage(_ ranges: PriorityRanges, _ range: ClosedRange<Int32>) {
        let owned = ranges.slices.compactMap(\.range)
        guard let first = owned.first, let last = owned.last else {
            Issue.record("no slice")
            return
        }
        #expect(first.lowerBound == range.lowerBound)
        #expect(last.upperBound == range.upperBound)
        for (previous, next) in zip(owned, owned.dropFirst()) {
            #expect(Int64(previous.upperBound) + 1 == Int64(next.lowerBound))
        }
    }

    @Test("slices are weighted by slots, in id order")
    func weights() {
        let ranges = PriorityRanges(range: 0...99, members: [("b", 3), ("a", 1)])
        #expect(ranges.range(of: "a") == 0...24)
        #expect(ranges.range(of: "b") == 25...99)
        #expect(ranges.owner(of: 24) == "a" && ranges.owner(of: 25) == "b")
        #expect(ranges.owner(of: 100) == nil && ranges.owner(of: -1) == nil)
    }

    @Test("the whole Int32 domain is split without overflow")
    func wholeDomain() {
        let range = Int32.min...Int32.max
        let ranges = PriorityRanges(range: range, members: [("a", .max), ("b", .max), ("c", 1)])
        expectCoverage(ranges, range)
        #expect(ranges.owner(of: .min) == "a" && ranges.owner(of: .max) == "c")
        let single = PriorityRanges(range: range, members: [("solo", 0)])
        #expect(single.range(of: "solo") == range)
    }

    @Test("more members than priorities: each priority has one owner, the rest own nothing")
    func moreMembersThanPriorities() {
        let members = (0..<7).map { (id: "m\($0)", slots: UInt32(1)) }
        let ranges = PriorityRanges(range: 5...7, members: members)
        #expect(ranges.slices.compactMap(\.range).count == 3)
        expectCoverage(ranges, 5...7)
        #expect(Set((5...7).compactMap { ranges.owner(of: $0) }).count == 3)
    }

    @Test("zero members own nothing; zero slots everywhere weigh equally")
    func edges() {
        #expect(PriorityRanges(range: 0...10, members: []).slices.isEmpty)
        #expect(PriorityRanges(range: 0...10, members: []).owner(of: 3) == nil)
        let equal = PriorityRanges(range: 0...9, members: [("a", 0), ("b", 0)])
        #expect(equal.range(of: "a") == 0...4 && equal.range(of: "b") == 5...9)
        let zeroWeight = PriorityRanges(range: 0...9, members: [("a", 0), ("b", 2)])
        #expect(zeroWeight.range(of: "a") == nil && zeroWeight.range(of: "b") == 0...9)
    }

    @Test("random inputs: coverage, contiguity, owner lookup and agreement across input orders")
    func randomised() {
        var random = TestRandom(seed: 77)
        for _ in 0..<300 {
            let count = Int.random(in: 1...40, using: &random)
            let members = (0..<count).map { (id: "node-\(Int.random(in: 0...1_000_000, using: &random))-\($0)", slots: UInt32.random(in: 1...64, using: &random)) }
            let low = Int32.random(in: Int32.min...Int32.max, using: &random)
            let high = Int32.random(in: low...Int32.max, using: &random)
            let ranges = PriorityRanges(range: low...high, members: members)
            expectCoverage(ranges, low...high)
            #expect(PriorityRanges(range: low...high, members: members.shuffled(using: &random)) == ranges)
            for _ in 0..<10 {
                let priority = Int32.random(in: low...high, using: &random)
                let owner = ranges.owner(of: priority)
                #expect(owner.flatMap { ranges.range(of: $0) }?.contains(priority) == true)
            }
            let total = Double(members.reduce(0) { $0 + Int($1.slots) })
            let size = Double(Int64(high) - Int64(low) + 1)
            for member in members {
                let owned = ranges.range(of: member.id).map { Double(Int64($0.upperBound) - Int64($0.lowerBound) + 1) } ?? 0
                #expect(abs(owned - size * Double(member.slots) / total) <= 1)
            }
        }
    }

    @Test("the split follows the active members of a membership view")
    func fromMembership() {
        let view = Membership(members: [
            Fixture.member("a", .alive, slots: 1), Fixture.member("b", .dead, slots: 5),
            Fixture.member("c", .suspect, slots: 1), Fixture.member("d", .left, slots: 5),
        ])
        let ranges = PriorityRanges(range: 0...9, membership: view)
        #expect(ranges.slices.map(\.memberID) == ["a", "c"])
        #expect(ranges.range(of: "a") == 0...4)
    }

    // MARK: Following the backlog

    /// `count` tasks at each priority of `priorities`.
    private func backlog(_ priorities: ClosedRange<Int32>, each count: Int) -> Backlog {
        Backlog(priorities.map { (priority: $0, count: count) })
    }

    @Test("with work at priorities 0…9, each of three peers owns a slice that holds at least a fifth of it")
    func backlogSpreadOverThreePeers() {
        let range = Int32.min...Int32.max
        let work = backlog(0...9, each: 60)
        let ranges = PriorityRanges(range: range, members: [("p1", 2), ("p2", 2), ("p3", 2)], backlog: work)
        expectCoverage(ranges, range)
        let held = ["p1", "p2", "p3"].map { ranges.range(of: $0).map(work.count(in:)) ?? 0 }
        #expect(held.reduce(0, +) == 600)
        #expect(held.allSatisfy { $0 >= 120 }, "\(held) of 600 in \(ranges.slices)")
        // The even split of the same range, as before: the first peer's slice holds nothing.
        let even = PriorityRanges(range: range, members: [("p1", 2), ("p2", 2), ("p3", 2)])
        #expect(work.count(in: even.range(of: "p1")!) == 0)
    }

    @Test("the shares follow the slots, and a peer with no slots owns nothing")
    func backlogWeightedBySlots() {
        let work = backlog(0...99, each: 1)
        let ranges = PriorityRanges(range: 0...99, members: [("b", 3), ("a", 1), ("z", 0)], backlog: work)
        #expect(ranges.range(of: "a") == 0...24)
        #expect(ranges.range(of: "b") == 25...99)
        #expect(ranges.range(of: "z") == nil)
    }

    @Test("a heavy priority goes to one peer, and each other peer still gets a priority with work")
    func backlogSkewed() {
        let work = Backlog([(priority: 0, count: 1000)] + (1...9).map { (priority: Int32($0), count: 10) })
        let ranges = PriorityRanges(range: -50...50, members: [("a", 1), ("b", 1), ("c", 1)], backlog: work)
        expectCoverage(ranges, -50...50)
        #expect(ranges.range(of: "a") == -50...0)
        #expect(ranges.range(of: "b") == 1...1)
        #expect(ranges.range(of: "c") == 2...50)
    }

    @Test("fewer priorities with work than peers: one peer per priority, the others own nothing")
    func backlogNarrowerThanThePeers() {
        let single = PriorityRanges(range: 0...9, members: [("a", 1), ("b", 1), ("c", 1)], backlog: backlog(5...5, each: 7))
        expectCoverage(single, 0...9)
        #expect(single.slices.compactMap(\.range).count == 1)
        let two = PriorityRanges(range: 0...9, members: [("a", 1), ("b", 1), ("c", 1)], backlog: backlog(3...4, each: 7))
        expectCoverage(two, 0...9)
        #expect(two.owner(of: 3) != two.owner(of: 4))
    }

    @Test("work outside the range, or none, leaves the even split")
    func backlogOutsideTheRange() {
        let members = [(id: "a", slots: UInt32(1)), (id: "b", slots: UInt32(1))]
        let even = PriorityRanges(range: 0...9, members: members)
        #expect(PriorityRanges(range: 0...9, members: members, backlog: backlog(20...30, each: 5)) == even)
        #expect(PriorityRanges(range: 0...9, members: members, backlog: Backlog([(priority: 3, count: 0)])) == even)
    }

    @Test("random backlogs: coverage, every peer holds work when there is enough, agreement across input orders")
    func backlogRandomised() {
        var random = TestRandom(seed: 78)
        for _ in 0..<300 {
            let members = (0..<Int.random(in: 1...12, using: &random)).map {
                (id: "node-\(Int.random(in: 0...1_000_000, using: &random))-\($0)", slots: UInt32.random(in: 1...8, using: &random))
            }
            let low = Int32.random(in: -1000...0, using: &random)
            let high = Int32.random(in: low...1000, using: &random)
            let counts = (0..<Int.random(in: 1...60, using: &random)).map { _ in
                (priority: Int32.random(in: low...high, using: &random), count: Int.random(in: 1...500, using: &random))
            }
            let work = Backlog(counts)
            let ranges = PriorityRanges(range: low...high, members: members, backlog: work)
            expectCoverage(ranges, low...high)
            #expect(PriorityRanges(range: low...high, members: members.shuffled(using: &random), backlog: Backlog(counts.shuffled(using: &random))) == ranges)
            let held = members.map { ranges.range(of: $0.id).map(work.count(in:)) ?? 0 }
            #expect(held.reduce(0, +) == work.total)
            if work.buckets.count >= members.count {
                #expect(held.allSatisfy { $0 > 0 }, "\(held) in \(ranges.slices)")
            }
        }
    }
}
