/// What the state machine asks its driver to do.
public enum GossipOutput: Sendable, Hashable {
    /// Encode (`WireCodec.encode`), seal (`DatagramSealer.seal`) and send `message` to `address`.
    case send(GossipMessage, to: String)
    /// A member changed state (or appeared) in the local view.
    case event(MembershipEvent)
}

/// Counters of notable protocol events since the instance started.
public struct GossipStatistics: Sendable, Hashable {
    /// Probes that ended without an ack, direct or indirect.
    public var failedProbes = 0
    /// Probes that needed relays.
    public var indirectProbes = 0
    /// Times this peer raised its incarnation to refute a suspicion or death about itself.
    public var refutations = 0
    /// Members this peer started to suspect after a failed probe.
    public var suspicionsRaised = 0
}

/// Why an instance could not be created.
public enum GossipSetupError: Error, Sendable, Hashable {
    /// The id is empty or longer than `Member.maxIDBytes`.
    case invalidID
    /// The address is empty or longer than `Member.maxAddressBytes`.
    case invalidAddress
    /// `maxDatagramBytes` minus the sealing overhead is below `minimumPayloadBudget`.
    case datagramBudgetTooSmall
    /// An interval or timeout is not positive, or the probe timeout exceeds the probe interval.
    case invalidTimings
}
