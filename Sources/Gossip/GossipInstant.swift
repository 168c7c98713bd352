/// A point on the driver's monotonic clock, in nanoseconds from an arbitrary origin.
///
/// The state machine never reads a clock: the shell (or a simulator) passes the current instant
/// into every call.
public struct GossipInstant: Sendable, Hashable, Comparable {
    /// Nanoseconds since the driver's origin.
    public var nanoseconds: Int64

    /// Creates an instant.
    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    /// The origin of the clock.
    public static let zero = GossipInstant(nanoseconds: 0)

    /// The instant `duration` later (saturating).
    public func advanced(by duration: Duration) -> GossipInstant {
        GossipInstant(nanoseconds: nanoseconds.addingReportingOverflow(duration.nanoseconds).overflow
            ? Int64.max : nanoseconds + duration.nanoseconds)
    }

    /// The duration from `earlier` to this instant.
    public func duration(since earlier: GossipInstant) -> Duration {
        .nanoseconds(nanoseconds - earlier.nanoseconds)
    }

    public static func < (lhs: GossipInstant, rhs: GossipInstant) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }
}

extension Duration {
    /// The duration in whole nanoseconds (saturating at `Int64.max`).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? Int64.min : Int64.max }
        return scaled + attoseconds / 1_000_000_000
    }

    /// The duration multiplied by a non-negative factor.
    func scaled(by factor: Double) -> Duration {
        .nanoseconds(Int64((Double(nanoseconds) * factor).rounded()))
    }
}
