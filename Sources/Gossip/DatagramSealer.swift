import Crypto

/// Authenticates datagrams with HMAC-SHA256 under the cluster key and refuses replays.
///
/// A sealed datagram is `format:u8 senderID epoch:u64 sequence:u64 payload tag[32]`; the tag
/// covers everything before it. `epoch` must grow across restarts of a sender (the shell uses its
/// boot wall-clock time); `sequence` grows with every datagram it seals. A receiver accepts each
/// (sender, epoch, sequence) once, within a window of the newest `replayWindow` sequences of the
/// sender's newest epoch.
public struct DatagramSealer: Sendable {
    /// Why a datagram was refused.
    public enum OpenError: Error, Sendable, Hashable {
        /// Shorter than the smallest sealed datagram, or cut inside its header.
        case truncated
        /// Longer than `maxDatagramBytes`.
        case oversized(bytes: Int, limit: Int)
        /// An unknown sealing format.
        case unsupportedFormat(UInt8)
        /// The tag does not match: wrong key, or the bytes were altered.
        case badTag
        /// Already accepted, older than the replay window, or from an older epoch of the sender.
        case replayed
    }

    /// An authenticated datagram.
    public struct Opened: Sendable, Hashable {
        /// The sender id the datagram was sealed under.
        public let sender: String
        /// The sealed payload (an encoded `GossipMessage`).
        public let payload: [UInt8]
    }

    /// The sealing format version.
    public static let format: UInt8 = 1
    /// Bytes of the authentication tag.
    public static let tagBytes = 32
    /// How many recent sequence numbers per sender are remembered.
    public static let replayWindow: UInt64 = 64

    /// The bytes sealing adds to a payload sent by `senderID`.
    public static func overhead(senderID: String) -> Int {
        1 + 1 + senderID.utf8.count + 8 + 8 + tagBytes
    }

    private struct Window: Sendable {
        var epoch: UInt64
        var highest: UInt64
        /// Bit `i` set: sequence `highest - i` was accepted.
        var seen: UInt64
    }

    /// The key's bytes; `SymmetricKey` is not `Sendable` in every swift-crypto release, so a
    /// key is made from them per call (a copy of a few bytes).
    private let keyBytes: [UInt8]
    private let senderID: String
    private let epoch: UInt64
    private let maxDatagramBytes: Int
    private var nextSequence: UInt64 = 1
    private var windows: [String: Window] = [:]

    /// Creates a sealer for the local sender `senderID` (at most `Member.maxIDBytes` bytes) in
    /// its boot `epoch`.
    public init(key: [UInt8], senderID: String, epoch: UInt64, maxDatagramBytes: Int = 1400) {
        keyBytes = key
        self.senderID = String(decoding: senderID.utf8.prefix(Member.maxIDBytes), as: UTF8.self)
        self.epoch = epoch
        self.maxDatagramBytes = maxDatagramBytes
    }

    /// Seals `payload` as the next datagram of this sender.
    public mutating func seal(_ payload: some Collection<UInt8>) -> [UInt8] {
        var writer = ByteWriter(capacity: payload.count + Self.overhead(senderID: senderID))
        writer.write(Self.format)
        writer.write(senderID)
        writer.write(epoch)
        writer.write(nextSequence)
        writer.write(bytes: payload)
        nextSequence += 1
        let tag = HMAC<SHA256>.authenticationCode(for: writer.bytes, using: SymmetricKey(data: keyBytes))
        writer.write(bytes: tag)
        return writer.bytes
    }

    /// Authenticates `datagram` and records it against replay; the payload is returned only when
    /// every check passed.
    public mutating func open(_ datagram: some Collection<UInt8>) throws(OpenError) -> Opened {
        guard datagram.count <= maxDatagramBytes else {
            throw .oversized(bytes: datagram.count, limit: maxDatagramBytes)
        }
        let bytes = Array(datagram)
        guard bytes.count >= Self.overhead(senderID: "") else { throw .truncated }
        guard bytes[0] == Self.format else { throw .unsupportedFormat(bytes[0]) }
        let body = bytes[..<(bytes.count - Self.tagBytes)]
        let tag = bytes[(bytes.count - Self.tagBytes)...]
        guard HMAC<SHA256>.isValidAuthenticationCode(tag, authenticating: body, using: SymmetricKey(data: keyBytes)) else {
            throw .badTag
        }
        var reader = ByteReader(body)
        let sender: String
        let senderEpoch: UInt64
        let sequence: UInt64
        do {
            _ = try reader.readByte()
            sender = try reader.readString(maxBytes: Member.maxIDBytes)
            senderEpoch = try reader.read(UInt64.self)
            sequence = try reader.read(UInt64.self)
        } catch {
            throw .truncated
        }
        try accept(sender: sender, epoch: senderEpoch, sequence: sequence)
        return Opened(sender: sender, payload: Array(body[(body.startIndex + reader.offset)...]))
    }

    private mutating func accept(sender: String, epoch senderEpoch: UInt64, sequence: UInt64) throws(OpenError) {
        guard var window = windows[sender], window.epoch >= senderEpoch else {
            windows[sender] = Window(epoch: senderEpoch, highest: sequence, seen: 1)
            return
        }
        guard window.epoch == senderEpoch else { throw .replayed }
        if sequence > window.highest {
            let shift = sequence - window.highest
            window.seen = shift >= Self.replayWindow ? 1 : window.seen << shift | 1
            window.highest = sequence
        } else {
            let age = window.highest - sequence
            guard age < Self.replayWindow, window.seen & (1 << age) == 0 else { throw .replayed }
            window.seen |= 1 << age
        }
        windows[sender] = window
    }
}
