/// Tuning of the SWIM + Lifeguard state machine. The defaults aim at a LAN: a member killed with
/// `kill -9` is declared dead by everyone within a few seconds at a 1 s probe period.
public struct GossipTuning: Sendable, Hashable {
    /// The protocol period: one probe per member per period (stretched by the local health
    /// multiplier).
    public var probeInterval: Duration = .seconds(1)
    /// How long a direct ping waits for its ack before indirect probes go out (stretched by the
    /// local health multiplier).
    public var probeTimeout: Duration = .milliseconds(400)
    /// How many members relay an indirect probe (`k` in SWIM).
    public var indirectProbeCount = 3
    /// Lifeguard's α: the minimum suspicion timeout is `α · max(1, log10(n)) · probeInterval`.
    public var suspicionMinMultiplier = 2.0
    /// Lifeguard's β: the maximum suspicion timeout is `β ·` the minimum.
    public var suspicionMaxMultiplier = 3.0
    /// Lifeguard's K: independent confirmations that shrink a suspicion to its minimum timeout.
    public var suspicionConfirmations = 3
    /// Lifeguard's local health multiplier saturates at this value (timeouts are multiplied by
    /// `1 + score`).
    public var maxLocalHealth = 8
    /// λ: each membership update is piggybacked up to `λ · ceil(log10(n + 1))` times.
    public var retransmitMultiplier = 4
    /// How often a random alive member receives this peer's full state (push-pull).
    public var syncInterval: Duration = .seconds(20)
    /// How often a random dead member receives this peer's full state, so that the two sides of
    /// a healed partition find each other again.
    public var reconnectInterval: Duration = .seconds(10)
    /// How often a peer that knows nobody yet repeats its join to the seeds.
    public var joinRetryInterval: Duration = .seconds(1)
    /// Dead and departed members are forgotten this long after they were declared so.
    public var deadMemberRetention: Duration = .seconds(3600)
    /// Upper bound of a sealed datagram on the wire, authentication included.
    public var maxDatagramBytes = 1400

    /// The default configuration.
    public init() {}
}
