/// Lifeguard's local health multiplier: a score in `0...maximum` that grows when this peer
/// misses acks or nacks or has to refute a suspicion about itself (signs that this peer, not the
/// others, is slow) and shrinks with each successful probe. Probe intervals and timeouts are
/// multiplied by `1 + score`.
struct LocalHealth: Sendable {
    private(set) var score = 0
    let maximum: Int

    init(maximum: Int) {
        self.maximum = max(0, maximum)
    }

    mutating func apply(_ delta: Int) {
        score = min(maximum, max(0, score + delta))
    }

    /// `duration · (1 + score)`.
    func scale(_ duration: Duration) -> Duration {
        duration * (score + 1)
    }
}
