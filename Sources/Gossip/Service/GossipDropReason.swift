/// Why the service dropped a received datagram. Dropped datagrams never reach the protocol, so
/// they cannot change the membership view.
public enum GossipDropReason: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The authentication tag did not match: a wrong key, a forgery or altered bytes.
    case badMAC = "bad_mac"
    /// Already accepted once, older than the replay window, or from an earlier life of the sender.
    case replayed
    /// Too short to be sealed, or cut inside a header or a message.
    case truncated
    /// Longer than the datagram limit (1,400 bytes).
    case oversized
    /// A sealing format or protocol version this build does not speak.
    case wrongVersion = "wrong_version"
    /// Authenticated, but not a well-formed message.
    case malformed
    /// The message names another sender than the one it was sealed by.
    case senderMismatch = "sender_mismatch"

    public var description: String { rawValue }

    init(_ error: DatagramSealer.OpenError) {
        switch error {
        case .truncated: self = .truncated
        case .oversized: self = .oversized
        case .unsupportedFormat: self = .wrongVersion
        case .badTag: self = .badMAC
        case .replayed: self = .replayed
        }
    }

    init(_ error: WireError) {
        switch error {
        case .truncated: self = .truncated
        case .oversized: self = .oversized
        case .unsupportedVersion: self = .wrongVersion
        case .unknownKind, .invalidState, .invalidFlags, .invalidString, .trailingBytes, .messageTooLarge: self = .malformed
        }
    }
}
