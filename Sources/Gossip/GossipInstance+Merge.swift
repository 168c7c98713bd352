#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension GossipInstance {
    /// Merges one record into the local view.
    ///
    /// The view is a join-semilattice ordered by `(incarnation, state rank)`, so peers that saw
    /// the same records agree whatever the order. Two refinements keep live members alive: a
    /// record about the local member that is not `alive` (or names a newer incarnation) is
    /// refuted under a higher incarnation, and a second-hand `dead` record about a member this
    /// peer holds `alive` at that same incarnation only starts a suspicion, giving the member a
    /// chance to refute before it is buried. A death normally follows a suspicion this peer has
    /// already heard, so detection is not slowed; but a peer coming back from a partition, which
    /// buried the other side while cut off, cannot make the healthy side bury live members (and
    /// revoke their leases). memberlist applies this only to full-state sync.
    mutating func apply(_ update: MembershipUpdate, now: GossipInstant) {
        var incoming = update.member
        guard incoming.id != localID else {
            refuteIfNeeded(incoming, now: now)
            return
        }
        var suspector = update.suspector
        guard let current = records[incoming.id]?.member else {
            store(incoming, suspector: suspector, now: now)
            return
        }
        if incoming.state == .dead, current.state == .alive, incoming.incarnation == current.incarnation {
            incoming.state = .suspect
            suspector = incoming.id
        }
        if incoming.supersedes(current) {
            store(incoming, suspector: suspector, now: now)
        } else if incoming.state == .suspect, current.state == .suspect, incoming.incarnation == current.incarnation,
                  !suspector.isEmpty, suspicions[incoming.id]?.confirm(by: suspector) == true {
            dissemination.enqueue(MembershipUpdate(member: current, suspector: suspector))
        }
    }

    /// Raises the local incarnation when `incoming` claims the local member is anything but
    /// alive at (or beyond) its current incarnation.
    mutating func refuteIfNeeded(_ incoming: Member, now: GossipInstant) {
        var me = localMember
        let contradicts = incoming.state != .alive && incoming.incarnation >= me.incarnation
        guard contradicts || incoming.incarnation > me.incarnation else { return }
        me.incarnation = max(me.incarnation, incoming.incarnation) + 1
        put(me, now: now)
        dissemination.enqueue(MembershipUpdate(member: me))
        announce(MembershipUpdate(member: me), toSubject: false)
        statistics.refutations += 1
        if incoming.state == .suspect { health.apply(1) }
    }

    /// Stores a record that supersedes the local one, starts or ends suspicion, queues the record
    /// for dissemination and reports a visible change.
    mutating func store(_ member: Member, suspector: String, now: GossipInstant) {
        let previous = records[member.id]?.member
        put(member, now: now)
        if member.state == .suspect {
            let originator = suspector.isEmpty ? localID : suspector
            let (minimum, maximum, expected) = suspicionBounds()
            suspicions[member.id] = Suspicion(
                incarnation: member.incarnation, suspector: originator, startedAt: now,
                minimum: minimum, maximum: maximum, expected: expected)
        } else {
            suspicions[member.id] = nil
        }
        if member.state.isActive, previous?.state.isActive != true {
            probeOrder.insert(member.id, at: Int.random(in: probeIndex...probeOrder.count, using: &random))
        }
        dissemination.enqueue(MembershipUpdate(member: member, suspector: suspicions[member.id]?.originator ?? ""))
        if previous?.state != member.state || previous?.address != member.address || previous?.slots != member.slots {
            outbox.append(.event(MembershipEvent(member: member, previousState: previous?.state)))
        }
    }

    /// Lifeguard's suspicion bounds for the current cluster size `n`: minimum
    /// `α · max(1, log10 n) · probeInterval`, maximum `β ·` minimum, and the confirmations `K`
    /// expected (fewer when the cluster has too few other members to give them).
    func suspicionBounds() -> (minimum: Duration, maximum: Duration, expected: Int) {
        let n = activeCount
        let minimum = configuration.probeInterval.scaled(
            by: configuration.suspicionMinMultiplier * max(1, log10(Double(n))))
        let maximum = minimum.scaled(by: max(1, configuration.suspicionMaxMultiplier))
        let expected = min(configuration.suspicionConfirmations, max(0, n - 2))
        return (minimum, maximum, expected)
    }

    /// Replaces a record, keeping `activeCount` in step.
    mutating func put(_ member: Member, now: GossipInstant) {
        if records[member.id]?.member.state.isActive == true { activeCount -= 1 }
        if member.state.isActive { activeCount += 1 }
        records[member.id] = Record(member: member, changedAt: now)
    }

    /// Forgets dead and departed members declared so longer than the retention ago.
    mutating func pruneDeparted(now: GossipInstant) {
        for (id, record) in records where !record.member.state.isActive && id != localID
            && record.changedAt.advanced(by: configuration.deadMemberRetention) <= now {
            records[id] = nil
            suspicions[id] = nil
            dissemination.remove(memberID: id)
        }
    }
}
