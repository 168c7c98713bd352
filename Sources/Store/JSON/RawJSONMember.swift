import Foundation

/// The text of one member of a JSON object exactly as it was sent. Decoding and re-encoding a
/// value (JSONSerialization) reorders its keys and prints its numbers anew (`1e20` comes out
/// as an integer), so `POST /tasks` takes the payload's text from the request body instead.
public enum RawJSONMember {
    /// The text of the value of the top-level member `name` of the JSON object in `body`,
    /// without the whitespace around it; nil when there is no such member. `body` must already
    /// have parsed as a JSON object (UTF-8, with or without a byte order mark).
    /// Throws when the member is given more than once: which one a decoder keeps is not defined.
    public static func value(of name: String, in body: Data) throws(RequestError) -> String? {
        let bytes = [UInt8](body)
        var scanner = Scanner(bytes: bytes)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { scanner.index = 3 }
        scanner.skipWhitespace()
        guard scanner.take(UInt8(ascii: "{")) else { return nil }
        var found: Range<Int>?
        while true {
            scanner.skipWhitespace()
            if scanner.take(UInt8(ascii: "}")) { break }
            _ = scanner.take(UInt8(ascii: ","))
            scanner.skipWhitespace()
            guard let keyRange = scanner.skipString() else { return nil }
            let key = try? JSONSerialization.jsonObject(with: Data(bytes[keyRange]), options: .fragmentsAllowed) as? String
            scanner.skipWhitespace()
            guard scanner.take(UInt8(ascii: ":")) else { return nil }
            scanner.skipWhitespace()
            guard let valueRange = scanner.skipValue() else { return nil }
            if key == name {
                guard found == nil else { throw RequestError("\"\(name)\" is given more than once") }
                found = valueRange
            }
        }
        return found.map { String(decoding: bytes[$0], as: UTF8.self) }
    }

    /// Walks JSON text that is known to be valid.
    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        mutating func skipWhitespace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        /// A string literal, quotes included.
        mutating func skipString() -> Range<Int>? {
            let start = index
            guard take(UInt8(ascii: "\"")) else { return nil }
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\\"): index += 2
                case UInt8(ascii: "\""): index += 1; return start..<index
                default: index += 1
                }
            }
            return nil
        }

        /// One value: a string, an object or array (nesting counted, strings inside skipped),
        /// or a number or literal (up to the next delimiter).
        mutating func skipValue() -> Range<Int>? {
            let start = index
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "\""):
                return skipString()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                while index < bytes.count {
                    switch bytes[index] {
                    case UInt8(ascii: "\""):
                        guard skipString() != nil else { return nil }
                        continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
                    default: break
                    }
                    index += 1
                    if depth == 0 { return start..<index }
                }
                return nil
            default:
                while index < bytes.count,
                      ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) {
                    index += 1
                }
                return index > start ? start..<index : nil
            }
        }
    }
}
