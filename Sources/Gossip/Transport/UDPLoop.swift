import CLibUV
import Foundation
import Settings
import Synchronization

/// Why the UDP socket could not be opened.
struct UDPLoopError: Error, Sendable, CustomStringConvertible {
    /// The libuv call that failed.
    let call: String
    /// libuv's (negative) error code.
    let code: Int32
    /// The host name that did not resolve, when the failure is a lookup's.
    var host: String? = nil

    var description: String {
        let reason = String(cString: uv_strerror(code))
        guard let host else { return "\(call): \(reason)" }
        return "cannot resolve the host name \(host): \(reason) (\(call))"
    }
}

/// A bound UDP socket served by a libuv loop on a thread of its own: the only place in the
/// repository that holds libuv pointers.
///
/// The loop thread starts with `bind` and runs until a stop. Host names (of the bind address and
/// of destinations) are looked up with libuv's asynchronous `uv_getaddrinfo`, which runs the
/// lookup on libuv's thread pool and hands the answer to the loop thread, so neither Swift's
/// cooperative pool nor the loop thread waits on DNS. Received datagrams and timer expiries are
/// handed to the callbacks on the loop thread (datagrams once `start()` is called); any thread
/// asks for sends, timer changes and the stop through a command queue and an `uv_async_t`
/// wakeup, so the cooperative pool never waits on the network either.
///
/// `@unchecked Sendable` is sound because:
/// - every libuv pointer is used by one thread at a time: by the creating thread inside `bind`
///   until it starts the loop thread (`Thread.start` orders those writes before the loop
///   thread's reads), then only by the loop thread, which holds a strong reference to the loop
///   until it has freed everything (so `deinit` never sees a live pointer);
/// - the one libuv call made from other threads is `uv_async_send`, which libuv documents as
///   thread-safe; it is issued under `shared`'s lock while `closed` is false, and the loop thread
///   sets `closed` under the same lock before it closes the async handle;
/// - `state` is touched only on the loop thread (lookup callbacks run there too); the callbacks
///   are immutable `@Sendable` closures; the drop counter is an `Atomic`; everything else that
///   crosses threads lives in the `Mutex`.
final class UDPLoop: @unchecked Sendable {
    private enum Command {
        case receive
        case send([UInt8], to: String)
        case timer(after: Duration)
        case stop
    }

    private struct Shared {
        var commands: [Command] = []
        var port: UInt16 = 0
        var closed = false
        var finished = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private struct Resolution {
        let address: sockaddr_storage?
        let expires: ContinuousClock.Instant
    }

    /// What the loop thread alone reads and writes.
    private struct LoopState {
        /// Resumes `bind`; nil once it has been called.
        var bound: (@Sendable (Result<Void, UDPLoopError>) -> Void)?
        /// Why binding failed, reported once the thread has released everything.
        var bindFailure: UDPLoopError?
        /// The bound socket's address family: destinations are looked up in it.
        var family: Int32 = AF_UNSPEC
        var receiving = false
        /// A stop was asked for: handles close once no lookup is in flight.
        var stopping = false
        var lookupsInFlight = 0
        var resolved: [String: Resolution] = [:]
        /// Datagrams waiting for their destination's lookup, by destination.
        var awaiting: [String: [[UInt8]]] = [:]
    }

    /// What a lookup is for.
    private enum Purpose {
        case bind(host: String)
        case destination(String)
    }

    /// A lookup's context, owned by its request until the callback.
    private final class Lookup {
        let loop: UDPLoop
        let purpose: Purpose

        init(loop: UDPLoop, purpose: Purpose) {
            self.loop = loop
            self.purpose = purpose
        }
    }

    /// Large enough for any UDP datagram, so an oversized one arrives whole and is refused by
    /// size rather than cut to a plausible prefix.
    private static let receiveBufferBytes = 65536
    /// How long a resolved destination (or a failed resolution) is reused.
    private static let resolutionLifetime = Duration.seconds(30)
    /// Datagrams kept for one destination while its lookup runs; later ones are dropped.
    private static let awaitingLimit = 64

    private let loop: UnsafeMutablePointer<uv_loop_t>
    private let socket: UnsafeMutablePointer<uv_udp_t>
    private let timer: UnsafeMutablePointer<uv_timer_t>
    private let wakeup: UnsafeMutablePointer<uv_async_t>
    private let receiveBuffer: UnsafeMutableRawPointer
    private let onDatagram: @Sendable ([UInt8]) -> Void
    private let onTimer: @Sendable () -> Void
    private let shared = Mutex(Shared())
    private let unresolved = Atomic<Int>(0)
    private var state = LoopState()

    /// The port the socket is bound to (the ephemeral one when binding asked for port 0).
    var port: UInt16 { shared.withLock { $0.port } }

    /// Datagrams dropped because their destination was malformed or its host name did not
    /// resolve.
    var unresolvedDrops: Int { unresolved.load(ordering: .relaxed) }

    /// Starts a loop thread and binds a UDP socket to `address` on it, looking a host name up
    /// without blocking; `onTimer` may run from now on, `onDatagram` once `start()` is called.
    /// Throws when the name does not resolve or the address cannot be bound.
    static func bind(
        _ address: HostPort, onDatagram: @escaping @Sendable ([UInt8]) -> Void, onTimer: @escaping @Sendable () -> Void
    ) async throws(UDPLoopError) -> UDPLoop {
        let loop = try make(onDatagram: onDatagram, onTimer: onTimer)
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Void, UDPLoopError>, Never>) in
            loop.launch(binding: address) { continuation.resume(returning: $0) }
        }
        try outcome.get()
        return loop
    }

    /// Initializes the loop and its handles on the calling thread (no I/O beyond creating
    /// descriptors), or releases what it made and throws.
    private static func make(
        onDatagram: @escaping @Sendable ([UInt8]) -> Void, onTimer: @escaping @Sendable () -> Void
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
        return UDPLoop(loop: loop, socket: socket, timer: timer, wakeup: wakeup, onDatagram: onDatagram, onTimer: onTimer)
    }

    private init(
        loop: UnsafeMutablePointer<uv_loop_t>, socket: UnsafeMutablePointer<uv_udp_t>,
        timer: UnsafeMutablePointer<uv_timer_t>, wakeup: UnsafeMutablePointer<uv_async_t>,
        onDatagram: @escaping @Sendable ([UInt8]) -> Void, onTimer: @escaping @Sendable () -> Void
    ) {
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

    /// Starts receiving: `onDatagram` runs on the loop thread for every datagram from now on.
    func start() {
        request(.receive)
    }

    /// Queues `bytes` for `address` (`host:port`). A host name is looked up first (the answer is
    /// reused for 30 s); datagrams to malformed or unresolvable addresses are dropped and counted
    /// in `unresolvedDrops`.
    func send(_ bytes: [UInt8], to address: String) {
        request(.send(bytes, to: address))
    }

    /// Replaces the pending timer: `onTimer` runs once, `delay` from now.
    func schedule(after delay: Duration) {
        request(.timer(after: delay))
    }

    /// Asks the loop to send what is queued (after the lookups in flight), close the socket and
    /// end its thread.
    func requestStop() {
        request(.stop)
    }

    /// Stops the loop and waits until its thread has released the socket.
    func stop() async {
        requestStop()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let waiting = shared.withLock { shared in
                guard !shared.finished else { return false }
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

    private func launch(binding address: HostPort, then bound: @escaping @Sendable (Result<Void, UDPLoopError>) -> Void) {
        let thread = Thread { [self] in run(binding: address, then: bound) }
        thread.name = "continuum-gossip-uv"
        thread.start()
    }

    private func run(binding address: HostPort, then bound: @escaping @Sendable (Result<Void, UDPLoopError>) -> Void) {
        state.bound = bound
        if let literal = Self.literal(address.host, port: address.port) {
            bindSocket(to: literal)
        } else {
            lookUp(address, for: .bind(host: address.host), family: AF_UNSPEC)
        }
        uv_run(loop, UV_RUN_DEFAULT)
        uv_loop_close(loop)
        freeMemory()
        let waiters = shared.withLock { shared in
            shared.finished = true
            return shared.waiters
        }
        for waiter in waiters { waiter.resume() }
        if let failure = state.bindFailure { bound(.failure(failure)) }
    }

    private func bindSocket(to storage: sockaddr_storage) {
        var storage = storage
        do throws(UDPLoopError) {
            try Self.withSocketAddress(&storage) { (address) throws(UDPLoopError) in
                try Self.check(uv_udp_bind(socket, address, 0), "uv_udp_bind")
            }
            let (port, family) = try Self.boundAddress(socket)
            state.family = family
            shared.withLock { $0.port = port }
            state.bound?(.success(()))
            state.bound = nil
        } catch {
            failBinding(error)
        }
    }

    private func failBinding(_ error: UDPLoopError) {
        state.bindFailure = error
        state.bound = nil
        close()
    }

    private func drainCommands() {
        let commands = shared.withLock { shared in
            defer { shared.commands.removeAll() }
            return shared.commands
        }
        for command in commands {
            switch command {
            case .receive:
                startReceiving()
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

    private func startReceiving() {
        guard !state.receiving else { return }
        state.receiving = true
        let receiving = uv_udp_recv_start(socket, { handle, _, buffer in
            guard let loop = UDPLoop.owner(of: handle), let buffer else { return }
            buffer.pointee = uv_buf_init(loop.receiveBuffer.assumingMemoryBound(to: CChar.self), UInt32(UDPLoop.receiveBufferBytes))
        }, { handle, count, buffer, sender, _ in
            guard let loop = UDPLoop.owner(of: handle), sender != nil, count >= 0, let base = buffer?.pointee.base else { return }
            loop.onDatagram(Array(UnsafeRawBufferPointer(start: base, count: count)))
        })
        if receiving != 0 { close() }
    }

    /// Takes no more commands, stops receiving and the timer, and closes the handles once no
    /// lookup is in flight (the loop cannot end before its lookups do).
    private func close() {
        shared.withLock { $0.closed = true }
        guard !state.stopping else { return }
        state.stopping = true
        uv_udp_recv_stop(socket)
        uv_timer_stop(timer)
        closeHandlesWhenIdle()
    }

    private func closeHandlesWhenIdle() {
        guard state.stopping, state.lookupsInFlight == 0 else { return }
        for handle in [Self.handle(socket), Self.handle(timer), Self.handle(wakeup)] where uv_is_closing(handle) == 0 {
            uv_close(handle, nil)
        }
    }

    private func transmit(_ bytes: [UInt8], to address: String) {
        guard !bytes.isEmpty else { return }
        let now = ContinuousClock.now
        if let cached = state.resolved[address], cached.expires > now {
            deliver(bytes, to: cached.address)
            return
        }
        if state.awaiting[address] != nil {
            if state.awaiting[address]!.count < Self.awaitingLimit {
                state.awaiting[address]!.append(bytes)
            } else {
                countUnresolved(1)
            }
            return
        }
        if state.resolved.count > 1024 { state.resolved.removeAll() }
        guard let parsed = HostPort(address) else {
            state.resolved[address] = Resolution(address: nil, expires: now + Self.resolutionLifetime)
            countUnresolved(1)
            return
        }
        if let literal = Self.literal(parsed.host, port: parsed.port) {
            state.resolved[address] = Resolution(address: literal, expires: now + Self.resolutionLifetime)
            deliver(bytes, to: literal)
            return
        }
        state.awaiting[address] = [bytes]
        lookUp(parsed, for: .destination(address), family: state.family)
    }

    /// Starts an asynchronous lookup; its answer comes to `resolved(_:as:status:)` on this thread.
    private func lookUp(_ address: HostPort, for purpose: Purpose, family: Int32) {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        hints.ai_family = family
        // An IPv6 socket bound to the wildcard also reaches IPv4 peers, through mapped addresses.
        if family == AF_INET6 { hints.ai_flags = AI_V4MAPPED }
        let request = UnsafeMutablePointer<uv_getaddrinfo_t>.allocate(capacity: 1)
        let context = Unmanaged.passRetained(Lookup(loop: self, purpose: purpose))
        request.pointee.data = context.toOpaque()
        // libuv copies the name, the service and the hints before returning.
        let started = uv_getaddrinfo(loop, request, { request, status, info in
            guard let request else { return }
            let lookup = Unmanaged<Lookup>.fromOpaque(request.pointee.data).takeRetainedValue()
            request.deallocate()
            let address = status == 0 ? info.flatMap(UDPLoop.firstAddress) : nil
            if let info { uv_freeaddrinfo(info) }
            lookup.loop.state.lookupsInFlight -= 1
            lookup.loop.resolved(lookup.purpose, as: address, status: status)
        }, address.host, String(address.port), &hints)
        if started == 0 {
            state.lookupsInFlight += 1
        } else {
            context.release()
            request.deallocate()
            resolved(purpose, as: nil, status: started)
        }
    }

    private func resolved(_ purpose: Purpose, as address: sockaddr_storage?, status: Int32) {
        switch purpose {
        case .bind(let host):
            if let address {
                bindSocket(to: address)
            } else {
                failBinding(UDPLoopError(call: "uv_getaddrinfo", code: status == 0 ? UV_EAI_NONAME.rawValue : status, host: host))
            }
        case .destination(let key):
            state.resolved[key] = Resolution(address: address, expires: .now + Self.resolutionLifetime)
            for bytes in state.awaiting.removeValue(forKey: key) ?? [] { deliver(bytes, to: address) }
        }
        closeHandlesWhenIdle()
    }

    /// Sends `bytes` to a resolved destination, or counts the drop when it did not resolve.
    private func deliver(_ bytes: [UInt8], to destination: sockaddr_storage?) {
        guard var destination else {
            countUnresolved(1)
            return
        }
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

    private func countUnresolved(_ count: Int) {
        unresolved.add(count, ordering: .relaxed)
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

    /// The address of an IPv4 or IPv6 literal; nil for a host name.
    private static func literal(_ host: String, port: UInt16) -> sockaddr_storage? {
        var storage = sockaddr_storage()
        let parsed = withUnsafeMutablePointer(to: &storage) { pointer in
            let raw = UnsafeMutableRawPointer(pointer)
            return uv_ip4_addr(host, Int32(port), raw.assumingMemoryBound(to: sockaddr_in.self)) == 0
                || uv_ip6_addr(host, Int32(port), raw.assumingMemoryBound(to: sockaddr_in6.self)) == 0
        }
        return parsed ? storage : nil
    }

    /// The first address of a lookup's answer.
    private static func firstAddress(_ info: UnsafeMutablePointer<addrinfo>) -> sockaddr_storage? {
        guard let address = info.pointee.ai_addr, Int(info.pointee.ai_addrlen) <= MemoryLayout<sockaddr_storage>.size else {
            return nil
        }
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(info.pointee.ai_addrlen)))
        }
        return storage
    }

    /// The bound port and address family.
    private static func boundAddress(_ socket: UnsafeMutablePointer<uv_udp_t>) throws(UDPLoopError) -> (UInt16, Int32) {
        var storage = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        try withUnsafeMutablePointer(to: &storage) { (pointer) throws(UDPLoopError) in
            try check(uv_udp_getsockname(socket, UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: sockaddr.self), &length),
                      "uv_udp_getsockname")
        }
        let port = withUnsafeBytes(of: &storage) { raw in
            // sin_port and sin6_port both sit at offset 2, in network byte order.
            UInt16(raw[2]) << 8 | UInt16(raw[3])
        }
        return (port, Int32(storage.ss_family))
    }
}
