import Foundation
import Gossip

/// How long the cluster took to notice one killed member.
struct Detection {
    /// From the kill to the first suspicion anywhere.
    let firstSuspect: Duration?
    /// From the kill to the first peer declaring it dead.
    let firstDead: Duration?
    /// From the kill to every running peer holding it dead.
    let allDead: Duration?
}

extension Simulation {
    /// Kills `victim`, runs until every running peer holds it dead (or `limit` passes) and
    /// reports the timings.
    func measureDetection(of victim: Int, limit: Duration) -> Detection {
        let killedAt = now
        let firstObservation = observations.count
        kill(victim)
        let end = now + limit.inNanoseconds
        while now < end, !runningIndices.allSatisfy({ state(of: victim, seenBy: $0) == .dead }) {
            run(for: .milliseconds(50))
        }
        let id = Simulation.id(victim)
        let seen = observations[firstObservation...].filter { $0.member == id }
        func since(_ time: Int64?) -> Duration? { time.map { .nanoseconds($0 - killedAt) } }
        let everyone = runningIndices.allSatisfy { state(of: victim, seenBy: $0) == .dead }
        return Detection(
            firstSuspect: since(seen.first { $0.state == .suspect }?.time),
            firstDead: since(seen.first { $0.state == .dead }?.time),
            allDead: everyone ? since(seen.filter { $0.state == .dead }.map(\.time).max()) : nil)
    }

    /// Deaths observed since `start` about members that were running at the time.
    func falseDeaths(since start: Int = 0) -> Int {
        observations[start...].filter { $0.state == .dead && $0.memberRunning }.count
    }
}

/// Detection bound derived from the configuration: a full probe round of the other members
/// (each of them probes the victim once per round), the longest suspicion timeout, and a few
/// periods of dissemination.
func detectionBound(members: Int, configuration: GossipTuning) -> Duration {
    let period = configuration.probeInterval.inSeconds
    let suspicion = configuration.suspicionMinMultiplier * max(1, log10(Double(members))) * configuration.suspicionMaxMultiplier * period
    return .seconds(Double(members) * period + suspicion + 3 * period)
}
