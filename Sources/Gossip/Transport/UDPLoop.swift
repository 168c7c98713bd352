import CLibUV
import Foundation
import Synchronization

/// Why the UDP socket could not be opened.
struct UDPLoopError: Error, Sendable, CustomStringConvertible {
    /// The libuv call that failed.
    let call: String
    /// libuv's (negative) error code.
    let code: Int32

    var description: String {
        "\(call): \(String(cString: uv_strerror(code)))"
    }
}

/// A bound UDP socket served by a libuv loop on a thread of its own: the only place in the
/// repository that holds libuv pointers.
///
/// Received datagrams and timer expiries are handed to the callbacks on the loop thread; any
/// thread asks for sends, timer changes and the stop through a command queue and an `uv_async_t`
/// wakeup, so Swift's cooperative pool never waits on the network.
///
/// `@unchecked Sendable` is sound because:
/// - every libuv pointer is used by one thread at a time: by the creating thread inside
///   `bind` (before the loop thread exists; `Thread.start` orders those writes before the loop
///   thread's reads), then only by the loop thread, or by `deinit` when no loop thread was
///   started (a started thread holds a strong reference until it has freed everything);
/// - the one libuv call made from other threads is `uv_async_send`, which libuv documents as
///   thread-safe; it is issued under `shared`'s lock while `closed` is false, and the loop thread
///   sets `closed` under the same lock before it closes the async handle;
/// - `resolved` is touched only on the loop thread; the callbacks are immutable `@Sendable`
///   closures; everything else that crosses threads lives in the `Mutex`.
final class UDPLoop: @unchecked Sendable {
    private enum Command {
        case send([UInt8], to: String)
        case timer(after: Duration)
        case stop
    }

    private struct Shared {
        var commands: [Command] = []
        var started = false
        var closed = false
        var finished = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private struct Resolution {
        let address: sockaddr_storage?
        let expires: ContinuousClock.Instant
    }

    /// Large enough for any UDP datagram, so an oversized one arrives whole and is refused by
    /// size rather than cut to a plausible prefix.
    private static let receiveBufferBytes = 65536
    /// How long a resolved destination (or a failed resolution) is reused.
    private static let resolutionLifetime = Duration.seconds(30)

    /// The port the socket is bound to (the ephemeral one when binding asked for port 0).
    let port: UInt16

    private let loop: UnsafeMutablePointer<uv_loop_t>
    private let socket: UnsafeMutablePointer<uv_udp_t>
    private let timer: UnsafeMutablePointer<uv_timer_t>
    private let wakeup: UnsafeMutablePointer<uv_async_t>
    private let receiveBuffer: UnsafeMutableRawPointer
    private let onDatagram: @Sendable ([UInt8]) -> Void
    private let onTimer: @Sendable () -> Void
    private let shared = Mutex(Shared())
    private var resolved: [String: Resolution] = [:]

    /// Binds a UDP socket to `address`; `onDatagram` and `onTimer` will run on the loop thread
    /// once `start()` is called.
    static func bind(
        _ address: HostPort, onDatagram: @escaping @Sendable ([UInt8]) -> Void, onTimer: @escaping @Sendable () -> Void
    ) throws(UDPLoopError) -> UDPLoop {
        let loop = UnsafeMutablePointer<uv_loop_t>.allocate(capacity: 1)
        let socket = UnsafeMutablePointer<uv_udp_t>.allocate(capacity: 1)
        let timer = UnsafeMutablePointer<uv_timer_t>.allocate(capacity: 1)
        let wakeup = UnsafeMutablePointer<uv_async_t>.allocate(capacity: 1)
        var initialized: [UnsafeMutablePointer<uv_handle_t>] = []
        do throws(UDPLoopError) {
            try check(uv_loop_init(loop), "uv_loop_init")
            do throws(UDPLoopError) {
                try check(uv_udp_init(loop, socket), "uv_udp_init")
                initialized.append(handle(socket))
                try check(uv_timer_init(loop, timer), "uv_timer_init")
                initialized.append(handle(timer))
                try check(uv_async_init(loop, wakeup) { UDPLoop.owner(of: $0)?.drainCommands() }, "uv_async_init")
                initialized.append(handle(wakeup))
                var storage = try resolve(address.host, port: address.port, loop: loop)
                try withSocketAddress(&storage) { (address) throws(UDPLoopError) in
                    try check(uv_udp_bind(socket, address, 0), "uv_udp_bind")
                }
                let port = try boundPort(socket)
                return UDPLoop(
                    port: port, loop: loop, socket: socket, timer: timer, wakeup: wakeup,
                    onDatagram: onDatagram, onTimer: onTimer)
            } catch {
                release(loop: loop, closing: initialized)
                throw error
            }
        } catch {
            for pointer in [UnsafeMutableRawPointer(loop), UnsafeMutableRawPointer(socket),
                            UnsafeMutableRawPointer(timer), UnsafeMutableRawPointer(wakeup)] {
                pointer.deallocate()
            }
            throw error
        }
    }

    private init(
        port: UInt16, loop: UnsafeMutablePointer<uv_loop_t>, socket: UnsafeMutablePointer<uv_udp_t>,
        timer: UnsafeMutablePointer<uv_timer_t>, wakeup: UnsafeMutablePointer<uv_async_t>,
        onDatagram: @escaping @Sendable ([UInt8]) -> Void, onTimer: @escaping @Sendable () -> Void
    ) {
        self.port = port
        self.loop = loop
        self.socket = socket
        self.timer = timer
        self.wakeup = wakeup
        self.onDatagram = onDatagram
        self.onTimer = onTimer
        receiveBuffer = .allocate(byteCount: Self.receiveBufferBytes, alignment: 16)
        let this = Unmanaged.passUnretained(self).toOpaque()
        socket.pointee.data = this
        timer.pointee.data = this
        wakeup.pointee.data = this
    }

    deinit {
        guard !shared.withLock({ $0.started }) else { return }
        for pointer in [UnsafeMutableRawPointer(socket), UnsafeMutableRawPointer(timer), UnsafeMutableRawPointer(wakeup)] {
            pointer.assumingMemoryBound(to: uv_handle_t.self).pointee.data = nil
        }
        Self.release(loop: loop, closing: [Self.handle(socket), Self.handle(timer), Self.handle(wakeup)])
        freeMemory()
    }

    /// Starts the loop thread: receiving, the timer and the command queue come alive.
    func start() {
        let first = shared.withLock { shared in
            defer { shared.started = true }
            return !shared.started
        }
        guard first else { return }
        let thread = Thread { [self] in run() }
        thread.name = "continuum-gossip-uv"
        thread.start()
    }

    /// Queues `bytes` for `address` (`host:port`); datagrams to unresolvable addresses are dropped.
    func send(_ bytes: [UInt8], to address: String) {
        request(.send(bytes, to: address))
    }

    /// Replaces the pending timer: `onTimer` runs once, `delay` from now.
    func schedule(after delay: Duration) {
        request(.timer(after: delay))
    }

    /// Asks the loop to send what is queued, close the socket and end its thread.
    func requestStop() {
        request(.stop)
    }

    /// Stops the loop and waits until its thread has released the socket.
    func stop() async {
        requestStop()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let waiting = shared.withLock { shared in
                guard shared.started, !shared.finished else { return false }
                shared.waiters.append(continuation)
                return true
            }
            if !waiting { continuation.resume() }
        }
    }

    private func request(_ command: Command) {
        shared.withLock { shared in
            guard !shared.closed else { return }
            shared.commands.append(command)
            _ = uv_async_send(wakeup)
        }
    }

    // MARK: - Loop thread

    private func run() {
        let receiving = uv_udp_recv_start(socket, { handle, _, buffer in
            guard let loop = UDPLoop.owner(of: handle), let buffer else { return }
            buffer.pointee = uv_buf_init(loop.receiveBuffer.assumingMemoryBound(to: CChar.self), UInt32(UDPLoop.receiveBufferBytes))
        }, { handle, count, buffer, sender, _ in
            guard let loop = UDPLoop.owner(of: handle), sender != nil, count >= 0, let base = buffer?.pointee.base else { return }
            loop.onDatagram(Array(UnsafeRawBufferPointer(start: base, count: count)))
        })
        if receiving != 0 { close() }
        drainCommands()
        uv_run(loop, UV_RUN_DEFAULT)
        uv_loop_close(loop)
        freeMemory()
        let waiters = shared.withLock { shared in
            shared.finished = true
            return shared.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    private func drainCommands() {
        let commands = shared.withLock { shared in
            defer { shared.commands.removeAll() }
            return shared.commands
        }
        for command in commands {
            switch command {
            case .send(let bytes, let address):
                transmit(bytes, to: address)
            case .timer(let delay):
                let milliseconds = max(0, min(delay.nanoseconds / 1_000_000 + 1, 1 << 40))
                uv_timer_start(timer, { handle in UDPLoop.owner(of: handle)?.onTimer() }, UInt64(milliseconds), 0)
            case .stop:
                close()
                return
            }
        }
    }

    private func close() {
        let alreadyClosed = shared.withLock { shared in
            defer { shared.closed = true }
            return shared.closed
        }
        guard !alreadyClosed else { return }
        uv_udp_recv_stop(socket)
        uv_timer_stop(timer)
        for handle in [Self.handle(socket), Self.handle(timer), Self.handle(wakeup)] {
            uv_close(handle, nil)
        }
    }

    private func transmit(_ bytes: [UInt8], to address: String) {
        guard !bytes.isEmpty, var destination = destination(for: address) else { return }
        Self.withSocketAddress(&destination) { target in
            bytes.withUnsafeBytes { raw in
                var buffer = uv_buf_init(
                    UnsafeMutableRawPointer(mutating: raw.baseAddress!).assumingMemoryBound(to: CChar.self), UInt32(raw.count))
                guard uv_udp_try_send(socket, &buffer, 1, target) == UV_EAGAIN.rawValue else { return }
                let copy = UnsafeMutableRawPointer.allocate(byteCount: raw.count, alignment: 1)
                copy.copyMemory(from: raw.baseAddress!, byteCount: raw.count)
                let request = UnsafeMutablePointer<uv_udp_send_t>.allocate(capacity: 1)
                request.pointee.data = copy
                buffer = uv_buf_init(copy.assumingMemoryBound(to: CChar.self), UInt32(raw.count))
                let queued = uv_udp_send(request, socket, &buffer, 1, target) { request, _ in
                    request?.pointee.data.deallocate()
                    request?.deallocate()
                }
                if queued != 0 {
                    copy.deallocate()
                    request.deallocate()
                }
            }
        }
    }

    private func destination(for address: String) -> sockaddr_storage? {
        let now = ContinuousClock.now
        if let cached = resolved[address], cached.expires > now { return cached.address }
        if resolved.count > 1024 { resolved.removeAll() }
        let parsed = HostPort(address)
        let storage = parsed.flatMap { try? Self.resolve($0.host, port: $0.port, loop: loop) }
        resolved[address] = Resolution(address: storage, expires: now + Self.resolutionLifetime)
        return storage
    }

    private func freeMemory() {
        receiveBuffer.deallocate()
        for pointer in [UnsafeMutableRawPointer(loop), UnsafeMutableRawPointer(socket),
                        UnsafeMutableRawPointer(timer), UnsafeMutableRawPointer(wakeup)] {
            pointer.deallocate()
        }
    }

    // MARK: - libuv helpers

    private static func owner(of handle: UnsafeMutableRawPointer?) -> UDPLoop? {
        guard let data = handle?.assumingMemoryBound(to: uv_handle_t.self).pointee.data else { return nil }
        return Unmanaged<UDPLoop>.fromOpaque(data).takeUnretainedValue()
    }

    private static func owner(of handle: UnsafeMutablePointer<some Any>?) -> UDPLoop? {
        owner(of: handle.map(UnsafeMutableRawPointer.init))
    }

    private static func handle(_ pointer: UnsafeMutablePointer<some Any>) -> UnsafeMutablePointer<uv_handle_t> {
        UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: uv_handle_t.self)
    }

    private static func check(_ code: Int32, _ call: String) throws(UDPLoopError) {
        guard code == 0 else { throw UDPLoopError(call: call, code: code) }
    }

    /// Closes `handles` and runs the loop until libuv has let go of them, then closes the loop.
    private static func release(loop: UnsafeMutablePointer<uv_loop_t>, closing handles: [UnsafeMutablePointer<uv_handle_t>]) {
        for handle in handles where uv_is_closing(handle) == 0 { uv_close(handle, nil) }
        uv_run(loop, UV_RUN_DEFAULT)
        uv_loop_close(loop)
    }

    private static func withSocketAddress<Result, Failure: Error>(
        _ storage: inout sockaddr_storage, _ body: (UnsafePointer<sockaddr>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try withUnsafeMutablePointer(to: &storage) { (pointer) throws(Failure) -> Result in
            try body(UnsafeRawPointer(pointer).assumingMemoryBound(to: sockaddr.self))
        }
    }

    /// Resolves an IP literal directly and a host name through a synchronous `getaddrinfo`.
    private static func resolve(_ host: String, port: UInt16, loop: UnsafeMutablePointer<uv_loop_t>) throws(UDPLoopError) -> sockaddr_storage {
        var storage = sockaddr_storage()
        let literal = withUnsafeMutablePointer(to: &storage) { pointer in
            let raw = UnsafeMutableRawPointer(pointer)
            return uv_ip4_addr(host, Int32(port), raw.assumingMemoryBound(to: sockaddr_in.self)) == 0
                || uv_ip6_addr(host, Int32(port), raw.assumingMemoryBound(to: sockaddr_in6.self)) == 0
        }
        if literal { return storage }
        var request = uv_getaddrinfo_t()
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        try check(uv_getaddrinfo(loop, &request, nil, host, String(port), &hints), "uv_getaddrinfo")
        guard let info = request.addrinfo else { throw UDPLoopError(call: "uv_getaddrinfo", code: UV_EAI_NONAME.rawValue) }
        defer { uv_freeaddrinfo(info) }
        withUnsafeMutableBytes(of: &storage) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(start: info.pointee.ai_addr, count: Int(info.pointee.ai_addrlen)))
        }
        return storage
    }

    private static func boundPort(_ socket: UnsafeMutablePointer<uv_udp_t>) throws(UDPLoopError) -> UInt16 {
        var storage = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        try withUnsafeMutablePointer(to: &storage) { (pointer) throws(UDPLoopError) in
            try check(uv_udp_getsockname(socket, UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: sockaddr.self), &length),
                      "uv_udp_getsockname")
        }
        return withUnsafeBytes(of: &storage) { raw in
            // sin_port and sin6_port both sit at offset 2, in network byte order.
            UInt16(raw[2]) << 8 | UInt16(raw[3])
        }
    }
}
