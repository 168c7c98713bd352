import Foundation
import Glibc
import Synchronization

/// A TCP proxy in front of the test PostgreSQL that loses one answer after the server finished
/// its statement. Once armed, it swallows the server's next bytes up to its ReadyForQuery
/// message, which PostgreSQL sends only after the statement's transaction committed, and then
/// closes both sides: the client sees its connection break with its statement already done.
///
/// Arm it only while the proxied connection is idle, so that the swallowed bytes start at a
/// message boundary.
final class AnswerDroppingProxy: Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private struct State {
        var armed = false
        var refuseAfterwards = false
        var answersDropped = 0
    }

    /// The database URL through the proxy.
    let url: String
    private let upstreamHost: String
    private let upstreamPort: Int
    private let listener: Int32
    private let state = Mutex(State())

    /// Listens on a free loopback port in front of `upstream`, a `postgres://` URL whose host
    /// is an IPv4 address.
    init(upstream: String) throws {
        guard var components = URLComponents(string: upstream), let host = components.host, let port = components.port,
              inet_addr(host) != INADDR_NONE
        else { throw Failure(description: "cannot proxy \(upstream): expected postgres://user@IPv4:port/database") }
        upstreamHost = host
        upstreamPort = port
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = Self.address(host: "127.0.0.1", port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = listener >= 0 && withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(listener, socketAddress, length) == 0 && listen(listener, 16) == 0
                    && getsockname(listener, socketAddress, &length) == 0
            }
        }
        guard bound else {
            let reason = String(cString: strerror(errno))
            if listener >= 0 { Glibc.close(listener) }
            throw Failure(description: "cannot listen: \(reason)")
        }
        self.listener = listener
        components.port = Int(UInt16(bigEndian: address.sin_port))
        components.queryItems = [URLQueryItem(name: "sslmode", value: "disable")]
        url = components.string ?? upstream
        Thread { [self] in acceptConnections() }.start()
    }

    /// Makes the next answer the server sends be lost after it is complete. With
    /// `refuseAfterwards` the proxy stops accepting connections before the client sees the break.
    func arm(refuseAfterwards: Bool = false) {
        state.withLock { state in
            state.armed = true
            state.refuseAfterwards = refuseAfterwards
        }
    }

    /// How many answers were lost so far.
    var answersDropped: Int { state.withLock { $0.answersDropped } }

    /// Stops accepting connections; open ones end when either side closes.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private func acceptConnections() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { break }
            let server = connectUpstream()
            guard server >= 0 else {
                Glibc.close(client)
                continue
            }
            let pair = SocketPair(client: client, server: server)
            Thread { [self] in pump(from: client, to: server, pair: pair, answers: false) }.start()
            Thread { [self] in pump(from: server, to: client, pair: pair, answers: true) }.start()
        }
        Glibc.close(listener)
    }

    /// Copies bytes from `source` to `destination` until either side closes. On the answer
    /// side, an armed proxy swallows the next answer and then breaks the connection.
    private func pump(from source: Int32, to destination: Int32, pair: SocketPair, answers: Bool) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var swallowed: [UInt8]?
        while true {
            let count = read(source, &buffer, buffer.count)
            guard count > 0 else { break }
            if answers, swallowed == nil, takeArming() { swallowed = [] }
            guard var answer = swallowed else {
                guard Self.send(buffer[..<count], to: destination) else { break }
                continue
            }
            answer += buffer[..<count]
            swallowed = answer
            if Self.reachesReadyForQuery(answer) {
                dropped()
                break
            }
        }
        pair.finish()
    }

    private func takeArming() -> Bool {
        state.withLock { state in
            defer { state.armed = false }
            return state.armed
        }
    }

    private func dropped() {
        let refuse = state.withLock { state in
            state.answersDropped += 1
            return state.refuseAfterwards
        }
        if refuse { stop() }
    }

    private func connectUpstream() -> Int32 {
        let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = Self.address(host: upstreamHost, port: upstreamPort)
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            Glibc.close(server)
            return -1
        }
        return server
    }

    /// True once `bytes`, a run of whole backend messages from the start, holds the start of a
    /// ReadyForQuery ('Z'): the server's last message for a statement.
    static func reachesReadyForQuery(_ bytes: [UInt8]) -> Bool {
        var index = 0
        while index + 5 <= bytes.count {
            if bytes[index] == UInt8(ascii: "Z") { return true }
            index += 1 + bytes[(index + 1)..<(index + 5)].reduce(0) { $0 << 8 | Int($1) }
        }
        return false
    }

    private static func send(_ bytes: ArraySlice<UInt8>, to socket: Int32) -> Bool {
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    private static func address(host: String, port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        return address
    }
}

/// The two sockets of one proxied connection: each pump shuts both down when it ends, and the
/// second to end closes them, so no descriptor is closed twice or while still in use.
private final class SocketPair: Sendable {
    let client: Int32
    let server: Int32
    private let finished = Mutex(0)

    init(client: Int32, server: Int32) {
        self.client = client
        self.server = server
    }

    func finish() {
        shutdown(client, Int32(SHUT_RDWR))
        shutdown(server, Int32(SHUT_RDWR))
        guard finished.withLock({ count in count += 1; return count }) == 2 else { return }
        Glibc.close(client)
        Glibc.close(server)
    }
}
