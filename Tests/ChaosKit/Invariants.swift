import TaskModel

/// A task as the database holds it after the run.
public struct FinalTask: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var status: TaskState
    public var attempts: Int
    public var maxAttempts: Int
    public var fence: Int64
    public var workerID: String?
    public var error: FailureKind?
    public var output: String?
    /// Database clock, seconds since 1970.
    public var created: Double
    public var finished: Double?

    public init(
        id: Int64, name: String, status: TaskState, attempts: Int, maxAttempts: Int, fence: Int64, workerID: String?,
        error: FailureKind?, output: String?, created: Double, finished: Double?
    ) {
        self.id = id
        self.name = name
        self.status = status
        self.attempts = attempts
        self.maxAttempts = maxAttempts
        self.fence = fence
        self.workerID = workerID
        self.error = error
        self.output = output
        self.created = created
        self.finished = finished
    }
}

/// A fault as it was injected: when (seconds since 1970, start to heal), which node id it hit,
/// and how long the cluster took to recover from it.
public struct InjectedFault: Sendable, Equatable {
    public var fault: Fault
    public var node: String?
    public var start: Double
    public var end: Double
    /// Tasks the hit node (or, for a database restart, the cluster) had running at the start.
    public var heldTasks: Int
    /// Seconds from the start until every held task was taken over or finished (a database
    /// restart: until the next task completed); nil when nothing was held or it never happened.
    public var recovery: Double?
    /// Anything worth saying (a sandbox kill that found no busy sandbox, a skipped restart).
    public var note: String

    public init(fault: Fault, node: String?, start: Double, end: Double, heldTasks: Int = 0, recovery: Double? = nil, note: String = "") {
        self.fault = fault
        self.node = node
        self.start = start
        self.end = end
        self.heldTasks = heldTasks
        self.recovery = recovery
        self.note = note
    }
}

/// Resident memory of one node process over the run.
public struct MemorySeries: Sendable, Equatable {
    /// Node id and which start of it (`peer2#1` for the first restart).
    public var label: String
    /// (seconds since 1970, resident bytes)
    public var samples: [(time: Double, bytes: Int)]

    public init(label: String, samples: [(time: Double, bytes: Int)]) {
        self.label = label
        self.samples = samples
    }

    public static func == (lhs: MemorySeries, rhs: MemorySeries) -> Bool {
        lhs.label == rhs.label && lhs.samples.elementsEqual(rhs.samples) { $0 == $1 }
    }
}

/// Everything the checker looks at.
public struct RunEvidence: Sendable {
    public var seed: UInt64
    /// Ids the submitter got back, by stream index.
    public var submitted: [Int: Int64]
    public var tasks: [FinalTask]
    public var events: [TaskEvent]
    public var faults: [InjectedFault]
    public var memory: [MemorySeries]
    /// Node ids checked for leftovers, and what was found for each (empty: clean).
    public var leftovers: [String: [String]]

    public init(
        seed: UInt64, submitted: [Int: Int64], tasks: [FinalTask], events: [TaskEvent], faults: [InjectedFault],
        memory: [MemorySeries], leftovers: [String: [String]]
    ) {
        self.seed = seed
        self.submitted = submitted
        self.tasks = tasks
        self.events = events
        self.faults = faults
        self.memory = memory
        self.leftovers = leftovers
    }
}

/// The outcome of one invariant over the run: how many subjects (tasks, nodes, processes)
/// passed and failed, with the first failures spelled out.
public struct InvariantResult: Sendable, Equatable {
    public var name: String
    public var passed = 0
    public var failed = 0
    public var examples: [String] = []

    init(_ name: String) { self.name = name }

    mutating func check(_ condition: Bool, _ failure: @autoclosure () -> String) {
        if condition {
            passed += 1
        } else {
            failed += 1
            if examples.count < 5 { examples.append(failure()) }
        }
    }
}

/// Bounds for the memory invariant.
public struct MemoryBounds: Sendable {
    /// No node process may exceed this resident size.
    public var maximumBytes = 512 << 20
    /// Over a series of at least `minimumSpan`, the largest sample of its last third may exceed
    /// the largest of its first third by at most this factor plus `slackBytes`.
    public var growthFactor = 1.5
    public var slackBytes = 48 << 20
    public var minimumSpan = 60.0

    public init() {}
}

/// The chaos run's invariants, checked from the database's final state, the nodes' logs and
/// the samples taken during the run. Pure: the same evidence gives the same verdicts.
public enum Invariants {
    /// Fault kinds that can take an attempt away before its execution starts: the node dies
    /// or loses its lease (expired or revoked) between the claim and the sandbox run.
    static let attemptTakers: Set<FaultKind> = [.kill, .pause, .partition, .gossipPartition, .databaseRestart]

    public static func check(_ evidence: RunEvidence, memoryBounds: MemoryBounds = MemoryBounds()) -> [InvariantResult] {
        let rows = Dictionary(evidence.tasks.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let events = Dictionary(grouping: evidence.events, by: \.taskID)
        let chaosTasks = evidence.tasks.filter { Workload.index(ofName: $0.name) != nil }
        return [
            everySubmittedTaskTerminal(evidence, rows),
            noneStuckRunning(chaosTasks),
            outcomesHonest(chaosTasks, seed: evidence.seed),
            resultWrittenByFinalHolder(chaosTasks, events, evidence.faults),
            attemptsWithinMaximum(chaosTasks),
            executionsMatchAttempts(chaosTasks, events, evidence.faults),
            noSandboxLeft(evidence.leftovers),
            memoryBounded(evidence.memory, memoryBounds),
        ]
    }

    static func everySubmittedTaskTerminal(_ evidence: RunEvidence, _ rows: [Int64: FinalTask]) -> InvariantResult {
        var result = InvariantResult("every submitted task reached a terminal state")
        for (index, id) in evidence.submitted.sorted(by: { $0.key < $1.key }) {
            let status = rows[id]?.status
            result.check(status?.isFinal == true,
                         "task \(id) (chaos-\(index)) is \(status?.rawValue ?? "missing from the database")")
        }
        return result
    }

    static func noneStuckRunning(_ tasks: [FinalTask]) -> InvariantResult {
        var result = InvariantResult("no task is left running or pending")
        for task in tasks {
            result.check(task.status != .running && task.status != .pending,
                         "task \(task.id) is \(task.status.rawValue) (worker \(task.workerID ?? "-"), fence \(task.fence))")
        }
        return result
    }

    /// A completed task is one whose script succeeded and whose output is its own; a script
    /// that fails or times out is never completed. A task whose attempts faults spent may end
    /// failed with `lease_expired` or `sandbox`.
    static func outcomesHonest(_ tasks: [FinalTask], seed: UInt64) -> InvariantResult {
        var result = InvariantResult("every outcome is honest (completed only by its own successful script)")
        for task in tasks where task.status.isFinal {
            let plan = Workload.task(Workload.index(ofName: task.name)!, seed: seed)
            let expected = plan.kind.expected
            let spentByFaults = task.status == .failed && (task.error == .leaseExpired || task.error == .sandbox)
                && task.attempts >= task.maxAttempts
            let asExpected = task.status == expected.status
                && (expected.error == nil || task.error == expected.error)
                && (task.status != .completed || (task.output ?? "").contains(plan.marker))
            result.check(asExpected || spentByFaults, """
                task \(task.id) (\(plan.kind.rawValue), chaos-\(plan.index)) ended \(task.status.rawValue) \
                error=\(task.error?.rawValue ?? "-") attempts=\(task.attempts), expected \(expected.status.rawValue) \
                \(expected.error?.rawValue ?? ""); output \
                \(String((task.output ?? "").prefix(60)).debugDescription)
                """)
        }
        return result
    }

    /// Exactly one node wrote each task's final result, with the final fencing token, and no
    /// other terminal write was logged. A node killed right after its write may not have logged
    /// it; that is accepted when the writer was killed within 3 s after the write, or when the
    /// writer logged that it never learned whether that very write (same fence) landed.
    static func resultWrittenByFinalHolder(
        _ tasks: [FinalTask], _ events: [Int64: [TaskEvent]], _ faults: [InjectedFault]
    ) -> InvariantResult {
        var result = InvariantResult("every result was written once, by the holder of the final fencing token")
        for task in tasks where task.status.isFinal {
            let terminal = (events[task.id] ?? []).filter { $0.kind == .completed || $0.kind == .failed }
            if task.status == .failed && task.error == .leaseExpired {
                result.check(terminal.isEmpty, "task \(task.id) was failed by recovery, yet logged terminal writes \(terminal)")
                continue
            }
            let kind: TaskEvent.Kind = task.status == .completed ? .completed : .failed
            let unconfirmed = (events[task.id] ?? []).contains {
                $0.kind == .writeUnconfirmed && $0.node == task.workerID && $0.fence == task.fence
            }
            let killedRightAfter = task.finished.map { finished in
                faults.contains { $0.fault.kind == .kill && $0.node == task.workerID && $0.start >= finished - 1 && $0.start <= finished + 3 }
            } ?? false
            if terminal.isEmpty, unconfirmed || killedRightAfter {
                result.check(true, "")
                continue
            }
            result.check(terminal.count == 1 && terminal[0].kind == kind && terminal[0].node == task.workerID
                         && terminal[0].fence == task.fence, """
                task \(task.id) is \(task.status.rawValue) by \(task.workerID ?? "-") with fence \(task.fence); \
                logged terminal writes: \(terminal.map { "\($0.kind) by \($0.node) fence \($0.fence)" })
                """)
        }
        return result
    }

    static func attemptsWithinMaximum(_ tasks: [FinalTask]) -> InvariantResult {
        var result = InvariantResult("no task used more attempts than its maximum")
        for task in tasks {
            result.check(task.attempts <= task.maxAttempts, "task \(task.id) used \(task.attempts) of \(task.maxAttempts) attempts")
        }
        return result
    }

    /// Each attempt ran at most once, no execution ran outside a recorded attempt, and every
    /// attempt that never started overlaps a fault that can take an attempt away (the claiming
    /// node killed, stopped or cut off, its leases revoked by peers that lost sight of it, or the
    /// database restarted under the claim).
    static func executionsMatchAttempts(
        _ tasks: [FinalTask], _ events: [Int64: [TaskEvent]], _ faults: [InjectedFault]
    ) -> InvariantResult {
        var result = InvariantResult("executions match the attempts recorded")
        for task in tasks {
            let started = (events[task.id] ?? []).filter { $0.kind == .started }.map(\.attempt)
            let distinct = Set(started)
            let twice = started.count != distinct.count
            let outside = distinct.filter { $0 < 1 || $0 > task.attempts }
            let missing = task.attempts == 0 ? [] : Set(1...task.attempts).subtracting(distinct)
            let end = task.finished ?? .infinity
            let explained = faults.contains {
                attemptTakers.contains($0.fault.kind) && $0.start <= end + 1 && $0.end >= task.created - 1
            }
            result.check(!twice && outside.isEmpty && (missing.isEmpty || explained), """
                task \(task.id): \(task.attempts) attempts recorded, executions started for attempts \(started.sorted())\
                \(missing.isEmpty ? "" : "; attempts \(missing.sorted()) never started and no fault explains it")
                """)
        }
        return result
    }

    static func noSandboxLeft(_ leftovers: [String: [String]]) -> InvariantResult {
        var result = InvariantResult("no sandbox is left behind on the host")
        for (node, found) in leftovers.sorted(by: { $0.key < $1.key }) {
            result.check(found.isEmpty, "node \(node) left \(found.joined(separator: ", "))")
        }
        return result
    }

    static func memoryBounded(_ series: [MemorySeries], _ bounds: MemoryBounds) -> InvariantResult {
        var result = InvariantResult("memory of every node process stayed bounded")
        for process in series where !process.samples.isEmpty {
            let peak = process.samples.map(\.bytes).max()!
            var growth = true
            var detail = ""
            if let first = process.samples.first?.time, let last = process.samples.last?.time, last - first >= bounds.minimumSpan {
                let third = (last - first) / 3
                let early = process.samples.filter { $0.time <= first + third }.map(\.bytes).max() ?? 0
                let late = process.samples.filter { $0.time >= last - third }.map(\.bytes).max() ?? 0
                growth = Double(late) <= Double(early) * bounds.growthFactor + Double(bounds.slackBytes)
                detail = "; first third peak \(early >> 20) MiB, last third peak \(late >> 20) MiB"
            }
            result.check(peak <= bounds.maximumBytes && growth,
                         "\(process.label): peak \(peak >> 20) MiB (limit \(bounds.maximumBytes >> 20) MiB)\(detail)")
        }
        return result
    }
}
