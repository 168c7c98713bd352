import Dispatch
import Foundation
import Logging
import Synchronization

/// A bounded pool of libpq connections that never blocks Swift's cooperative threads: each
/// connection runs its calls on its own serial dispatch queue, and connecting runs on a
/// thread of its own.
///
/// Checking a connection out and in takes a lock for a few instructions, not an actor hop:
/// a statement costs one switch to the connection's queue and one back.
///
/// A connection found broken is dropped together with every idle one (after a server restart
/// they are all dead), so the next call connects afresh.
final class ConnectionPool: Sendable {
    private struct State {
        var idle: [PGConnection] = []
        var open = 0
        var opened = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private enum Checkout {
        case connection(PGConnection)
        case connect(label: String)
        case wait
    }

    private let configuration: DatabaseConfiguration
    private let logger: Logger
    private let state = Mutex(State())

    init(configuration: DatabaseConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs `body` on a pooled connection's own queue and returns its result.
    func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (PGConnection) throws(StoreError) -> T
    ) async throws(StoreError) -> T {
        let connection = try await acquire()
        let result = await Self.run(on: connection, body)
        release(connection, failure: result.failure)
        return try result.get()
    }

    /// Closes every idle connection; busy ones close when they come back.
    func close() {
        let dropping = state.withLock { state in
            let dropping = state.idle
            state.idle.removeAll()
            state.open -= dropping.count
            return dropping
        }
        dropping.forEach(Self.dispose)
    }

    private func acquire() async throws(StoreError) -> PGConnection {
        while true {
            let checkout: Checkout = state.withLock { state in
                if let connection = state.idle.popLast() { return .connection(connection) }
                guard state.open < configuration.poolSize else { return .wait }
                state.open += 1
                state.opened += 1
                return .connect(label: "pool\(state.opened)")
            }
            switch checkout {
            case .connection(let connection):
                return connection
            case .connect(let label):
                do {
                    return try await Self.connect(configuration, label: label)
                } catch {
                    state.withLock { $0.open -= 1 }
                    wakeOne()
                    logger.warning("cannot connect to PostgreSQL", metadata: [
                        "database": "\(configuration.redactedDescription)", "error": "\(error)",
                    ])
                    throw error
                }
            case .wait:
                await withCheckedContinuation { continuation in
                    let parked = state.withLock { state in
                        // A connection may have come back between the checkout and here.
                        guard state.idle.isEmpty && state.open >= configuration.poolSize else { return false }
                        state.waiters.append(continuation)
                        return true
                    }
                    if !parked { continuation.resume() }
                }
            }
        }
    }

    private func release(_ connection: PGConnection, failure: StoreError?) {
        guard failure?.isConnectionFailure != true && connection.isHealthy else {
            state.withLock { $0.open -= 1 }
            Self.dispose(connection)
            logger.info("dropping pooled connections after a broken one")
            close()
            wakeOne()
            return
        }
        state.withLock { $0.idle.append(connection) }
        wakeOne()
    }

    private func wakeOne() {
        let waiter = state.withLock { state in state.waiters.isEmpty ? nil : state.waiters.removeFirst() }
        waiter?.resume()
    }

    private static func run<T: Sendable>(
        on connection: PGConnection, _ body: @escaping @Sendable (PGConnection) throws(StoreError) -> T
    ) async -> Result<T, StoreError> {
        await withCheckedContinuation { continuation in
            connection.queue.async {
                continuation.resume(returning: Result { () throws(StoreError) -> T in try body(connection) })
            }
        }
    }

    private static func connect(_ configuration: DatabaseConfiguration, label: String) async throws(StoreError) -> PGConnection {
        let parameters = configuration.libpqParameters
        let result: Result<PGConnection, StoreError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: Result { () throws(StoreError) -> PGConnection in
                    try PGConnection(parameters: parameters, label: label)
                })
            }
            thread.name = "continuum-pg-connect"
            thread.start()
        }
        return try result.get()
    }

    /// Lets the connection's last reference go on its own queue, where `PQfinish` may block.
    private static func dispose(_ connection: PGConnection) {
        connection.queue.async { withExtendedLifetime(connection) {} }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
