import ArgumentParser
import Foundation
import Store

/// An error a command reports as one clear sentence on stderr with exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String

    /// Runs `body`, turning its error into a `CommandFailure` carrying the error's message.
    static func wrap<T, E: Error>(_ body: () throws(E) -> T) throws(CommandFailure) -> T {
        do { return try body() } catch { throw CommandFailure(description: "\(error)") }
    }

    static func wrap<T, E: Error>(_ body: () async throws(E) -> T) async throws(CommandFailure) -> T {
        do { return try await body() } catch { throw CommandFailure(description: "\(error)") }
    }
}

extension Backoff {
    /// Polling a task until it ends: quickly at first (a warm sandbox answers in milliseconds),
    /// then every half second.
    static let waitingForATask = Backoff(initial: .milliseconds(10), maximum: .milliseconds(500), jitter: 0)
}
