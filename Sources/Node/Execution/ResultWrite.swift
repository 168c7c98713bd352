import Sandbox
import Store
import TaskModel

/// What to write to the queue for a sandbox's result. Pure: decided from the result alone.
///
/// A script's own failure (exit code, timeout, memory, output limit) is terminal; engine trouble
/// (`FailureKind.isRetryable`: `sandbox`) is retried with backoff while attempts remain. Nothing
/// that did not exit 0 by itself is ever recorded as completed.
enum ResultWrite: Equatable, Sendable {
    case complete(TaskOutput)
    case fail(TaskFailure, retryable: Bool)

    init(_ result: ExecutionResult) {
        let output = TaskOutput(stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode, truncated: result.outputTruncated)
        let kind: FailureKind
        switch result.outcome {
        case .completed where result.exitCode == 0:
            self = .complete(output)
            return
        case .completed:
            kind = .exitCode
        case .failed(let failure):
            kind = failure
        }
        let detail = result.detail ?? "the script exited with \(result.exitCode.map(String.init) ?? "no exit code")"
        self = .fail(TaskFailure(kind: kind, detail: detail, output: output), retryable: kind.isRetryable)
    }
}
