/// The service's protocol core without I/O: it authenticates and decodes received datagrams,
/// drives the `GossipInstance`, and turns its outputs into sealed datagrams, membership events
/// and wake hints. Every refused datagram is counted by reason and goes no further.
struct GossipEngine: Sendable {
    /// What one step asks the shell to do.
    struct Effects: Sendable {
        /// Sealed datagrams and their destinations (`host:port`).
        var datagrams: [(bytes: [UInt8], address: String)] = []
        /// Membership changes, in order.
        var events: [MembershipEvent] = []
        /// Priorities of wake hints addressed to this peer.
        var wakes: [Int64] = []
    }

    private(set) var instance: GossipInstance
    private var sealer: DatagramSealer
    private(set) var dropCounts: [GossipDropReason: Int] = [:]

    init(instance: GossipInstance, sealer: DatagramSealer) {
        self.instance = instance
        self.sealer = sealer
    }

    mutating func join(seeds: [String], now: GossipInstant) -> Effects {
        effects(of: instance.join(seeds: seeds, now: now))
    }

    mutating func tick(now: GossipInstant) -> Effects {
        effects(of: instance.tick(now: now))
    }

    mutating func leave(now: GossipInstant) -> Effects {
        effects(of: instance.leave(now: now))
    }

    mutating func wake(memberID: String, priority: Int64) -> Effects {
        effects(of: instance.wake(memberID: memberID, priority: priority))
    }

    /// Opens, decodes and checks `datagram`, then hands the message to the instance.
    mutating func receive(_ datagram: [UInt8], now: GossipInstant) -> Effects {
        let message: GossipMessage
        do {
            let opened = try sealer.open(datagram)
            do {
                message = try WireCodec.decode(opened.payload, maxBytes: instance.configuration.maxDatagramBytes)
            } catch {
                return dropped(GossipDropReason(error))
            }
            guard message.sender.id == opened.sender else { return dropped(.senderMismatch) }
        } catch {
            return dropped(GossipDropReason(error))
        }
        var result = effects(of: instance.receive(message, now: now))
        if case .wake(let priority) = message.kind, !instance.isLeft, message.sender.id != instance.localID {
            result.wakes.append(priority)
        }
        return result
    }

    private mutating func dropped(_ reason: GossipDropReason) -> Effects {
        dropCounts[reason, default: 0] += 1
        return Effects()
    }

    private mutating func effects(of outputs: [GossipOutput]) -> Effects {
        var result = Effects()
        for output in outputs {
            switch output {
            case .send(let message, let address):
                result.datagrams.append((sealer.seal(WireCodec.encode(message)), address))
            case .event(let event):
                result.events.append(event)
            }
        }
        return result
    }
}
