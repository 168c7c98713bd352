@testable import Gossip
import Testing

@Suite("Datagram sealer")
struct SealerTests {
    let key = Array("cluster-key-of-the-test".utf8)

    private func pair(epoch: UInt64 = 1) -> (sender: DatagramSealer, receiver: DatagramSealer) {
        (DatagramSealer(key: key, senderID: "a", epoch: epoch), DatagramSealer(key: key, senderID: "b", epoch: 1))
    }

    @Test("a sealed datagram opens once to its sender and payload")
    func roundTrip() throws {
        var (sender, receiver) = pair()
        let datagram = sender.seal([1, 2, 3])
        #expect(datagram.count == 3 + DatagramSealer.overhead(senderID: "a"))
        let opened = try receiver.open(datagram)
        #expect(opened.sender == "a" && opened.payload == [1, 2, 3])
        #expect(throws: DatagramSealer.OpenError.replayed) { try receiver.open(datagram) }
    }

    @Test("a wrong key or any altered byte is refused")
    func forgery() {
        var (sender, receiver) = pair()
        var stranger = DatagramSealer(key: Array("another key".utf8), senderID: "a", epoch: 1)
        #expect(throws: DatagramSealer.OpenError.badTag) { try receiver.open(stranger.seal([1, 2, 3])) }
        let datagram = sender.seal(Array(0..<100))
        for index in 1..<datagram.count {
            var tampered = datagram
            tampered[index] ^= 0x40
            #expect(throws: DatagramSealer.OpenError.badTag) { try receiver.open(tampered) }
        }
        var wrongFormat = datagram
        wrongFormat[0] = 9
        #expect(throws: DatagramSealer.OpenError.unsupportedFormat(9)) { try receiver.open(wrongFormat) }
    }

    @Test("truncated, oversized and garbage datagrams are refused")
    func malformed() {
        var (sender, receiver) = pair()
        let datagram = sender.seal([7])
        for length in 0..<datagram.count {
            #expect(throws: (any Error).self) { try receiver.open(datagram.prefix(length)) }
        }
        #expect(throws: DatagramSealer.OpenError.truncated) { try receiver.open([1, 2, 3]) }
        #expect(throws: DatagramSealer.OpenError.oversized(bytes: 65536, limit: 1400)) { try receiver.open([UInt8](repeating: 1, count: 65536)) }
        var random = TestRandom(seed: 5)
        for _ in 0..<2000 {
            let garbage = (0..<Int.random(in: 0...1400, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            #expect(throws: (any Error).self) { try receiver.open(garbage) }
        }
    }

    @Test("replays are refused inside and beyond the window; reordering inside it is accepted")
    func replayWindow() throws {
        var (sender, receiver) = pair()
        let datagrams = (0..<100).map { _ in sender.seal([0]) }
        _ = try receiver.open(datagrams[50])
        _ = try receiver.open(datagrams[20])
        #expect(throws: DatagramSealer.OpenError.replayed) { try receiver.open(datagrams[20]) }
        _ = try receiver.open(datagrams[99])
        #expect(throws: DatagramSealer.OpenError.replayed) { try receiver.open(datagrams[10]) }
        _ = try receiver.open(datagrams[98])
        #expect(throws: DatagramSealer.OpenError.replayed) { try receiver.open(datagrams[50]) }
    }

    @Test("a restarted sender (higher epoch) is accepted and its old epoch is then refused")
    func epochs() throws {
        var (old, receiver) = pair(epoch: 1)
        let stale = old.seal([1])
        var restarted = DatagramSealer(key: key, senderID: "a", epoch: 2)
        _ = try receiver.open(restarted.seal([2]))
        #expect(throws: DatagramSealer.OpenError.replayed) { try receiver.open(stale) }
    }
}
