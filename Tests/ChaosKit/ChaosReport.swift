import Foundation

/// The text a chaos run prints: its parameters and replay command, the faults, the task counts,
/// recovery times by fault kind and `N passed, M failed` per invariant.
public enum ChaosReport {
    public static func render(
        replay: String, evidence: RunEvidence, results: [InvariantResult], elapsed: Double
    ) -> String {
        var lines: [String] = []
        lines.append("chaos report, seed \(evidence.seed); replay with: \(replay)")
        lines.append("faults injected: \(evidence.faults.count) in \(String(format: "%.0f", elapsed)) s")
        let origin = evidence.faults.first?.start ?? 0
        for injected in evidence.faults {
            let recovery = injected.recovery.map { String(format: "recovered in %.2f s", $0) } ?? "no recovery measured"
            let note = injected.note.isEmpty ? "" : " (\(injected.note))"
            lines.append(String(format: "  #%-3d +%6.1f s  ", injected.fault.number, injected.start - origin)
                         + "\(injected.fault); node \(injected.node ?? "-"); held \(injected.heldTasks); \(recovery)\(note)")
        }
        lines.append("recovery by fault kind (median / worst seconds, over faults that held work):")
        for kind in FaultKind.allCases {
            let all = evidence.faults.filter { $0.fault.kind == kind }
            let times = all.compactMap(\.recovery).sorted()
            let figures = times.isEmpty ? "-" : String(format: "%.2f / %.2f", times[times.count / 2], times.last!)
            lines.append("  \(kind.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0)) \(all.count) injected, \(times.count) measured: \(figures)")
        }
        lines.append(taskSummary(evidence))
        let peaks = evidence.memory.compactMap { $0.samples.map(\.bytes).max() }.sorted()
        if !peaks.isEmpty {
            lines.append("node memory: resident peak per process median \(peaks[peaks.count / 2] >> 20) MiB, "
                         + "largest \(peaks.last! >> 20) MiB, over \(peaks.count) node processes")
        }
        lines.append("invariants:")
        for result in results {
            lines.append("  \(result.name): \(result.passed) passed, \(result.failed) failed")
            for example in result.examples { lines.append("    violation: \(example)") }
        }
        let violations = results.map(\.failed).reduce(0, +)
        lines.append("chaos: \(violations == 0 ? "PASSED" : "FAILED"): \(violations) violation\(violations == 1 ? "" : "s")")
        return lines.joined(separator: "\n")
    }

    static func taskSummary(_ evidence: RunEvidence) -> String {
        let tasks = evidence.tasks.filter { Workload.index(ofName: $0.name) != nil }
        var byKind: [TaskKind: Int] = [:]
        for task in tasks { byKind[Workload.task(Workload.index(ofName: task.name)!, seed: evidence.seed).kind, default: 0] += 1 }
        var byOutcome: [String: Int] = [:]
        for task in tasks { byOutcome["\(task.status.rawValue)\(task.error.map { "/" + $0.rawValue } ?? "")", default: 0] += 1 }
        let attempts = tasks.map(\.attempts).reduce(0, +)
        let executions = evidence.events.filter { $0.kind == .started }.count
        let retried = tasks.filter { $0.attempts > 1 }.count
        return """
            tasks: \(evidence.submitted.count) acknowledged, \(tasks.count) in the database \
            (\(byKind.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", "))); \
            outcomes: \(byOutcome.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")); \
            \(attempts) attempts, \(executions) executions logged, \(retried) tasks ran more than once
            """
    }
}
