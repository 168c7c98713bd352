/// The kinds of fault a chaos run injects.
public enum FaultKind: String, CaseIterable, Sendable, Comparable {
    /// `kill -9` of a peer, restarted under the same id after `hold`.
    case kill
    /// SIGSTOP of a peer for `hold` (longer than the lease TTL), then SIGCONT.
    case pause
    /// The peer's link cut (from the other peers and from the database) for `hold`, then restored.
    case partition
    /// The peer and the other peers cannot reach each other for `hold` (routes blackholed both
    /// ways) while all keep the database: each side declares the other dead and revokes its
    /// leases, and only fencing keeps the results right.
    case gossipPartition = "gossip-partition"
    /// `pg_ctl restart` of the database.
    case databaseRestart = "database-restart"
    /// `kill -9` of the OCI runtime process (`variant` 0) or of the container's init (`variant` 1)
    /// of a sandbox that is running a task.
    case sandboxKill = "sandbox-kill"

    public static func < (lhs: FaultKind, rhs: FaultKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// One planned fault.
public struct Fault: Sendable, Equatable, CustomStringConvertible {
    /// Position in the plan, from 1.
    public var number: Int
    /// When to inject it, from the start of the run (not before; the run may be late).
    public var at: Duration
    public var kind: FaultKind
    /// The peer it hits, from 1 (unused by `databaseRestart`; a preference for `sandboxKill`,
    /// which takes the next peer with a running task when this one has none).
    public var peer: Int
    /// How long the fault lasts before it is healed (restart delay, stop, cut); zero for
    /// instantaneous faults.
    public var hold: Duration
    /// `sandboxKill`: 0 kills the runtime process, 1 the container's init.
    public var variant: Int

    public var description: String {
        let seconds = { (duration: Duration) in String(format: "%.1f s", duration.seconds) }
        switch kind {
        case .kill: return "kill -9 of peer \(peer), restarted after \(seconds(hold))"
        case .pause: return "SIGSTOP of peer \(peer) for \(seconds(hold)), then SIGCONT"
        case .partition: return "peer \(peer) cut off from the peers and the database for \(seconds(hold))"
        case .gossipPartition: return "peer \(peer) and the other peers cut off from each other (not from the database) for \(seconds(hold))"
        case .databaseRestart: return "PostgreSQL restart"
        case .sandboxKill: return "kill -9 of a busy sandbox's \(variant == 0 ? "runtime (runc)" : "container init") on peer \(peer)"
        }
    }
}

extension Duration {
    /// The duration in seconds as a `Double`.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

/// Draws a run's faults from a seed: one at a time, each kind once per cycle in a shuffled order
/// (so even a short run sees every kind), with a random pause between the heal of one and the
/// start of the next.
public enum FaultPlan {
    /// The plan for a run of `duration` over `peers` peers whose leases last `leaseTTL`. The first
    /// fault comes after `warmUp`; none is planned to end in the last `coolDown`.
    public static func make(
        seed: UInt64, duration: Duration, peers: Int, leaseTTL: Duration,
        warmUp: Duration = .seconds(5), coolDown: Duration = .seconds(5)
    ) -> [Fault] {
        precondition(peers >= 1)
        var random = ChaosRandom(seed: seed ^ 0xFA17)
        var faults: [Fault] = []
        var cycle: [FaultKind] = []
        var at = warmUp
        while true {
            if cycle.isEmpty { cycle = FaultKind.allCases.shuffled(using: &random) }
            let kind = cycle.removeFirst()
            let hold: Duration
            switch kind {
            case .kill: hold = random.duration(0.5...3)
            case .pause: hold = leaseTTL + random.duration(1...3)
            case .partition, .gossipPartition: hold = random.duration(5...9)
            case .databaseRestart, .sandboxKill: hold = .zero
            }
            guard at + hold <= duration - coolDown else { break }
            faults.append(Fault(
                number: faults.count + 1, at: at, kind: kind, peer: Int.random(in: 1...peers, using: &random),
                hold: hold, variant: Int.random(in: 0...1, using: &random)))
            at += hold + random.duration(2...5)
        }
        return faults
    }
}
