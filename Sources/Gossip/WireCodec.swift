/// The compact binary encoding of `GossipMessage` (big-endian, length-prefixed strings).
///
/// Layout: `version:u8 kind:u8 sender body updateCount:u8 update*`, where `sender` is
/// `id address incarnation:u64 slots:u32` and an update is
/// `id address state:u8 incarnation:u64 slots:u32 [suspector if state == suspect]`; a wake's
/// body is `priority:i64`.
public enum WireCodec {
    /// The protocol version this build speaks; a datagram with another version is refused.
    public static let protocolVersion: UInt8 = 1
    /// The most updates one message piggybacks.
    public static let maxUpdatesPerMessage = Int(UInt8.max)

    private enum KindByte: UInt8 {
        case ping = 1, pingRequest, ack, nack, join, sync, wake
    }

    /// Encodes a message.
    public static func encode(_ message: GossipMessage) -> [UInt8] {
        var writer = ByteWriter(capacity: encodedSize(message))
        writer.write(protocolVersion)
        switch message.kind {
        case .ping: writer.write(KindByte.ping.rawValue)
        case .pingRequest: writer.write(KindByte.pingRequest.rawValue)
        case .ack: writer.write(KindByte.ack.rawValue)
        case .nack: writer.write(KindByte.nack.rawValue)
        case .join: writer.write(KindByte.join.rawValue)
        case .sync: writer.write(KindByte.sync.rawValue)
        case .wake: writer.write(KindByte.wake.rawValue)
        }
        writer.write(message.sender.id)
        writer.write(message.sender.address)
        writer.write(message.sender.incarnation)
        writer.write(message.sender.slots)
        switch message.kind {
        case .ping(let sequence), .ack(let sequence), .nack(let sequence):
            writer.write(sequence)
        case .pingRequest(let sequence, let targetID, let targetAddress):
            writer.write(sequence)
            writer.write(targetID)
            writer.write(targetAddress)
        case .join:
            break
        case .sync(let members, let wantsReply):
            writer.write(wantsReply ? UInt8(1) : 0)
            writer.write(UInt16(clamping: members.count))
            for update in members.prefix(Int(UInt16.max)) { write(update, into: &writer) }
        case .wake(let priority):
            writer.write(UInt64(bitPattern: priority))
        }
        writer.write(UInt8(clamping: message.updates.count))
        for update in message.updates.prefix(maxUpdatesPerMessage) { write(update, into: &writer) }
        return writer.bytes
    }

    /// Decodes a message of at most `maxBytes`, refusing anything malformed with a `WireError`.
    public static func decode(_ bytes: some Collection<UInt8>, maxBytes: Int = 1400) throws(WireError) -> GossipMessage {
        guard bytes.count <= maxBytes else { throw .oversized(bytes: bytes.count, limit: maxBytes) }
        var reader = ByteReader(bytes)
        let version = try reader.readByte()
        guard version == protocolVersion else { throw .unsupportedVersion(version) }
        let kindByte = try reader.readByte()
        guard let kindTag = KindByte(rawValue: kindByte) else { throw .unknownKind(kindByte) }
        let sender = Member(
            id: try reader.readString(maxBytes: Member.maxIDBytes),
            address: try reader.readString(maxBytes: Member.maxAddressBytes),
            state: .alive,
            incarnation: try reader.read(UInt64.self),
            slots: try reader.read(UInt32.self))
        let kind: GossipMessage.Kind
        switch kindTag {
        case .ping: kind = .ping(sequence: try reader.read(UInt32.self))
        case .ack: kind = .ack(sequence: try reader.read(UInt32.self))
        case .nack: kind = .nack(sequence: try reader.read(UInt32.self))
        case .pingRequest:
            kind = .pingRequest(
                sequence: try reader.read(UInt32.self),
                targetID: try reader.readString(maxBytes: Member.maxIDBytes),
                targetAddress: try reader.readString(maxBytes: Member.maxAddressBytes))
        case .join: kind = .join
        case .sync:
            let flags = try reader.readByte()
            guard flags <= 1 else { throw .invalidFlags(flags) }
            let count = Int(try reader.read(UInt16.self))
            var members: [MembershipUpdate] = []
            for _ in 0..<count { members.append(try readUpdate(&reader)) }
            kind = .sync(members: members, wantsReply: flags & 1 == 1)
        case .wake: kind = .wake(priority: Int64(bitPattern: try reader.read(UInt64.self)))
        }
        let updateCount = Int(try reader.readByte())
        var updates: [MembershipUpdate] = []
        for _ in 0..<updateCount { updates.append(try readUpdate(&reader)) }
        guard reader.remaining == 0 else { throw .trailingBytes(reader.remaining) }
        return GossipMessage(sender: sender, kind: kind, updates: updates)
    }

    /// The encoded size of a message, in bytes.
    public static func encodedSize(_ message: GossipMessage) -> Int {
        var size = 2 + 1 + message.sender.id.utf8.count + 1 + message.sender.address.utf8.count + 8 + 4
        switch message.kind {
        case .ping, .ack, .nack: size += 4
        case .pingRequest(_, let targetID, let targetAddress):
            size += 4 + 1 + targetID.utf8.count + 1 + targetAddress.utf8.count
        case .join: break
        case .sync(let members, _): size += 3 + members.reduce(0) { $0 + encodedSize($1) }
        case .wake: size += 8
        }
        return size + 1 + message.updates.reduce(0) { $0 + encodedSize($1) }
    }

    /// The encoded size of one update, in bytes.
    public static func encodedSize(_ update: MembershipUpdate) -> Int {
        let suspector = update.member.state == .suspect ? 1 + update.suspector.utf8.count : 0
        return 1 + update.member.id.utf8.count + 1 + update.member.address.utf8.count + 1 + 8 + 4 + suspector
    }

    private static func write(_ update: MembershipUpdate, into writer: inout ByteWriter) {
        writer.write(update.member.id)
        writer.write(update.member.address)
        writer.write(update.member.state.rawValue)
        writer.write(update.member.incarnation)
        writer.write(update.member.slots)
        if update.member.state == .suspect { writer.write(update.suspector) }
    }

    private static func readUpdate(_ reader: inout ByteReader) throws(WireError) -> MembershipUpdate {
        let id = try reader.readString(maxBytes: Member.maxIDBytes)
        let address = try reader.readString(maxBytes: Member.maxAddressBytes)
        let stateByte = try reader.readByte()
        guard let state = MemberState(rawValue: stateByte) else { throw .invalidState(stateByte) }
        let incarnation = try reader.read(UInt64.self)
        let slots = try reader.read(UInt32.self)
        let suspector = state == .suspect ? try reader.readString(maxBytes: Member.maxIDBytes, allowEmpty: true) : ""
        return MembershipUpdate(
            member: Member(id: id, address: address, state: state, incarnation: incarnation, slots: slots),
            suspector: suspector)
    }
}
