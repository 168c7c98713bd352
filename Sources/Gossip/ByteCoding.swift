/// Appends big-endian integers and length-prefixed strings.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    mutating func write(_ value: UInt8) {
        bytes.append(value)
    }

    mutating func write<T: FixedWidthInteger & UnsignedInteger>(_ value: T) {
        var big = value.bigEndian
        withUnsafeBytes(of: &big) { bytes.append(contentsOf: $0) }
    }

    /// A string as one length byte and its UTF-8; callers keep strings under 256 bytes.
    mutating func write(_ string: String) {
        let utf8 = Array(string.utf8.prefix(Int(UInt8.max)))
        bytes.append(UInt8(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    mutating func write(bytes more: some Sequence<UInt8>) {
        bytes.append(contentsOf: more)
    }
}

/// Reads what `ByteWriter` wrote, throwing `WireError` on any malformed input.
struct ByteReader {
    private let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: some Collection<UInt8>) {
        self.bytes = Array(bytes)
        offset = 0
    }

    var remaining: Int { bytes.count - offset }

    mutating func readByte() throws(WireError) -> UInt8 {
        guard remaining >= 1 else { throw .truncated }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func read<T: FixedWidthInteger & UnsignedInteger>(_: T.Type) throws(WireError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw .truncated }
        var value: T = 0
        for byte in bytes[offset..<offset + size] {
            value = value << 8 | T(byte)
        }
        offset += size
        return value
    }

    /// A length-prefixed UTF-8 string of at most `maxBytes`, non-empty unless `allowEmpty`.
    mutating func readString(maxBytes: Int, allowEmpty: Bool = false) throws(WireError) -> String {
        let count = Int(try readByte())
        guard count <= maxBytes, allowEmpty || count > 0 else { throw .invalidString }
        guard remaining >= count else { throw .truncated }
        let slice = bytes[offset..<offset + count]
        offset += count
        guard let string = String(validating: slice, as: UTF8.self) else { throw .invalidString }
        return string
    }
}
