/// Why a datagram was refused. Every malformed input maps to one of these; decoding never traps.
public enum WireError: Error, Sendable, Hashable {
    /// The input ends before the message does.
    case truncated
    /// The input is longer than a datagram may be.
    case oversized(bytes: Int, limit: Int)
    /// The protocol version is not one this build speaks.
    case unsupportedVersion(UInt8)
    /// The message kind is unknown.
    case unknownKind(UInt8)
    /// A member state byte is out of range.
    case invalidState(UInt8)
    /// A flags byte has bits this version does not define.
    case invalidFlags(UInt8)
    /// A string is not valid UTF-8, is empty where it must not be, or is too long.
    case invalidString
    /// Bytes follow the end of the message.
    case trailingBytes(Int)
    /// A message would not fit the byte budget (encoding side).
    case messageTooLarge(bytes: Int, limit: Int)
}
