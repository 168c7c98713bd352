extension GossipInstance {
    /// Push-pull anti-entropy with a random alive member, and a reconnect attempt to a random
    /// dead one so that healed partitions merge again.
    mutating func advanceSync(now: GossipInstant) {
        if now >= nextSyncAt {
            nextSyncAt = now.advanced(by: configuration.syncInterval)
            if let partner = randomMember(where: { $0.state == .alive }) {
                sendFullState(to: partner.address, wantsReply: true)
            }
        }
        if now >= nextReconnectAt {
            nextReconnectAt = now.advanced(by: configuration.reconnectInterval)
            if let partner = randomMember(where: { $0.state == .dead }) {
                sendFullState(to: partner.address, wantsReply: true)
            }
        }
    }

    /// Repeats the join until some other member is known.
    mutating func retryJoin(now: GossipInstant) {
        guard let due = nextJoinAt, now >= due else { return }
        if records.values.contains(where: { $0.member.id != localID && $0.member.state.isActive }) {
            nextJoinAt = nil
        } else {
            sendJoins()
            nextJoinAt = now.advanced(by: configuration.joinRetryInterval)
        }
    }

    mutating func sendJoins() {
        for seed in seeds { send(.join, to: seed, aboutMember: nil) }
    }

    /// Sends every record, sorted by id, in as many `sync` messages as the byte budget needs;
    /// only the first asks for a reply.
    mutating func sendFullState(to address: String, wantsReply: Bool) {
        let all = records.values.map(\.member).sorted { String.idOrder($0.id, $1.id) }
            .map { MembershipUpdate(member: $0, suspector: suspicions[$0.id]?.originator ?? "") }
        let empty = GossipMessage(sender: headerMember, kind: .sync(members: [], wantsReply: wantsReply))
        let base = WireCodec.encodedSize(empty)
        var chunk: [MembershipUpdate] = []
        var size = base
        var first = true
        for update in all {
            let updateSize = WireCodec.encodedSize(update)
            if size + updateSize > payloadBudget {
                outbox.append(.send(
                    GossipMessage(sender: headerMember, kind: .sync(members: chunk, wantsReply: wantsReply && first)),
                    to: address))
                first = false
                chunk = []
                size = base
            }
            chunk.append(update)
            size += updateSize
        }
        outbox.append(.send(
            GossipMessage(sender: headerMember, kind: .sync(members: chunk, wantsReply: wantsReply && first)),
            to: address))
    }

    private mutating func randomMember(where predicate: (Member) -> Bool) -> Member? {
        let candidates = records.values.map(\.member).filter { $0.id != localID && predicate($0) }
            .sorted { String.idOrder($0.id, $1.id) }
        return candidates.randomElement(using: &random)
    }
}
