import Testing
@testable import Sandbox

@Suite struct ClassificationTests {
    func report(exit: Int32? = 0, signal: Int32? = nil, limit: Bool = false, anomaly: String? = nil,
                truncated: Bool = false) -> RunnerReport {
        RunnerReport(exitCode: exit, signal: signal, stdout: 0, stderr: 0, stdoutTruncated: truncated,
                     stderrTruncated: false, outputLimit: limit, anomaly: anomaly)
    }

    func outcome(_ report: RunnerReport?, killed: KillReason? = nil, oom: Int = 0) -> RunOutcome {
        RunOutcome(report: report, stdout: Array("out".utf8), stderr: Array("err".utf8), killed: killed,
                   oomKills: oom, sandboxFailure: nil, duration: .milliseconds(5), memoryMB: 512, outputLimitBytes: 100)
    }

    @Test func exitZeroCompletes() {
        let r = Classification.classify(outcome(report()))
        #expect(r.status == .completed)
        #expect(r.errorKind == nil)
        #expect(r.exitCode == 0)
        #expect(r.detail == nil)
        #expect(r.stdout == "out" && r.stderr == "err")
    }

    @Test func nonZeroExitFails() {
        let r = Classification.classify(outcome(report(exit: 3)))
        #expect(r.status == .failed)
        #expect(r.errorKind == .exitCode)
        #expect(r.exitCode == 3)
        #expect(r.detail?.contains("code 3") == true)
    }

    @Test func signalIsExitCodeKindWithoutCode() {
        let r = Classification.classify(outcome(report(exit: nil, signal: 11)))
        #expect(r.errorKind == .exitCode)
        #expect(r.exitCode == nil)
        #expect(r.signal == 11)
        #expect(r.detail?.contains("SIGSEGV") == true)
    }

    @Test func timeoutWinsOverEverything() {
        let r = Classification.classify(outcome(nil, killed: .timeout(.seconds(2)), oom: 1))
        #expect(r.errorKind == .timeout)
        #expect(r.exitCode == nil)
        #expect(r.detail?.contains("2 s") == true)
    }

    @Test func oomCounterMeansMemory() {
        let r = Classification.classify(outcome(report(exit: nil, signal: 9), oom: 1))
        #expect(r.errorKind == .memory)
        #expect(r.detail?.contains("512 MiB") == true)
    }

    @Test func sigkillWithoutOOMCounterIsNotMemory() {
        let r = Classification.classify(outcome(report(exit: nil, signal: 9), oom: 0))
        #expect(r.errorKind == .exitCode)
    }

    @Test func outputLimit() {
        let r = Classification.classify(outcome(report(exit: nil, signal: 9, limit: true)))
        #expect(r.errorKind == .outputLimit)
    }

    @Test func noReportIsSandboxFailure() {
        var o = outcome(nil)
        o.sandboxFailure = "runc said no"
        let r = Classification.classify(o)
        #expect(r.status == .failed)
        #expect(r.errorKind == .sandbox)
        #expect(r.detail == "runc said no")
    }

    @Test func anomalyWithExitStatusKeepsTheResult() {
        let r = Classification.classify(outcome(report(exit: 0, anomaly: "the zygote died")))
        #expect(r.status == .completed)
    }

    @Test func anomalyWithoutExitStatusIsSandbox() {
        let r = Classification.classify(outcome(report(exit: nil, anomaly: "the zygote died")))
        #expect(r.errorKind == .sandbox)
        #expect(r.detail?.contains("zygote") == true)
    }

    @Test func truncationIsReported() {
        #expect(Classification.classify(outcome(report(truncated: true))).outputTruncated)
        #expect(!Classification.classify(outcome(report())).outputTruncated)
    }

    @Test func runtimeLostIsSandboxKindAndSaysSo() {
        let result = Classification.classify(outcome(nil, killed: .runtimeLost))
        #expect(result.errorKind == .sandbox)
        #expect(result.detail?.contains("runtime process died") == true)
    }

    @Test func shutdownKillIsSandboxKind() {
        #expect(Classification.classify(outcome(nil, killed: .shutdown)).errorKind == .sandbox)
    }

    @Test func invalidUTF8IsReplacedNotDropped() {
        var o = outcome(report())
        o.stdout = [0x61, 0xff, 0x62]
        #expect(Classification.classify(o).stdout == "a\u{FFFD}b")
    }
}
