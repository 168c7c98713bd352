import Foundation

/// Runs blocking work (process spawning, waitpid, pipe and file I/O) on a thread of its own, so that
/// Swift's cooperative pool (two threads on a two-core machine) never waits on the kernel.
public enum Blocking {
    /// Runs `body` on a new thread and resumes with its result.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            detach { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Runs `body` on a new thread and returns at once.
    static func detach(_ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.stackSize = 1 << 20
        thread.start()
    }
}
