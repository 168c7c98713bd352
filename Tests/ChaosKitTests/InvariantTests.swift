@testable import ChaosKit
import TaskModel
import Testing

@Suite("Chaos invariants")
struct InvariantTests {
    static let seed: UInt64 = 5

    /// The first stream index of `kind` under `seed`.
    static func index(of kind: TaskKind) -> Int {
        (0...).first { Workload.task($0, seed: seed).kind == kind }!
    }

    /// A clean run: one task of each kind, each run once by `p1` and written with its fence.
    static func cleanEvidence() -> RunEvidence {
        var tasks: [FinalTask] = []
        var events: [TaskEvent] = []
        var submitted: [Int: Int64] = [:]
        for (offset, kind) in TaskKind.allCases.enumerated() {
            let plan = Workload.task(index(of: kind), seed: seed)
            let id = Int64(100 + offset)
            let expected = kind.expected
            submitted[plan.index] = id
            tasks.append(FinalTask(
                id: id, name: plan.name, status: expected.status, attempts: 1, maxAttempts: 5, fence: 1, workerID: "p1",
                error: expected.error, output: plan.marker + "\n", created: 1000, finished: 1001))
            events.append(TaskEvent(kind: .started, node: "p1", taskID: id, fence: 1, attempt: 1))
            events.append(TaskEvent(kind: expected.status == .completed ? .completed : .failed, node: "p1", taskID: id, fence: 1, attempt: 1))
        }
        let memory = MemorySeries(label: "p1#0", samples: stride(from: 0.0, through: 120, by: 2).map { ($0 + 1000, 40 << 20) })
        return RunEvidence(seed: seed, submitted: submitted, tasks: tasks, events: events, faults: [],
                           memory: [memory], leftovers: ["p1": []])
    }

    static func failures(_ evidence: RunEvidence) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: Invariants.check(evidence).map { ($0.name, $0.failed) }).filter { $0.value > 0 }
    }

    static func failed(_ evidence: RunEvidence, only name: String) -> Bool {
        let failing = failures(evidence)
        return failing.keys.count == 1 && failing.keys.first!.hasPrefix(name)
    }

    static func task(_ evidence: RunEvidence, _ kind: TaskKind) -> Int {
        evidence.tasks.firstIndex { Workload.task(Workload.index(ofName: $0.name)!, seed: seed).kind == kind }!
    }

    @Test("a clean run passes every invariant, and every invariant counts something")
    func cleanRunPasses() {
        let results = Invariants.check(Self.cleanEvidence())
        #expect(results.count == 8)
        for result in results {
            #expect(result.failed == 0, "\(result.name): \(result.examples)")
            #expect(result.passed > 0, "\(result.name) checked nothing")
        }
    }

    @Test("a task left pending fails 'terminal' and 'not left running'")
    func pendingTask() {
        var evidence = Self.cleanEvidence()
        evidence.tasks[0].status = .pending
        let failing = Self.failures(evidence)
        #expect(failing["every submitted task reached a terminal state"] == 1)
        #expect(failing["no task is left running or pending"] == 1)
    }

    @Test("a submitted task missing from the database is a violation")
    func missingTask() {
        var evidence = Self.cleanEvidence()
        evidence.submitted[999_999] = 42
        #expect(Self.failed(evidence, only: "every submitted task reached a terminal state"))
    }

    @Test("a failing script recorded as completed, or a completion without its marker, is dishonest")
    func dishonestOutcome() {
        var evidence = Self.cleanEvidence()
        let failing = Self.task(evidence, .failing)
        evidence.tasks[failing].status = .completed
        evidence.tasks[failing].error = nil
        evidence.events = evidence.events.map {
            $0.taskID == evidence.tasks[failing].id && $0.kind == .failed ? TaskEvent(kind: .completed, node: $0.node, taskID: $0.taskID, fence: $0.fence, attempt: $0.attempt) : $0
        }
        #expect(Self.failed(evidence, only: "every outcome is honest"))

        var foreign = Self.cleanEvidence()
        foreign.tasks[Self.task(foreign, .instant)].output = "chaos ok 123456\n"
        #expect(Self.failed(foreign, only: "every outcome is honest"))
    }

    @Test("attempts spent by faults may end failed with lease_expired, but not before the maximum")
    func spentAttempts() {
        var evidence = Self.cleanEvidence()
        let instant = Self.task(evidence, .instant)
        let id = evidence.tasks[instant].id
        evidence.tasks[instant].status = .failed
        evidence.tasks[instant].error = .leaseExpired
        evidence.tasks[instant].attempts = 5
        evidence.events.removeAll { $0.taskID == id }
        evidence.events += (1...5).map { TaskEvent(kind: .started, node: "p1", taskID: id, fence: Int64($0), attempt: $0) }
        #expect(Self.failures(evidence).isEmpty)
        evidence.tasks[instant].attempts = 4
        evidence.events.removeLast()
        #expect(Self.failed(evidence, only: "every outcome is honest"))
    }

    @Test("two nodes logging the final write, or a write with a stale fence, break exactly-once commit")
    func doubleCommit() {
        var evidence = Self.cleanEvidence()
        let id = evidence.tasks[0].id
        evidence.events.append(TaskEvent(kind: .completed, node: "p2", taskID: id, fence: 0, attempt: 1))
        #expect(Self.failed(evidence, only: "every result was written once"))

        var stale = Self.cleanEvidence()
        stale.tasks[0].fence = 2
        stale.tasks[0].attempts = 1
        #expect(Self.failures(stale)["every result was written once, by the holder of the final fencing token"] == 1)
    }

    @Test("a write the killed writer could not log is accepted only when the kill came right after it")
    func unloggedWriteOfKilledNode() {
        var evidence = Self.cleanEvidence()
        let id = evidence.tasks[0].id
        evidence.events.removeAll { $0.taskID == id && $0.kind != .started }
        #expect(Self.failed(evidence, only: "every result was written once"))
        let kill = Fault(number: 1, at: .seconds(5), kind: .kill, peer: 1, hold: .seconds(1), variant: 0)
        evidence.faults = [InjectedFault(fault: kill, node: "p1", start: 1001.5, end: 1002.5)]
        #expect(Self.failures(evidence).isEmpty)
    }

    @Test("a write its node never confirmed counts for the writer only with the row's final fence")
    func unconfirmedWrite() {
        var evidence = Self.cleanEvidence()
        let id = evidence.tasks[0].id
        evidence.events.removeAll { $0.taskID == id && $0.kind != .started }
        evidence.events.append(TaskEvent(kind: .writeUnconfirmed, node: "p1", taskID: id, fence: 0, attempt: 1))
        #expect(Self.failed(evidence, only: "every result was written once"))
        evidence.events.append(TaskEvent(kind: .writeUnconfirmed, node: "p1", taskID: id, fence: 1, attempt: 1))
        #expect(Self.failures(evidence).isEmpty)
    }

    @Test("an attempt executed twice, or an attempt that never ran with no fault to explain it, is a violation")
    func executionsVersusAttempts() {
        var twice = Self.cleanEvidence()
        twice.events.append(TaskEvent(kind: .started, node: "p2", taskID: twice.tasks[0].id, fence: 1, attempt: 1))
        #expect(Self.failed(twice, only: "executions match the attempts recorded"))

        var unexplained = Self.cleanEvidence()
        unexplained.tasks[0].attempts = 2
        #expect(Self.failed(unexplained, only: "executions match the attempts recorded"))
        let pause = Fault(number: 1, at: .seconds(5), kind: .pause, peer: 1, hold: .seconds(5), variant: 0)
        unexplained.faults = [InjectedFault(fault: pause, node: "p1", start: 995, end: 1000.5)]
        #expect(Self.failures(unexplained).isEmpty)
        let sandbox = Fault(number: 1, at: .seconds(5), kind: .sandboxKill, peer: 1, hold: .zero, variant: 0)
        unexplained.faults = [InjectedFault(fault: sandbox, node: "p1", start: 1000.5, end: 1000.5)]
        #expect(Self.failed(unexplained, only: "executions match the attempts recorded"))
    }

    @Test("attempts above the maximum are a violation")
    func attemptsAboveMaximum() {
        var evidence = Self.cleanEvidence()
        evidence.tasks[0].attempts = 6
        evidence.events += (2...6).map { TaskEvent(kind: .started, node: "p1", taskID: evidence.tasks[0].id, fence: 1, attempt: $0) }
        #expect(Self.failures(evidence)["no task used more attempts than its maximum"] == 1)
    }

    @Test("a leftover sandbox and a node whose memory keeps growing are violations")
    func leftoversAndMemory() {
        var leftover = Self.cleanEvidence()
        leftover.leftovers["p2"] = ["container p2-0-abc"]
        #expect(Self.failed(leftover, only: "no sandbox is left behind"))

        var growing = Self.cleanEvidence()
        let rising: [(time: Double, bytes: Int)] = (0...60).map { step in (1000 + Double(step * 2), (40 + 4 * step) << 20) }
        growing.memory = [MemorySeries(label: "p1#0", samples: rising)]
        #expect(Self.failed(growing, only: "memory of every node process stayed bounded"))
        var huge = Self.cleanEvidence()
        huge.memory = [MemorySeries(label: "p1#0", samples: [(1000, 600 << 20)])]
        #expect(Self.failed(huge, only: "memory of every node process stayed bounded"))
    }
}
