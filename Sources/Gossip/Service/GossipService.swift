import Foundation
import Settings
import Synchronization

/// Why a `GossipService` could not start.
public enum GossipServiceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `start()` was called twice, or after a stop.
    case alreadyStarted
    /// The UDP socket could not be bound, or the bind address's host name did not resolve.
    case bindFailed(address: String, reason: String)
    /// The protocol refused the identity or the timings.
    case setup(GossipSetupError)

    public var description: String {
        switch self {
        case .alreadyStarted:
            "the gossip service was already started"
        case .bindFailed(let address, let reason):
            "cannot bind the gossip socket to \(address) (CONTINUUM_GOSSIP_BIND): \(reason)"
        case .setup(let error):
            "the gossip protocol refused its setup (node id, advertised address or timings): \(error)"
        }
    }
}

/// Membership over authenticated UDP: a `GossipInstance` driven by a libuv loop on a thread of
/// its own, with the real monotonic clock.
///
/// Received datagrams are opened with the cluster key, decoded and checked (the message's
/// sender must be the authenticated one) before the protocol sees them; anything else is dropped
/// and counted in `dropCounts`. Membership changes arrive on `events`, wake hints addressed to
/// this peer on `wakes`. Nothing here blocks Swift's cooperative pool: the protocol runs under a
/// short lock on the loop thread, and callers only queue work for it.
public final class GossipService: Sendable {
    private enum Phase: Sendable {
        case idle
        case running(UDPLoop, GossipEngine)
        case stopped(GossipEngine?, UDPLoop?)
    }

    /// The configuration in force.
    public let configuration: GossipConfiguration
    /// Membership changes (a member appeared or changed state), in the order they happened. The
    /// stream ends when the service stops; one consumer.
    public let events: AsyncStream<MembershipEvent>
    /// Priorities of wake hints addressed to this peer (sent by others or by itself). The stream
    /// ends when the service stops; one consumer.
    public let wakes: AsyncStream<Int>

    private let eventSink: AsyncStream<MembershipEvent>.Continuation
    private let wakeSink: AsyncStream<Int>.Continuation
    private let origin = ContinuousClock.now
    private let phase = Mutex(Phase.idle)

    /// Creates a stopped service; `start()` binds the socket and joins the seeds.
    public init(configuration: GossipConfiguration) {
        self.configuration = configuration
        (events, eventSink) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(4096))
        (wakes, wakeSink) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(4096))
    }

    /// Reads the configuration from the environment (see `GossipConfiguration.fromEnvironment`);
    /// `nil` when gossip is off.
    public static func fromEnvironment(
        _ env: [String: String], nodeID: String, slots: UInt32
    ) throws(ConfigurationError) -> GossipService? {
        try GossipConfiguration.fromEnvironment(env, nodeID: nodeID, slots: slots).map(GossipService.init)
    }

    deinit {
        if case .running(let loop, _) = phase.withLock({ $0 }) { loop.requestStop() }
        eventSink.finish()
        wakeSink.finish()
    }

    /// Starts the loop thread, binds the socket (a host name is looked up without blocking) and
    /// joins the seeds. Returns once the socket is bound; joining continues in the background.
    public func start() async throws(GossipServiceError) {
        guard case .idle = phase.withLock({ $0 }) else { throw .alreadyStarted }
        let bind = HostPort(configuration.bind)!
        let loop: UDPLoop
        do {
            loop = try await UDPLoop.bind(
                bind, onDatagram: { [weak self] bytes in self?.received(bytes) }, onTimer: { [weak self] in self?.timerFired() })
        } catch {
            throw .bindFailed(address: configuration.bind, reason: error.description)
        }
        let now = now()
        let instance: GossipInstance
        do {
            instance = try GossipInstance(
                id: configuration.nodeID, address: advertisedAddress(boundPort: loop.port), slots: configuration.slots,
                incarnation: Self.wallClockNanoseconds() / 1_000_000, seed: .random(in: .min ... .max), now: now,
                configuration: configuration.tuning)
        } catch {
            loop.requestStop()
            throw .setup(error)
        }
        let sealer = DatagramSealer(
            key: configuration.clusterKey, senderID: configuration.nodeID, epoch: Self.wallClockNanoseconds(),
            maxDatagramBytes: configuration.tuning.maxDatagramBytes)
        try phase.withLock { (phase) throws(GossipServiceError) in
            guard case .idle = phase else {
                loop.requestStop()
                throw .alreadyStarted
            }
            var engine = GossipEngine(instance: instance, sealer: sealer)
            apply(engine.join(seeds: configuration.seeds, now: now), through: loop, deadline: engine.instance.nextDeadline, now: now)
            phase = .running(loop, engine)
        }
        loop.start()
    }

    /// Leaves gracefully: announces `left` to several members, then closes the socket. The
    /// others show this peer as `left` at once instead of suspecting it.
    public func leave() async {
        await shutDown(leaving: true)
    }

    /// Closes the socket without a word to the others, who will suspect this peer and declare
    /// it dead (what a crash looks like to them).
    public func stop() async {
        await shutDown(leaving: false)
    }

    /// The local view, sorted by id (empty before `start()`; frozen after a stop).
    public var membership: Membership {
        phase.withLock { phase in
            switch phase {
            case .idle, .stopped(nil, _): Membership(members: [])
            case .running(_, let engine), .stopped(let engine?, _): engine.instance.membership
            }
        }
    }

    /// The local member's record (`nil` before `start()`): its advertised address and
    /// incarnation.
    public var localMember: Member? {
        membership.member(id: configuration.nodeID)
    }

    /// Dropped datagrams by reason since `start()`.
    public var dropCounts: [GossipDropReason: Int] {
        phase.withLock { phase in
            switch phase {
            case .idle, .stopped(nil, _): [:]
            case .running(_, let engine), .stopped(let engine?, _): engine.dropCounts
            }
        }
    }

    /// Datagrams not sent since `start()` because their destination was malformed or its host
    /// name did not resolve.
    public var unresolvedSends: Int {
        phase.withLock { phase in
            switch phase {
            case .idle, .stopped(_, nil): 0
            case .running(let loop, _), .stopped(_, let loop?): loop.unresolvedDrops
            }
        }
    }

    /// Sends a wake hint for `priority` to `memberID` (the owner of that priority). A hint to
    /// the local member goes straight to `wakes`. Returns `false` when the member is unknown,
    /// not alive or suspect, or the service is not running: the caller then relies on polling.
    @discardableResult
    public func sendWake(to memberID: String, priority: Int) -> Bool {
        phase.withLock { phase in
            guard case .running(let loop, var engine) = phase else { return false }
            if memberID == configuration.nodeID {
                wakeSink.yield(priority)
                return true
            }
            let now = now()
            let effects = engine.wake(memberID: memberID, priority: Int64(priority))
            apply(effects, through: loop, deadline: engine.instance.nextDeadline, now: now)
            phase = .running(loop, engine)
            return !effects.datagrams.isEmpty
        }
    }

    // MARK: - Loop thread

    private func received(_ datagram: [UInt8]) {
        step { engine, now in engine.receive(datagram, now: now) }
    }

    private func timerFired() {
        step { engine, now in engine.tick(now: now) }
    }

    private func step(_ body: (inout GossipEngine, GossipInstant) -> GossipEngine.Effects) {
        phase.withLock { phase in
            guard case .running(let loop, var engine) = phase else { return }
            let now = now()
            let effects = body(&engine, now)
            apply(effects, through: loop, deadline: engine.instance.nextDeadline, now: now)
            phase = .running(loop, engine)
        }
    }

    // MARK: - Helpers

    private func shutDown(leaving: Bool) async {
        let loop = phase.withLock { phase -> UDPLoop? in
            switch phase {
            case .idle:
                phase = .stopped(nil, nil)
                return nil
            case .stopped:
                return nil
            case .running(let loop, var engine):
                if leaving {
                    let now = now()
                    apply(engine.leave(now: now), through: loop, deadline: engine.instance.nextDeadline, now: now)
                }
                phase = .stopped(engine, loop)
                return loop
            }
        }
        await loop?.stop()
        eventSink.finish()
        wakeSink.finish()
    }

    /// Sends the datagrams, publishes events and wakes, and re-arms the timer. Called under the
    /// lock, so that events keep their order across threads.
    private func apply(_ effects: GossipEngine.Effects, through loop: UDPLoop, deadline: GossipInstant, now: GossipInstant) {
        for datagram in effects.datagrams { loop.send(datagram.bytes, to: datagram.address) }
        for event in effects.events { eventSink.yield(event) }
        for priority in effects.wakes { wakeSink.yield(Int(truncatingIfNeeded: priority)) }
        if deadline.nanoseconds < Int64.max { loop.schedule(after: deadline.duration(since: now)) }
    }

    private func advertisedAddress(boundPort: UInt16) -> String {
        if let advertised = configuration.advertisedAddress, let address = HostPort(advertised) {
            return address.port == 0 ? HostPort(host: address.host, port: boundPort).description : advertised
        }
        let bind = HostPort(configuration.bind)!
        let host = bind.isWildcard ? ProcessInfo.processInfo.hostName : bind.host
        return HostPort(host: host, port: boundPort).description
    }

    private func now() -> GossipInstant {
        GossipInstant(nanoseconds: origin.duration(to: .now).nanoseconds)
    }

    private static func wallClockNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
