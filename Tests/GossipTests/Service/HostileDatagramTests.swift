@testable import Gossip
import Settings
import Testing

@Suite("Hostile datagrams against a live service")
struct HostileDatagramTests {
    /// A raw UDP sender: a loop whose received datagrams and timers are ignored.
    private static func rawSender() async throws -> UDPLoop {
        let loop = try await UDPLoop.bind(HostPort(host: "127.0.0.1", port: 0), onDatagram: { _ in }, onTimer: {})
        loop.start()
        return loop
    }

    private static func sealed(
        _ message: GossipMessage, as sender: String, key: [UInt8] = LiveCluster.key, epoch: UInt64 = 1
    ) -> [UInt8] {
        var sealer = DatagramSealer(key: key, senderID: sender, epoch: epoch)
        return sealer.seal(WireCodec.encode(message))
    }

    @Test("forged, replayed, truncated, oversized and garbage datagrams are dropped by reason; the view holds")
    func hostile() async throws {
        let services = try await LiveCluster.converged(["a", "b"])
        let target = services[0]
        let address = try #require(target.localMember?.address)
        let peer = try #require(target.membership.member(id: "b"))
        var forgedDeath = peer
        forgedDeath.state = .dead
        forgedDeath.incarnation = .max / 2
        let forgery = GossipMessage(
            sender: Member(id: "mallory", address: "127.0.0.1:9", state: .alive, incarnation: 1, slots: 1_000_000),
            kind: .ping(sequence: 1), updates: [MembershipUpdate(member: forgedDeath)])
        var random = TestRandom(seed: 99)
        let noise = (0..<300).map { _ in UInt8.random(in: 0...255, using: &random) }
        // The target ignores a message from itself, so this authenticated datagram is accepted
        // once without changing anything, and refused as a replay the second time.
        var selfSealer = DatagramSealer(key: LiveCluster.key, senderID: "a", epoch: 1)
        let valid = selfSealer.seal(WireCodec.encode(GossipMessage(sender: try #require(target.localMember), kind: .join)))
        let another = selfSealer.seal(WireCodec.encode(GossipMessage(sender: try #require(target.localMember), kind: .join)))
        var mallory = DatagramSealer(key: LiveCluster.key, senderID: "mallory", epoch: 1)
        let hostile: [(GossipDropReason, [UInt8])] = [
            (.wrongVersion, [0xEE] + noise.dropFirst()),
            (.badMAC, [DatagramSealer.format] + noise.dropFirst()),
            (.badMAC, Self.sealed(forgery, as: "mallory", key: Array("not-the-cluster-key-at-all".utf8))),
            (.replayed, valid),
            (.truncated, Array(another.prefix(20))),
            (.oversized, [UInt8](repeating: 0x5A, count: 65_507)),
            (.senderMismatch, Self.sealed(forgery, as: "eve")),
            (.malformed, mallory.seal([WireCodec.protocolVersion, 99] + noise.prefix(40))),
            (.wrongVersion, mallory.seal([9] + noise.prefix(40))),
        ]
        var expected: [GossipDropReason: Int] = [:]
        for (reason, _) in hostile { expected[reason, default: 0] += 1 }

        let sender = try await Self.rawSender()
        sender.send(valid, to: address)
        for (_, datagram) in hostile { sender.send(datagram, to: address) }
        let counted = await eventually(within: .seconds(3)) { target.dropCounts == expected }
        #expect(counted, "\(target.dropCounts)")
        await sender.stop()

        let view = target.membership
        #expect(view.members.map(\.id) == ["a", "b"], "\(view)")
        let record = try #require(view.member(id: "b"))
        #expect(record.address == peer.address && record.incarnation < forgedDeath.incarnation)
        #expect(await eventually(within: .seconds(2)) { LiveCluster.state(of: "b", in: target) == .alive })
        #expect(services[1].dropCounts.isEmpty)
        for service in services { await service.stop() }
    }
}
