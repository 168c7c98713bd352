import Dispatch
import Foundation
import Logging

/// A bounded pool of libpq connections that never blocks Swift's cooperative threads: each
/// connection runs its calls on its own serial dispatch queue, and connecting runs on a
/// thread of its own.
///
/// A connection found broken is dropped together with every idle one (after a server restart
/// they are all dead), so the next call connects afresh.
actor ConnectionPool {
    private let configuration: DatabaseConfiguration
    private let logger: Logger
    private var idle: [PGConnection] = []
    private var open = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var opened = 0

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
        let dropping = idle
        idle.removeAll()
        open -= dropping.count
        dropping.forEach(Self.dispose)
    }

    private func acquire() async throws(StoreError) -> PGConnection {
        while true {
            if let connection = idle.popLast() { return connection }
            if open < configuration.poolSize {
                open += 1
                opened += 1
                do {
                    return try await Self.connect(configuration, label: "pool\(opened)")
                } catch {
                    open -= 1
                    wakeOne()
                    logger.warning("cannot connect to PostgreSQL", metadata: [
                        "database": "\(configuration.redactedDescription)", "error": "\(error)",
                    ])
                    throw error
                }
            }
            await withCheckedContinuation { waiters.append($0) }
        }
    }

    private func release(_ connection: PGConnection, failure: StoreError?) {
        if failure?.isConnectionFailure == true || !connection.isHealthy {
            open -= 1
            Self.dispose(connection)
            logger.info("dropping pooled connections after a broken one", metadata: ["idle": "\(idle.count)"])
            close()
        } else {
            idle.append(connection)
        }
        wakeOne()
    }

    private func wakeOne() {
        if !waiters.isEmpty { waiters.removeFirst().resume() }
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
