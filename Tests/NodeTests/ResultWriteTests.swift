import Sandbox
import Store
import TaskModel
import Testing
@testable import Node

@Suite("What a sandbox result writes")
struct ResultWriteTests {
    static func result(_ outcome: ExecutionResult.Outcome, exit: Int32?, detail: String? = nil) -> ExecutionResult {
        ExecutionResult(outcome, exitCode: exit, stdout: "out", stderr: "err",
                        outputTruncated: false, detail: detail, duration: .milliseconds(5))
    }

    @Test("a clean exit 0 completes with its output")
    func completes() {
        #expect(ResultWrite(Self.result(.completed, exit: 0)) == .complete(TaskOutput(stdout: "out", stderr: "err", exitCode: 0)))
    }

    @Test("the script's own failures are terminal", arguments: [FailureKind.exitCode, .timeout, .memory, .outputLimit])
    func scriptFailuresAreTerminal(kind: FailureKind) {
        guard case .fail(let failure, let retryable) = ResultWrite(Self.result(.failed(kind), exit: kind == .exitCode ? 2 : nil, detail: "d")) else {
            Issue.record("not a failure")
            return
        }
        #expect(!retryable)
        #expect(failure.kind == kind)
        #expect(failure.detail == "d")
    }

    @Test("engine trouble is retried")
    func sandboxTroubleRetried() {
        guard case .fail(let failure, let retryable) = ResultWrite(Self.result(.failed(.sandbox), exit: nil, detail: "runner died")) else {
            Issue.record("not a failure")
            return
        }
        #expect(retryable && failure.kind == .sandbox)
    }

    @Test("a result claiming completion without exit code 0 is never recorded as completed", arguments: [Int32?.none, 1, -9])
    func inconsistentCompletionFails(exit: Int32?) {
        guard case .fail(let failure, let retryable) = ResultWrite(Self.result(.completed, exit: exit)) else {
            Issue.record("recorded as completed")
            return
        }
        #expect(failure.kind == .exitCode && !retryable)
    }
}
