import Foundation

/// Exponential backoff between attempts of a task that failed for a retryable reason.
///
/// Pure: the delay depends only on the attempt number and the jitter fraction handed in, so
/// it is tested without a clock or a random source.
public struct RetryPolicy: Sendable, Equatable {
    /// Delay after the first failed attempt, seconds.
    public var baseSeconds: Double
    /// Each further attempt multiplies the delay by this.
    public var multiplier: Double
    /// No delay exceeds this, seconds.
    public var capSeconds: Double
    /// Largest share of the delay added or removed at random (0.2 = ±20 %).
    public var jitter: Double

    public init(baseSeconds: Double = 1, multiplier: Double = 2, capSeconds: Double = 300, jitter: Double = 0.2) {
        self.baseSeconds = baseSeconds
        self.multiplier = multiplier
        self.capSeconds = capSeconds
        self.jitter = jitter
    }

    /// The delay before the attempt after `attempt` (1-based). `unit` in 0...1 picks the jitter:
    /// 0.5 means none, 0 the shortest, 1 the longest.
    public func delaySeconds(afterAttempt attempt: Int, unit: Double) -> Double {
        let exponent = Double(max(attempt, 1) - 1)
        let raw = min(capSeconds, baseSeconds * pow(multiplier, exponent))
        let spread = 1 + jitter * (min(max(unit, 0), 1) * 2 - 1)
        return min(capSeconds, raw * spread)
    }

    /// The delay with a random jitter.
    public func delaySeconds(afterAttempt attempt: Int) -> Double {
        delaySeconds(afterAttempt: attempt, unit: Double.random(in: 0...1))
    }
}
