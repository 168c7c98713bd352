import Foundation
import Logging
import Synchronization

/// What the queue tells a listening node.
public enum QueueSignal: Sendable, Equatable {
    /// A task of this priority became claimable (inserted, or put back to pending).
    case taskAvailable(priority: Int)
    /// The LISTEN is (again) in place: notifications sent before it were not seen, so the
    /// listener should look at the queue once. The first signal of every stream.
    case resynchronized
}

/// Holds one dedicated connection in `LISTEN continuum_tasks` on a thread of its own and turns
/// its notifications into an async sequence. Reconnects with backoff when the server restarts.
final class NotificationListener: Sendable {
    static let channel = "continuum_tasks"

    private let configuration: DatabaseConfiguration
    private let logger: Logger
    private let stopped = Mutex(false)

    init(configuration: DatabaseConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Starts listening; the stream ends when `stop()` is called or its consumer goes away.
    func signals() -> AsyncStream<QueueSignal> {
        let (stream, continuation) = AsyncStream.makeStream(of: QueueSignal.self, bufferingPolicy: .bufferingNewest(1024))
        continuation.onTermination = { [weak self] _ in self?.stop() }
        let thread = Thread { [self] in self.loop(continuation) }
        thread.name = "continuum-pg-listen"
        thread.start()
        return stream
    }

    func stop() { stopped.withLock { $0 = true } }

    private var isStopped: Bool { stopped.withLock { $0 } }

    /// Pauses between reconnection tries.
    static let reconnecting = Backoff(initial: .milliseconds(100), maximum: .seconds(5))

    private func loop(_ continuation: AsyncStream<QueueSignal>.Continuation) {
        var connection: PGConnection?
        var backoff = Self.reconnecting
        while !isStopped {
            do throws(StoreError) {
                if connection == nil {
                    let fresh = try connectBlocking()
                    try fresh.executeScript("LISTEN \(Self.channel)")
                    connection = fresh
                    backoff.reset()
                    continuation.yield(.resynchronized)
                }
                for note in try connection!.waitForNotifications(timeout: .milliseconds(250))
                where note.channel == Self.channel {
                    continuation.yield(.taskAvailable(priority: Int(note.payload) ?? 0))
                }
            } catch {
                if connection != nil {
                    logger.warning("LISTEN connection lost; reconnecting", metadata: ["error": "\(error)"])
                }
                connection = nil
                // This loop owns its thread (libpq waits block), so it sleeps the thread itself.
                let delay = backoff.next()
                Thread.sleep(forTimeInterval: Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18)
            }
        }
        continuation.finish()
    }

    /// Connects from this listener's own thread, which may block.
    private func connectBlocking() throws(StoreError) -> PGConnection {
        try PGConnection(parameters: configuration.libpqParameters, label: "listen")
    }
}
