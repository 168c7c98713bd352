import Store
import Testing

@Suite("Backoff")
struct BackoffTests {
    struct Refused: Error, Equatable { let try_: Int }

    @Test("delays double from the first up to the maximum, the jitter spreads each by its share, and reset starts over")
    func sequence() {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .milliseconds(700), jitter: 0.2)
        let even = (0..<5).map { _ in backoff.next(unit: 0.5) }
        #expect(even == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(700), .milliseconds(700)])
        backoff.reset()
        #expect(backoff.next(unit: 0) == .milliseconds(80))
        #expect(backoff.next(unit: 1) == .milliseconds(240))
        var steady = Backoff(initial: .milliseconds(10), maximum: .milliseconds(10), jitter: 0)
        #expect(steady.next() == .milliseconds(10) && steady.next() == .milliseconds(10))
    }

    @Test("retrying runs until the body returns, and stops with the last error when told not to retry")
    func retryingStopsWhenTold() async {
        var backoff = Backoff(initial: .milliseconds(1), maximum: .milliseconds(2))
        var tries = 0
        let value = try? await backoff.retrying({ () async throws(Refused) -> Int in
            tries += 1
            if tries < 3 { throw Refused(try_: tries) }
            return 42
        }) { _, _ in true }
        #expect(value == 42 && tries == 3)
        var refusing = Backoff(initial: .milliseconds(1), maximum: .milliseconds(2))
        await #expect(throws: Refused(try_: 4)) {
            try await refusing.retrying({ () async throws(Refused) in throw Refused(try_: 4) }) { _, tries in tries < 4 }
        }
    }

    @Test("a cancelled caller stops retrying at the next pause, with the last error, instead of spinning")
    func retryingStopsWhenCancelled() async {
        let attempt = Task { () -> (tries: Int, error: Refused?) in
            var backoff = Backoff(initial: .milliseconds(1), maximum: .milliseconds(1))
            var tries = 0
            do {
                _ = try await backoff.retrying({ () async throws(Refused) in
                    tries += 1
                    // Cancelled while it runs its second try, as a shutdown would.
                    if tries == 2 { withUnsafeCurrentTask { $0?.cancel() } }
                    throw Refused(try_: tries)
                }) { _, tries in tries < 1000 }
                return (tries, nil)
            } catch {
                return (tries, error as? Refused)
            }
        }
        let (tries, error) = await attempt.value
        #expect(tries == 2)
        #expect(error == Refused(try_: 2))
    }
}
