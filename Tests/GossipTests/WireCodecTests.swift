@testable import Gossip
import Testing

@Suite("Wire codec")
struct WireCodecTests {
    static let samples: [GossipMessage] = {
        let updates = [
            MembershipUpdate(member: Fixture.member("x", .suspect, incarnation: 3, slots: 8), suspector: "y"),
            MembershipUpdate(member: Fixture.member("ü-ñ", .left, incarnation: .max, slots: .max)),
        ]
        return [
            Fixture.message(from: "a", .ping(sequence: 1), updates: updates),
            Fixture.message(from: "a", .pingRequest(sequence: .max, targetID: "t", targetAddress: "[::1]:7946")),
            Fixture.message(from: "a", .ack(sequence: 0), updates: updates),
            Fixture.message(from: "a", .nack(sequence: 5)),
            Fixture.message(from: "a", .join),
            Fixture.message(from: "a", .sync(members: updates, wantsReply: true), updates: updates),
            Fixture.message(from: "a", .sync(members: [], wantsReply: false)),
            Fixture.message(from: "a", .wake(priority: -42), updates: updates),
            Fixture.message(from: "a", .wake(priority: .max)),
        ]
    }()

    @Test("every kind of message survives a round trip with its exact encoded size")
    func roundTrip() throws {
        for message in Self.samples {
            let bytes = WireCodec.encode(message)
            #expect(bytes.count == WireCodec.encodedSize(message))
            #expect(try WireCodec.decode(bytes) == message)
        }
    }

    @Test("every truncation of a valid message is refused as truncated")
    func truncations() {
        for message in Self.samples {
            let bytes = WireCodec.encode(message)
            for length in 0..<bytes.count {
                #expect(throws: WireError.truncated) { try WireCodec.decode(bytes.prefix(length)) }
            }
        }
    }

    @Test("oversized input, trailing bytes, another version and unknown kinds are refused")
    func malformed() {
        let bytes = WireCodec.encode(Self.samples[0])
        #expect(throws: WireError.oversized(bytes: 65536, limit: 1400)) { try WireCodec.decode([UInt8](repeating: 1, count: 65536)) }
        #expect(throws: WireError.trailingBytes(1)) { try WireCodec.decode(bytes + [0]) }
        #expect(throws: WireError.unsupportedVersion(2)) { try WireCodec.decode([2] + bytes.dropFirst()) }
        #expect(throws: WireError.unknownKind(99)) { try WireCodec.decode([1, 99] + bytes.dropFirst(2)) }
        #expect(throws: WireError.invalidString) { try WireCodec.decode([1, 1, 0]) }
        #expect(throws: WireError.invalidString) { try WireCodec.decode([1, 1, 2, 0xC3, 0x28]) }
    }

    @Test("random bytes and random mutations never crash and always give a typed error or a message")
    func fuzz() {
        var random = TestRandom(seed: 2024)
        var refused = 0
        for round in 0..<10000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0...300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                if round % 4 == 0, !bytes.isEmpty { bytes[0] = WireCodec.protocolVersion }
            } else {
                bytes = WireCodec.encode(Self.samples[round % Self.samples.count])
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
            }
            do {
                let message = try WireCodec.decode(bytes)
                #expect(WireCodec.encode(message) == bytes)
            } catch {
                refused += 1
            }
        }
        #expect(refused > 5000)
    }
}
