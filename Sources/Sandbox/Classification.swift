import TaskModel

/// What the runner reports about one task (the header of its `result` frame).
struct RunnerReport: Sendable, Equatable, Decodable {
    var exitCode: Int32?
    var signal: Int32?
    var stdout: Int
    var stderr: Int
    var stdoutTruncated: Bool
    var stderrTruncated: Bool
    var outputLimit: Bool
    var anomaly: String?

    enum CodingKeys: String, CodingKey {
        case exitCode = "exit_code", signal, stdout, stderr
        case stdoutTruncated = "stdout_truncated", stderrTruncated = "stderr_truncated"
        case outputLimit = "output_limit", anomaly
    }
}

/// Why the node killed a sandbox from outside.
enum KillReason: Sendable, Equatable {
    case timeout(Duration)
    case cancelled
    case shutdown
    /// The runtime process (`runc run`) died while the container ran, so it was killed.
    case runtimeLost
}

/// Everything known about a finished task, before it is judged.
struct RunOutcome: Sendable {
    /// The runner's report; nil when the runner never answered (it died, or the sandbox was killed).
    var report: RunnerReport?
    var stdout: [UInt8] = []
    var stderr: [UInt8] = []
    /// Set when the node killed the sandbox during the task.
    var killed: KillReason?
    /// How much the cgroup's own `oom_kill` counter grew during the task.
    var oomKills: Int = 0
    /// What is known of a sandbox failure (the runtime's last words).
    var sandboxFailure: String?
    var duration: Duration = .zero
    var memoryMB: Int = 0
    var outputLimitBytes: Int = 0
}

/// Turns an outcome into a result. Pure: every rule is unit-tested.
enum Classification {
    static func classify(_ o: RunOutcome) -> ExecutionResult {
        let truncated = (o.report?.stdoutTruncated ?? false) || (o.report?.stderrTruncated ?? false)
        func failed(_ kind: FailureKind, _ detail: String, exitCode: Int32? = nil) -> ExecutionResult {
            ExecutionResult(.failed(kind), exitCode: exitCode, signal: o.report?.signal,
                            stdout: text(o.stdout), stderr: text(o.stderr), outputTruncated: truncated,
                            detail: detail, duration: o.duration)
        }
        switch o.killed {
        case .timeout(let limit)?:
            return failed(.timeout, "the task ran past its time limit of \(seconds(limit)) and its sandbox was killed")
        case .cancelled?, .shutdown?:
            return failed(.sandbox, "the task was stopped before it finished: its sandbox was killed")
        case .runtimeLost?:
            return failed(.sandbox, "the sandbox's runtime process died under the task, so the sandbox was killed")
        case nil:
            break
        }
        if o.oomKills > 0 {
            return failed(.memory, "the task ran out of memory: the kernel killed it at the sandbox's limit of \(o.memoryMB) MiB",
                          exitCode: o.report?.exitCode)
        }
        guard let report = o.report else {
            return failed(.sandbox, o.sandboxFailure ?? "the sandbox's runner exited without reporting a result")
        }
        if report.outputLimit {
            return failed(.outputLimit, "the task wrote more than \(o.outputLimitBytes) bytes to stdout and stderr and was killed")
        }
        if let code = report.exitCode {
            if code == 0 {
                return ExecutionResult(.completed, exitCode: 0, stdout: text(o.stdout),
                                       stderr: text(o.stderr), outputTruncated: truncated, detail: nil, duration: o.duration)
            }
            return failed(.exitCode, "the script exited with code \(code)", exitCode: code)
        }
        if let signal = report.signal {
            return failed(.exitCode, "the script was killed by signal \(signal) (\(signalName(signal)))")
        }
        return failed(.sandbox, "the sandbox lost track of the task: \(report.anomaly ?? "no exit status")")
    }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    static func seconds(_ d: Duration) -> String {
        let s = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        return s == s.rounded() ? "\(Int(s)) s" : "\(s) s"
    }

    static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT",
                                      7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 11: "SIGSEGV", 13: "SIGPIPE",
                                      14: "SIGALRM", 15: "SIGTERM", 24: "SIGXCPU", 25: "SIGXFSZ", 31: "SIGSYS"]
        return names[signal] ?? "signal \(signal)"
    }
}
