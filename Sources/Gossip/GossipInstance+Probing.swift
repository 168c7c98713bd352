extension GossipInstance {
    /// Runs the probe of the current protocol period: direct ping, indirect pings after the
    /// probe timeout, suspicion at the end of the period (or as soon as every relay nacked); then
    /// starts the next period.
    mutating func advanceProbe(now: GossipInstant) {
        if var current = probe {
            if !current.indirectSent, now >= current.directDeadline {
                sendIndirectProbes(&current)
            }
            if now >= current.periodEnd {
                probe = nil
                probeFailed(current, now: now)
            } else {
                probe = current
            }
        }
        guard probe == nil, now >= nextProbeAt else { return }
        pruneDeparted(now: now)
        nextProbeAt = now.advanced(by: health.scale(configuration.probeInterval))
        guard let target = nextProbeTarget() else { return }
        let sequence = takeSequence()
        probe = Probe(
            targetID: target.id, incarnation: target.incarnation, sequence: sequence,
            directDeadline: now.advanced(by: health.scale(configuration.probeTimeout)),
            periodEnd: nextProbeAt)
        send(.ping(sequence: sequence), to: target.address, aboutMember: target.id)
    }

    /// Round-robin over a shuffled list of the active members. The order is kept from pass to pass
    /// (new members go in at a random place), so every member is probed once every `n - 1`
    /// periods; reshuffling each pass, as the SWIM paper does, lets the gap reach `2n - 3` periods,
    /// which in a 3-member cluster pushed detection of a kill past 5 s one time in ten.
    private mutating func nextProbeTarget() -> Member? {
        var restarted = false
        while true {
            if probeIndex >= probeOrder.count {
                guard !restarted else { return nil }
                restarted = true
                compactProbeOrder()
                probeIndex = 0
                if probeOrder.isEmpty { return nil }
            }
            let id = probeOrder[probeIndex]
            probeIndex += 1
            if let member = records[id]?.member, member.state.isActive, id != localID { return member }
        }
    }

    /// Drops departed and duplicate entries from the probe order and appends, shuffled, any
    /// active member it lacks.
    private mutating func compactProbeOrder() {
        var seen: Set<String> = [localID]
        probeOrder = probeOrder.filter { records[$0]?.member.state.isActive == true && seen.insert($0).inserted }
        let missing = records.values.filter { seen.insert($0.member.id).inserted && $0.member.state.isActive }
            .map(\.member.id).sorted(by: String.idOrder).shuffled(using: &random)
        probeOrder.append(contentsOf: missing)
    }

    private mutating func sendIndirectProbes(_ current: inout Probe) {
        current.indirectSent = true
        guard let target = records[current.targetID]?.member else { return }
        var candidates: [Member] = []
        var seen: Set<String> = [localID, target.id]
        for id in probeOrder where seen.insert(id).inserted {
            if let member = records[id]?.member, member.state == .alive { candidates.append(member) }
        }
        let relays = sample(candidates, upTo: configuration.indirectProbeCount)
        current.expectedNacks = relays.count
        if !relays.isEmpty { statistics.indirectProbes += 1 }
        for relay in relays {
            send(.pingRequest(sequence: current.sequence, targetID: target.id, targetAddress: target.address),
                 to: relay.address, aboutMember: relay.id)
        }
    }

    /// No ack by the end of the period: this peer may be the slow one (Lifeguard raises its
    /// health score, more so when relays did not even nack), and the target becomes suspect.
    private mutating func probeFailed(_ failed: Probe, now: GossipInstant) {
        statistics.failedProbes += 1
        health.apply(failed.nacks < failed.expectedNacks ? 2 : 1)
        guard var target = records[failed.targetID]?.member, target.incarnation == failed.incarnation else { return }
        switch target.state {
        case .alive:
            target.state = .suspect
            statistics.suspicionsRaised += 1
            store(target, suspector: localID, now: now)
            announce(MembershipUpdate(member: target, suspector: localID), toSubject: true)
        case .suspect:
            if suspicions[target.id]?.confirm(by: localID) == true {
                dissemination.enqueue(MembershipUpdate(member: target, suspector: localID))
            }
        case .dead, .left:
            break
        }
    }

    /// An ack for the current probe ends it successfully; an ack for a relayed probe is
    /// forwarded to the requester.
    mutating func acknowledge(sequence: UInt32, now: GossipInstant) {
        if let current = probe, current.sequence == sequence {
            probe = nil
            health.apply(-1)
        } else if let relay = relays.removeValue(forKey: sequence) {
            send(.ack(sequence: relay.sequence), to: relay.requesterAddress, aboutMember: relay.requesterID)
        }
    }

    /// A relay could not reach the target either. Once every relay has said so, the outcome is
    /// settled: the suspicion is raised now rather than at the end of the period (the next probe
    /// still waits for the period), which takes about a quarter second off detection.
    mutating func nacked(sequence: UInt32, now: GossipInstant) {
        guard var current = probe, current.sequence == sequence else { return }
        current.nacks += 1
        if current.indirectSent, current.nacks >= current.expectedNacks {
            probe = nil
            probeFailed(current, now: now)
        } else {
            probe = current
        }
    }

    /// Probes `targetAddress` on behalf of `requester`; answers with a nack if the target stays
    /// silent (Lifeguard), so the requester can tell its own slowness from the target's.
    mutating func relay(sequence: UInt32, targetID: String, targetAddress: String, requester: Member, now: GossipInstant) {
        let relaySequence = takeSequence()
        relays[relaySequence] = Relay(
            requesterID: requester.id, requesterAddress: requester.address, sequence: sequence,
            deadline: now.advanced(by: configuration.probeTimeout.scaled(by: 0.8)))
        send(.ping(sequence: relaySequence), to: targetAddress, aboutMember: targetID)
    }

    mutating func expireRelays(now: GossipInstant) {
        for relaySequence in relays.keys.sorted() where relays[relaySequence]!.deadline <= now {
            let relay = relays.removeValue(forKey: relaySequence)!
            send(.nack(sequence: relay.sequence), to: relay.requesterAddress, aboutMember: relay.requesterID)
        }
    }

    /// Suspicions whose (possibly shortened) timeout passed become deaths.
    mutating func expireSuspicions(now: GossipInstant) {
        for id in suspicions.keys.sorted(by: String.idOrder) where suspicions[id]!.deadline <= now {
            let suspicion = suspicions.removeValue(forKey: id)!
            guard var member = records[id]?.member, member.state == .suspect,
                  member.incarnation == suspicion.incarnation else { continue }
            member.state = .dead
            store(member, suspector: "", now: now)
            announce(MembershipUpdate(member: member), toSubject: false)
        }
    }

    mutating func takeSequence() -> UInt32 {
        nextSequence &+= 1
        return nextSequence
    }
}
