import Logging
import Store
import TaskEvents

/// Writes what an attempt came to (a result, or the task handed back), with the claim's fencing
/// token, retrying while the database is away.
///
/// Each write runs in a task of its own: the attempt's task may be cancelled (shutdown), and a
/// write must still get its backoff instead of a sleep that returns at once. It gives up after
/// `patience` (twice the lease TTL: by then the lease has expired and recovery reruns the task).
struct ResultWriter: Sendable {
    let queue: any TaskQueue
    let metrics: NodeMetrics
    let patience: Duration

    /// Writes `outcome` of `task`, which ran for `duration`.
    func record(_ outcome: ResultWrite, for task: ClaimedTask, after duration: Duration, logger: Logger) async {
        await write(task, logger: logger) { () async throws(StoreError) in
            switch outcome {
            case .complete(let output):
                try await queue.complete(task.lease, output: output)
                metrics.completed(after: duration)
                logger.event(.completed, of: task, level: .debug, "task completed")
            case .fail(let failure, let retryable):
                let disposition = try await queue.fail(task.lease, failure: failure, retryable: retryable, attempt: task.attempt)
                if case .retryScheduled(let delay) = disposition {
                    metrics.retried()
                    logger.event(.retryScheduled, of: task, level: .info, "engine trouble; retry scheduled", metadata: ["delay_s": "\(delay)", "detail": "\(failure.detail)"])
                } else {
                    metrics.failed(kind: failure.kind, after: duration)
                    logger.event(.failed, of: task, level: .debug, "task failed", metadata: ["error": "\(failure.kind.rawValue)"])
                }
            }
        }
    }

    /// Hands a task stopped by shutdown back to the queue. It ran, so its attempt counts.
    func handBack(_ task: ClaimedTask, logger: Logger) async {
        await write(task, logger: logger) { () async throws(StoreError) in
            try await queue.requeue(task.lease, refundAttempt: false)
            metrics.requeued()
            logger.event(.handedBack, of: task, level: .info, "task handed back to the queue")
        }
    }

    private func write(_ task: ClaimedTask, logger: Logger, _ body: @escaping @Sendable () async throws(StoreError) -> Void) async {
        let patience = patience
        let metrics = metrics
        // Not a child of the caller: a cancelled attempt still writes, with real pauses.
        await Task {
            let deadline = ContinuousClock.now + patience
            var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(2))
            while true {
                do throws(StoreError) {
                    try await body()
                    return
                } catch .leaseLost(_, _, let detail) {
                    metrics.leaseLost()
                    logger.event(.leaseLost, of: task, level: .warning, "result rejected: the lease was lost", metadata: ["detail": "\(detail)"])
                    return
                } catch let error where error.isConnectionFailure && ContinuousClock.now < deadline {
                    logger.warning("cannot write the result yet; retrying", metadata: ["error": "\(error)"])
                    try? await backoff.pause()
                } catch {
                    metrics.writeError()
                    logger.event(.writeUnconfirmed, of: task, level: .error,
                                 "could not confirm the result write; unless it landed, the lease expires and the task runs again",
                                 metadata: ["error": "\(error)"])
                    return
                }
            }
        }.value
    }
}
