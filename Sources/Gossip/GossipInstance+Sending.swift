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
}
