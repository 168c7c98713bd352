/// The delays between tries of one operation that waits for something to come back (a database,
/// a node): `initial`, then doubling up to `maximum`, each spread by up to ±`jitter`.
///
/// Pure but for `pause()`: `next(unit:)` takes its jitter as an argument, so the sequence is
/// tested without a clock or a random source. `pause()` throws `CancellationError` as soon as
/// the calling task is cancelled, so a retry loop built on it never spins hot after
/// cancellation; a loop that must finish its writes while its caller is being cancelled runs
/// in a task of its own.
public struct Backoff: Sendable {
    public let initial: Duration
    public let maximum: Duration
    /// Largest share of a delay added or removed at random (0.2 = ±20 %).
    public let jitter: Double
    private var upcoming: Duration

    public init(initial: Duration, maximum: Duration, jitter: Double = 0.2) {
        precondition(initial > .zero && maximum >= initial && (0...1).contains(jitter), "Backoff(\(initial), \(maximum), \(jitter))")
        self.initial = initial
        self.maximum = maximum
        self.jitter = jitter
        upcoming = initial
    }

    /// The next delay. `unit` in 0...1 picks the jitter: 0.5 means none, 0 the shortest, 1 the
    /// longest.
    public mutating func next(unit: Double) -> Duration {
        let base = upcoming
        upcoming = min(upcoming * 2, maximum)
        return base * (1 + jitter * (min(max(unit, 0), 1) * 2 - 1))
    }

    /// The next delay with a random jitter.
    public mutating func next() -> Duration { next(unit: Double.random(in: 0...1)) }

    /// Starts again from `initial`, after a try that succeeded.
    public mutating func reset() { upcoming = initial }

    /// Sleeps the next delay; throws `CancellationError` when the calling task is cancelled.
    public mutating func pause() async throws(CancellationError) {
        do {
            try await Task.sleep(for: next())
        } catch {
            throw CancellationError()
        }
    }
}

extension Backoff {
    /// Runs `body` until it returns, pausing between tries while `shouldRetry` says so for the
    /// error and the number of the try that threw it (from 1). Throws the last error when
    /// `shouldRetry` says no, or when the calling task is cancelled during a pause.
    public mutating func retrying<T, E: Error>(
        _ body: () async throws(E) -> T, while shouldRetry: (E, _ tries: Int) -> Bool
    ) async throws(E) -> T {
        var tries = 0
        while true {
            tries += 1
            do throws(E) {
                return try await body()
            } catch let failure {
                guard shouldRetry(failure, tries) else { throw failure }
                do { try await pause() } catch { throw failure }
            }
        }
    }
}
