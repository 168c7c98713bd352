/// The SWIM + Lifeguard membership protocol as a pure state machine.
///
/// It owns no socket, clock or entropy: the driver passes the current instant into every call,
/// a seed at creation, and each received message; every call returns the messages to send and
/// the membership events it caused. The driver calls `tick(now:)` at `nextDeadline` (or
/// earlier: extra ticks are harmless).
public struct GossipInstance: Sendable {
    struct Record: Sendable {
        var member: Member
        var changedAt: GossipInstant
    }

    struct Probe: Sendable {
        let targetID: String
        let incarnation: UInt64
        let sequence: UInt32
        let directDeadline: GossipInstant
        let periodEnd: GossipInstant
        var indirectSent = false
        var expectedNacks = 0
        var nacks = 0
    }

    struct Relay: Sendable {
        let requesterID: String
        let requesterAddress: String
        let sequence: UInt32
        let deadline: GossipInstant
    }

    /// The smallest payload budget that fits a header, a ping-req and the largest record, all
    /// with ids and addresses of the maximum length.
    public static let minimumPayloadBudget = 512

    /// The tuning in force.
    public let configuration: GossipTuning
    /// This peer's id.
    public let localID: String
    /// The largest encoded message this peer sends, so that sealed datagrams stay within
    /// `configuration.maxDatagramBytes`.
    public let payloadBudget: Int
    /// Counters of notable protocol events.
    public internal(set) var statistics = GossipStatistics()

    var records: [String: Record] = [:]
    var suspicions: [String: Suspicion] = [:]
    var dissemination = DisseminationQueue()
    var health: LocalHealth
    var random: GossipRandom
    var probeOrder: [String] = []
    var probeIndex = 0
    var probe: Probe?
    var nextProbeAt: GossipInstant
    var relays: [UInt32: Relay] = [:]
    var nextSequence: UInt32 = 0
    var nextSyncAt: GossipInstant
    var nextReconnectAt: GossipInstant
    var seeds: [String] = []
    var nextJoinAt: GossipInstant?
    var hasLeft = false
    /// Members alive or suspect, the local one included.
    var activeCount = 1
    var outbox: [GossipOutput] = []

    /// Creates the state machine of the local member.
    ///
    /// - Parameters:
    ///   - incarnation: must exceed any incarnation of a previous run under the same id (the
    ///     shell passes its boot wall-clock time in milliseconds); refutations raise it further.
    ///   - seed: drives every random choice (probe order, relays, sync partners).
    ///   - now: the driver's current instant.
    public init(
        id: String, address: String, slots: UInt32, incarnation: UInt64, seed: UInt64,
        now: GossipInstant, configuration: GossipTuning = GossipTuning()
    ) throws(GossipSetupError) {
        guard !id.isEmpty, id.utf8.count <= Member.maxIDBytes else { throw .invalidID }
        guard !address.isEmpty, address.utf8.count <= Member.maxAddressBytes else { throw .invalidAddress }
        guard configuration.probeInterval > .zero, configuration.probeTimeout > .zero,
              configuration.probeTimeout <= configuration.probeInterval, configuration.syncInterval > .zero,
              configuration.reconnectInterval > .zero, configuration.joinRetryInterval > .zero else {
            throw .invalidTimings
        }
        let budget = configuration.maxDatagramBytes - DatagramSealer.overhead(senderID: id)
        guard budget >= Self.minimumPayloadBudget else { throw .datagramBudgetTooSmall }
        self.configuration = configuration
        localID = id
        payloadBudget = budget
        health = LocalHealth(maximum: configuration.maxLocalHealth)
        random = GossipRandom(seed: seed)
        records[id] = Record(
            member: Member(id: id, address: address, state: .alive, incarnation: incarnation, slots: slots),
            changedAt: now)
        nextProbeAt = now.advanced(by: configuration.probeInterval.scaled(by: Double.random(in: 0..<1, using: &random)))
        nextSyncAt = now.advanced(by: configuration.syncInterval.scaled(by: Double.random(in: 0.5..<1.5, using: &random)))
        nextReconnectAt = now.advanced(by: configuration.reconnectInterval.scaled(by: Double.random(in: 0.5..<1.5, using: &random)))
    }

    /// The local member's current record.
    public var localMember: Member { records[localID]!.member }

    /// The local view, sorted by id.
    public var membership: Membership { Membership(members: records.values.map(\.member)) }

    /// The local record of member `id`, if known.
    public func member(id: String) -> Member? {
        records[id]?.member
    }

    /// Lifeguard's local health score (0 when healthy); timeouts are multiplied by `1 + score`.
    public var localHealthScore: Int { health.score }

    /// Whether the local member has left the cluster; a departed instance stays silent.
    public var isLeft: Bool { hasLeft }

    /// The latest instant by which the driver must call `tick(now:)`.
    public var nextDeadline: GossipInstant {
        guard !hasLeft else { return GossipInstant(nanoseconds: .max) }
        var deadline = min(nextProbeAt, nextSyncAt, nextReconnectAt)
        if let probe {
            deadline = min(deadline, probe.indirectSent ? probe.periodEnd : probe.directDeadline)
        }
        if let nextJoinAt { deadline = min(deadline, nextJoinAt) }
        for relay in relays.values { deadline = min(deadline, relay.deadline) }
        for suspicion in suspicions.values { deadline = min(deadline, suspicion.deadline) }
        return deadline
    }

    /// Joins the cluster through `seeds` (addresses; the local one is skipped), retrying until
    /// some member answers. With no seeds the local member starts a cluster of its own.
    public mutating func join(seeds: [String], now: GossipInstant) -> [GossipOutput] {
        guard !hasLeft else { return [] }
        self.seeds = seeds.filter { $0 != localMember.address }
        if !self.seeds.isEmpty {
            sendJoins()
            nextJoinAt = now.advanced(by: configuration.joinRetryInterval)
        }
        return takeOutputs()
    }

    /// Advances timers: probes, indirect probes, relays, suspicions, syncs, join retries.
    public mutating func tick(now: GossipInstant) -> [GossipOutput] {
        guard !hasLeft else { return [] }
        expireRelays(now: now)
        expireSuspicions(now: now)
        advanceProbe(now: now)
        advanceSync(now: now)
        retryJoin(now: now)
        return takeOutputs()
    }

    /// Handles a message that the driver authenticated and decoded.
    public mutating func receive(_ message: GossipMessage, now: GossipInstant) -> [GossipOutput] {
        guard !hasLeft, message.sender.id != localID else { return [] }
        apply(MembershipUpdate(member: message.sender), now: now)
        for update in message.updates { apply(update, now: now) }
        let sender = message.sender
        switch message.kind {
        case .ping(let sequence):
            send(.ack(sequence: sequence), to: sender.address, aboutMember: sender.id)
        case .pingRequest(let sequence, let targetID, let targetAddress):
            relay(sequence: sequence, targetID: targetID, targetAddress: targetAddress, requester: sender, now: now)
        case .ack(let sequence):
            acknowledge(sequence: sequence, now: now)
        case .nack(let sequence):
            nacked(sequence: sequence, now: now)
        case .join:
            sendFullState(to: sender.address, wantsReply: false)
        case .sync(let members, let wantsReply):
            for update in members { apply(update, now: now) }
            if wantsReply { sendFullState(to: sender.address, wantsReply: false) }
        case .wake:
            break
        }
        return takeOutputs()
    }

    /// Leaves gracefully: announces `left` under a new incarnation to several members, then
    /// stays silent.
    public mutating func leave(now: GossipInstant) -> [GossipOutput] {
        guard !hasLeft else { return [] }
        var me = localMember
        me.incarnation += 1
        me.state = .left
        put(me, now: now)
        let others = records.values.filter { $0.member.id != localID && $0.member.state.isActive }
            .map(\.member).sorted { String.idOrder($0.id, $1.id) }.shuffled(using: &random)
        let announcement = GossipMessage.Kind.sync(members: [MembershipUpdate(member: me)], wantsReply: false)
        for member in others.prefix(max(configuration.indirectProbeCount, retransmitLimit)) {
            send(announcement, to: member.address, aboutMember: nil)
        }
        hasLeft = true
        return takeOutputs()
    }

    mutating func takeOutputs() -> [GossipOutput] {
        defer { outbox.removeAll(keepingCapacity: true) }
        return outbox
    }
}
