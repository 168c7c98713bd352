import Gossip
import Testing

@Suite("Simulated clusters")
struct SimulationTests {
    @Test("views converge after joining through one seed", arguments: [5, 50])
    func convergesAfterJoin(members: Int) {
        var settings = Simulation.Settings()
        settings.members = members
        settings.seed = UInt64(members)
        settings.maximumDelay = .milliseconds(20)
        let simulation = Simulation(settings)
        simulation.joinAll()
        let took = simulation.runUntilConverged(limit: .seconds(30))
        #expect(took != nil)
        let view = simulation.instance(0).membership
        #expect(view.members.count == members)
        #expect(view.members.allSatisfy { $0.state == .alive })
        #expect(simulation.oversizedDatagrams == 0)
        #expect(simulation.codecMismatches == 0)
    }

    @Test("a killed member is declared dead by everyone within the bound", arguments: [10, 50])
    func detectsKilledMember(members: Int) throws {
        var settings = Simulation.Settings()
        settings.members = members
        settings.seed = 7
        let simulation = Simulation(settings)
        simulation.joinAll()
        try #require(simulation.runUntilConverged(limit: .seconds(20)) != nil)
        simulation.run(for: .seconds(5))
        let bound = detectionBound(members: members, configuration: settings.configuration)
        let detection = simulation.measureDetection(of: members / 2, limit: bound)
        let allDead = try #require(detection.allDead)
        #expect(allDead <= bound)
        #expect(simulation.falseDeaths() == 0)
    }

    @Test("under 20 % loss a live member may be suspected but ends alive everywhere")
    func noPermanentFalsePositivesUnderLoss() throws {
        var settings = Simulation.Settings()
        settings.members = 40
        settings.seed = 11
        settings.loss = 0.2
        settings.maximumDelay = .milliseconds(40)
        let simulation = Simulation(settings)
        simulation.joinAll()
        simulation.run(for: .seconds(60))
        print("gossip-sim members=40 loss=0.2 window_s=60 false_deaths=\(simulation.falseDeaths()) refutations=\(simulation.runningIndices.map { simulation.instance($0).statistics.refutations }.reduce(0, +))")
        // Loss stops; every suspicion must be refuted and every view converge on all-alive.
        simulation.setLoss(0)
        try #require(simulation.runUntilConverged(limit: .seconds(40)) != nil)
        let view = simulation.instance(0).membership
        #expect(view.members.count == settings.members)
        #expect(view.members.allSatisfy { $0.state == .alive })
    }

    @Test("a partition marks the other side dead; after the heal all views converge on all-alive")
    func partitionAndHeal() throws {
        var settings = Simulation.Settings()
        settings.members = 20
        settings.seed = 3
        settings.maximumDelay = .milliseconds(30)
        let simulation = Simulation(settings)
        simulation.joinAll()
        try #require(simulation.runUntilConverged(limit: .seconds(20)) != nil)
        simulation.partition { $0 % 2 }
        simulation.run(for: .seconds(40))
        #expect(simulation.state(of: 1, seenBy: 0) == .dead)
        #expect(simulation.state(of: 0, seenBy: 1) == .dead)
        simulation.heal()
        try #require(simulation.runUntilConverged(limit: .seconds(90)) != nil)
        #expect(simulation.instance(0).membership.members.allSatisfy { $0.state == .alive })
    }

    @Test("a peer that was cut off and buried the others does not make the healthy side bury each other when it heals")
    func healedPeerDoesNotPoisonTheMajority() throws {
        var settings = Simulation.Settings()
        settings.members = 5
        settings.seed = 17
        let simulation = Simulation(settings)
        simulation.joinAll()
        try #require(simulation.runUntilConverged(limit: .seconds(20)) != nil)
        simulation.partition { $0 == 0 ? 1 : 0 }
        simulation.run(for: .seconds(30))
        #expect(simulation.state(of: 1, seenBy: 0) == .dead)
        #expect(simulation.state(of: 0, seenBy: 1) == .dead)
        let healedAt = simulation.observations.count
        simulation.heal()
        try #require(simulation.runUntilConverged(limit: .seconds(60)) != nil)
        let majority = Set((1..<settings.members).map { simulation.instance($0).localMember.id })
        let buried = simulation.observations[healedAt...].filter {
            $0.state == .dead && majority.contains($0.member) && $0.observer != 0
        }
        #expect(buried.isEmpty, "majority members buried after the heal: \(buried.map { "\($0.member) by \($0.observer)" })")
    }

    @Test("after kills, leaves and restarts all views converge on the right states")
    func churn() throws {
        var settings = Simulation.Settings()
        settings.members = 30
        settings.seed = 5
        settings.loss = 0.05
        let simulation = Simulation(settings)
        simulation.joinAll()
        try #require(simulation.runUntilConverged(limit: .seconds(20)) != nil)
        let before = simulation.instance(4).localMember.incarnation
        for victim in [3, 4, 5] { simulation.kill(victim) }
        simulation.leave(6)
        simulation.leave(7)
        simulation.run(for: .seconds(20))
        simulation.restart(4, incarnation: before + 100)
        try #require(simulation.runUntilConverged(limit: .seconds(60)) != nil)
        let view = simulation.instance(0).membership
        #expect(view.member(id: Simulation.id(3))?.state == .dead)
        #expect(view.member(id: Simulation.id(5))?.state == .dead)
        #expect(view.member(id: Simulation.id(6))?.state == .left)
        #expect(view.member(id: Simulation.id(4))?.state == .alive)
        #expect((view.member(id: Simulation.id(4))?.incarnation ?? 0) > before)
        #expect(view.alive.count == settings.members - 4)
    }

    @Test("200 members with 20 % loss and delays converge and detect a kill")
    func largeLossyCluster() throws {
        var settings = Simulation.Settings()
        settings.members = 200
        settings.seed = 200
        settings.loss = 0.2
        settings.maximumDelay = .milliseconds(50)
        let simulation = Simulation(settings)
        simulation.joinAll(spread: .seconds(2))
        simulation.run(for: .seconds(10))
        let bound = detectionBound(members: settings.members, configuration: settings.configuration)
        let detection = simulation.measureDetection(of: 123, limit: bound)
        #expect(detection.allDead != nil)
        simulation.setLoss(0)
        try #require(simulation.runUntilConverged(limit: .seconds(40)) != nil)
        let view = simulation.instance(0).membership
        #expect(view.alive.count == settings.members - 1)
        #expect(view.member(id: Simulation.id(123))?.state == .dead)
        #expect(simulation.oversizedDatagrams == 0)
    }
}
