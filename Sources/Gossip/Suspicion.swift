#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Lifeguard's dynamic suspicion timeout: it starts at `max` and shrinks towards `min` as
/// independent members confirm the suspicion, reaching `min` after `expected` confirmations.
struct Suspicion: Sendable {
    /// The incarnation under suspicion.
    let incarnation: UInt64
    let startedAt: GossipInstant
    private let minimum: Duration
    private let maximum: Duration
    private let expected: Int
    /// The member that raised the suspicion first.
    let originator: String
    /// Members that suspected this incarnation; the first one started the suspicion.
    private(set) var suspectors: Set<String>

    init(incarnation: UInt64, suspector: String, startedAt: GossipInstant, minimum: Duration, maximum: Duration, expected: Int) {
        self.incarnation = incarnation
        self.startedAt = startedAt
        self.minimum = minimum
        self.maximum = max(minimum, maximum)
        self.expected = expected
        originator = suspector
        suspectors = [suspector]
    }

    /// Independent confirmations beyond the suspicion's originator.
    var confirmations: Int { suspectors.count - 1 }

    /// Records a confirmation; returns whether `suspector` is new.
    mutating func confirm(by suspector: String) -> Bool {
        suspectors.insert(suspector).inserted
    }

    /// `max - (max - min) · log(c + 1) / log(K + 1)`, never below `min`.
    var timeout: Duration {
        guard expected > 0 else { return minimum }
        let fraction = min(1, log(Double(confirmations) + 1) / log(Double(expected) + 1))
        let span = Double((maximum - minimum).nanoseconds)
        return maximum - .nanoseconds(Int64(span * fraction))
    }

    var deadline: GossipInstant { startedAt.advanced(by: timeout) }
}
