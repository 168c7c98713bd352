import Foundation
import Gossip
import Testing

/// The figures the issue asks for, measured on the simulator at the default configuration
/// (1 s probe period, 1–10 ms one-way delay, no loss) and printed for BENCHMARKS.md.
///
/// `CONTINUUM_GOSSIP_FIGURES` overrides the cases as `members:trials,...` (`scripts/bench-gossip`
/// runs `3:20,10:20,50:20`).
@Suite("Simulator figures")
struct FigureTests {
    static let cases: [(Int, Int)] = {
        let spec = ProcessInfo.processInfo.environment["CONTINUUM_GOSSIP_FIGURES"] ?? ""
        let parsed = spec.split(separator: ",").compactMap { item -> (Int, Int)? in
            let parts = item.split(separator: ":").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2, parts[0] >= 2, parts[1] >= 1 else { return nil }
            return (parts[0], parts[1])
        }
        return parsed.isEmpty ? [(5, 12), (10, 12), (50, 8)] : parsed
    }()

    private func seconds(_ duration: Duration?) -> Double {
        duration.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 } ?? .infinity
    }

    private func percentile(_ values: [Double], _ fraction: Double) -> Double {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * fraction + 0.5))]
    }

    @Test("detection time, false positives and bandwidth", arguments: FigureTests.cases)
    func figures(members: Int, trials: Int) throws {
        var settings = Simulation.Settings()
        settings.members = members
        settings.seed = UInt64(members) * 31
        let simulation = Simulation(settings)
        simulation.joinAll()
        let joinConverged = simulation.runUntilConverged(limit: .seconds(30))
        try #require(joinConverged != nil)
        simulation.run(for: .seconds(10))
        let bytesBefore = simulation.bytesSent.reduce(0, +)
        let window = 30.0
        simulation.run(for: .seconds(window))
        let bytesPerSecondPerMember = Double(simulation.bytesSent.reduce(0, +) - bytesBefore) / window / Double(members)

        var suspectTimes: [Double] = []
        var firstDeadTimes: [Double] = []
        var allDeadTimes: [Double] = []
        var convergeTimes: [Double] = []
        let observationsBefore = simulation.observations.count
        let bound = detectionBound(members: members, configuration: settings.configuration)
        for trial in 0..<trials {
            let victim = (trial * 7 + 1) % members
            let incarnation = simulation.instance(victim).localMember.incarnation
            let detection = simulation.measureDetection(of: victim, limit: bound)
            suspectTimes.append(seconds(detection.firstSuspect))
            firstDeadTimes.append(seconds(detection.firstDead))
            allDeadTimes.append(seconds(detection.allDead))
            simulation.restart(victim, incarnation: incarnation + 1)
            convergeTimes.append(seconds(simulation.runUntilConverged(limit: .seconds(30))))
            simulation.run(for: .seconds(2))
        }
        let falsePositives = simulation.falseDeaths(since: observationsBefore)
        print("""
            gossip-sim members=\(members) trials=\(trials) \
            join_converge_s=\(seconds(joinConverged)) \
            suspect_median_s=\(percentile(suspectTimes, 0.5)) suspect_worst_s=\(suspectTimes.max()!) \
            dead_first_median_s=\(percentile(firstDeadTimes, 0.5)) dead_first_worst_s=\(firstDeadTimes.max()!) \
            dead_all_median_s=\(percentile(allDeadTimes, 0.5)) dead_all_p95_s=\(percentile(allDeadTimes, 0.95)) dead_all_worst_s=\(allDeadTimes.max()!) \
            rejoin_converge_median_s=\(percentile(convergeTimes, 0.5)) rejoin_converge_worst_s=\(convergeTimes.max()!) \
            false_positives=\(falsePositives) bytes_per_s_per_member=\(Int(bytesPerSecondPerMember.rounded()))
            """)
        #expect(allDeadTimes.allSatisfy { $0 <= seconds(bound) })
        #expect(falsePositives == 0)
        #expect(bytesPerSecondPerMember < 1024)
    }
}
