extension GossipInstance {
    /// The local record as a message header: always `alive`, since a member that speaks is.
    var headerMember: Member {
        var me = localMember
        me.state = .alive
        return me
    }

    /// `λ · ceil(log10(n + 1))` transmissions per update, at least one.
    var retransmitLimit: Int {
        var limit = 0
        var scale = 1
        while scale <= activeCount {
            limit += 1
            scale *= 10
        }
        return max(1, configuration.retransmitMultiplier * limit)
    }

    /// Queues `kind` for `address` with as many piggybacked updates as fit the byte budget. When
    /// the local view holds the addressee as suspect or dead, that record goes first so the
    /// addressee can refute it.
    mutating func send(_ kind: GossipMessage.Kind, to address: String, aboutMember memberID: String?) {
        var message = GossipMessage(sender: headerMember, kind: kind)
        var budget = payloadBudget - WireCodec.encodedSize(message)
        var excluded: String?
        if let memberID, let member = records[memberID]?.member, member.state == .suspect || member.state == .dead {
            let hint = MembershipUpdate(member: member, suspector: suspicions[memberID]?.originator ?? "")
            message.updates.append(hint)
            budget -= WireCodec.encodedSize(hint)
            excluded = memberID
        }
        message.updates += dissemination.take(
            budget: budget, maxCount: WireCodec.maxUpdatesPerMessage - message.updates.count,
            limit: retransmitLimit, excluding: excluded)
        outbox.append(.send(message, to: address))
    }

    /// Sends a suspicion, death or refutation this peer just raised straight to
    /// `indirectProbeCount` random alive members (and, for a suspicion, to the suspect, so it can
    /// refute at once) as the piggyback of an empty sync, instead of waiting for the next probes
    /// to carry it; the update also stays queued for piggybacking. In a 3-member cluster this
    /// keeps a kill's detection by everyone within 5 s, where piggybacking alone let the second
    /// survivor lag by up to a probe period or two.
    mutating func announce(_ update: MembershipUpdate, toSubject: Bool) {
        let others = records.values.map(\.member)
            .filter { $0.id != localID && $0.id != update.member.id && $0.state == .alive }
            .sorted { String.idOrder($0.id, $1.id) }
        var recipients = sample(others, upTo: configuration.indirectProbeCount)
        if toSubject { recipients.append(update.member) }
        let announcement = GossipMessage(
            sender: headerMember, kind: .sync(members: [], wantsReply: false), updates: [update])
        for recipient in recipients { outbox.append(.send(announcement, to: recipient.address)) }
    }

    /// Up to `count` of `candidates`, drawn at random without repeats (from the seeded generator).
    mutating func sample(_ candidates: [Member], upTo count: Int) -> [Member] {
        var pool = candidates
        var chosen: [Member] = []
        while chosen.count < count, !pool.isEmpty {
            pool.swapAt(Int.random(in: pool.indices, using: &random), pool.count - 1)
            chosen.append(pool.removeLast())
        }
        return chosen
    }
}
