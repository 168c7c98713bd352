/// Wakes the claim loop. Rings coalesce: however often it rings while the loop is busy, the
/// loop wakes once more, so a burst of notifications costs one claim.
final class Doorbell: Sendable {
    let rings: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        (rings, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func ring() { continuation.yield() }

    /// Ends the loop that listens: no more claims.
    func close() { continuation.finish() }
}
