import ChaosKit
import Testing

@Suite("Chaos fault plan and task mix")
struct FaultPlanTests {
    @Test("the same seed gives the same plan; another seed a different one")
    func planReplays() {
        let plan = FaultPlan.make(seed: 7, duration: .seconds(600), peers: 5, leaseTTL: .seconds(3))
        #expect(plan == FaultPlan.make(seed: 7, duration: .seconds(600), peers: 5, leaseTTL: .seconds(3)))
        #expect(plan != FaultPlan.make(seed: 8, duration: .seconds(600), peers: 5, leaseTTL: .seconds(3)))
    }

    @Test("a 10-minute plan has at least 50 faults of every kind, one at a time, all inside the run",
          arguments: [1, 2, 3, 42, 1234] as [UInt64])
    func longPlanShape(seed: UInt64) {
        let ttl = Duration.seconds(3)
        let plan = FaultPlan.make(seed: seed, duration: .seconds(600), peers: 5, leaseTTL: ttl)
        #expect(plan.count >= 50)
        #expect(Set(plan.map(\.kind)) == Set(FaultKind.allCases))
        #expect(plan.allSatisfy { (1...5).contains($0.peer) && $0.at + $0.hold <= .seconds(595) })
        for (earlier, later) in zip(plan, plan.dropFirst()) {
            #expect(earlier.at + earlier.hold + .seconds(2) <= later.at, "fault \(later.number) overlaps fault \(earlier.number)")
        }
        #expect(plan.filter { $0.kind == .pause }.allSatisfy { $0.hold > ttl }, "a pause must outlast the lease")
        #expect(plan.map(\.number) == Array(1...plan.count))
    }

    @Test("a one-minute plan still hits every kind of fault")
    func shortPlanCoversEveryKind() {
        for seed in UInt64(1)...20 {
            let plan = FaultPlan.make(seed: seed, duration: .seconds(60), peers: 3, leaseTTL: .seconds(3))
            #expect(plan.count >= FaultKind.allCases.count, "seed \(seed): \(plan)")
            #expect(Set(plan.prefix(FaultKind.allCases.count).map(\.kind)) == Set(FaultKind.allCases), "seed \(seed): \(plan)")
        }
    }

    @Test("the task mix is deterministic, covers every kind near its weight and names tasks so they map back")
    func workloadMix() {
        let tasks = (0..<2000).map { Workload.task($0, seed: 99) }
        #expect(tasks == (0..<2000).map { Workload.task($0, seed: 99) })
        var counts: [TaskKind: Int] = [:]
        for task in tasks { counts[task.kind, default: 0] += 1 }
        #expect(Set(counts.keys) == Set(TaskKind.allCases))
        #expect((800...1000).contains(counts[.instant] ?? 0))
        #expect((60...180).contains(counts[.timingOut] ?? 0))
        #expect(tasks.allSatisfy { Workload.index(ofName: $0.name) == $0.index })
        #expect(Workload.index(ofName: "other-3") == nil)
        #expect(tasks.filter { $0.kind == .timingOut }.allSatisfy { $0.timeoutSeconds == 1 })
    }
}
