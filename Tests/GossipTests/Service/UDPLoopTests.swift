@testable import Gossip
import Settings
import Synchronization
import Testing

@Suite("The UDP loop's name lookups", .timeLimit(.minutes(1)))
struct UDPLoopTests {
    /// Datagrams a loop received, for the test thread to read.
    final class Inbox: Sendable {
        let datagrams = Mutex<[[UInt8]]>([])
    }

    private static func loop(bind: String, into inbox: Inbox? = nil) async throws -> UDPLoop {
        let loop = try await UDPLoop.bind(
            try #require(HostPort(bind)), onDatagram: { bytes in inbox?.datagrams.withLock { $0.append(bytes) } }, onTimer: {})
        loop.start()
        return loop
    }

    @Test("a datagram to a host name is sent once the name resolves")
    func sendsToAName() async throws {
        let inbox = Inbox()
        // Both sockets bind to localhost's first address, so they share its address family.
        let receiver = try await Self.loop(bind: "localhost:0", into: inbox)
        let sender = try await Self.loop(bind: "localhost:0")
        sender.send([1, 2, 3], to: "localhost:\(receiver.port)")
        sender.send([4], to: "localhost:\(receiver.port)")
        let arrived = await eventually(within: .seconds(5)) { inbox.datagrams.withLock { $0.count } == 2 }
        #expect(arrived)
        #expect(inbox.datagrams.withLock { Set($0) } == [[1, 2, 3], [4]])
        #expect(sender.unresolvedDrops == 0)
        await sender.stop()
        await receiver.stop()
    }

    @Test("datagrams to a name that does not resolve or a malformed address are counted, and the loop goes on")
    func countsUnresolved() async throws {
        let inbox = Inbox()
        let receiver = try await Self.loop(bind: "127.0.0.1:0", into: inbox)
        let sender = try await Self.loop(bind: "127.0.0.1:0")
        sender.send([1], to: "no-such-host.invalid:1")
        sender.send([2], to: "no-such-host.invalid:1")
        #expect(await eventually(within: .seconds(20)) { sender.unresolvedDrops == 2 }, "\(sender.unresolvedDrops)")
        sender.send([3], to: "no-such-host.invalid:1")
        sender.send([4], to: "not an address")
        #expect(await eventually(within: .seconds(5)) { sender.unresolvedDrops == 4 }, "\(sender.unresolvedDrops)")
        sender.send([5], to: "127.0.0.1:\(receiver.port)")
        #expect(await eventually(within: .seconds(5)) { inbox.datagrams.withLock { $0 } == [[5]] })
        await sender.stop()
        await receiver.stop()
    }

    @Test("binding to a name that does not resolve throws an error naming the host")
    func bindFailsClearly() async throws {
        await #expect {
            _ = try await UDPLoop.bind(try #require(HostPort("no-such-host.invalid:1")), onDatagram: { _ in }, onTimer: {})
        } throws: { error in
            "\(error)".hasPrefix("cannot resolve the host name no-such-host.invalid: ")
        }
    }
}
