import TaskModel

/// The kinds of task a chaos run submits, and what each must end as.
public enum TaskKind: String, CaseIterable, Sendable, Comparable {
    /// Prints and exits at once: must complete.
    case instant
    /// Sleeps 0.5–3 s, then prints: must complete.
    case sleeping
    /// Raises: must fail with `exit_code`, never be retried as engine trouble.
    case failing
    /// Sleeps past its 1 s timeout: must fail with `timeout`.
    case timingOut = "timing-out"
    /// Prints about 200 KB: must complete with its first line intact.
    case chatty

    public static func < (lhs: TaskKind, rhs: TaskKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// The terminal status and error a task of this kind must end with when no fault spent its
    /// attempts.
    public var expected: (status: TaskState, error: FailureKind?) {
        switch self {
        case .instant, .sleeping, .chatty: (.completed, nil)
        case .failing: (.failed, .exitCode)
        case .timingOut: (.failed, .timeout)
        }
    }
}

/// One task of the stream, fully determined by the seed and its index.
public struct PlannedTask: Sendable, Equatable {
    public var index: Int
    public var kind: TaskKind
    /// `chaos-<index>`: how the checker maps a row back to its plan.
    public var name: String
    public var code: String
    public var payloadJSON: String
    public var priority: Int
    public var timeoutSeconds: Double?
    public var maxAttempts: Int
    /// The line a completed task's output must contain.
    public var marker: String
}

/// The task stream of a chaos run: a weighted mix of kinds (45 % instant, 25 % sleeping, 12 %
/// failing, 6 % timing out, 12 % chatty) over the whole priority range.
public enum Workload {
    /// Attempts each task may use; faults can spend some of them.
    public static let maxAttempts = 5

    /// The prefix of every task name.
    public static let namePrefix = "chaos-"

    /// Task `index` of the stream drawn from `seed`.
    public static func task(_ index: Int, seed: UInt64) -> PlannedTask {
        var random = ChaosRandom(seed: seed &* 0x2545_F491_4F6C_DD1D &+ UInt64(index))
        let roll = Int.random(in: 0..<100, using: &random)
        let kind: TaskKind = switch roll {
        case 0..<45: .instant
        case 45..<70: .sleeping
        case 70..<82: .failing
        case 82..<88: .timingOut
        default: .chatty
        }
        let sleep = (Double.random(in: 0.5...3, using: &random) * 100).rounded() / 100
        let marker = "chaos ok \(index)"
        let code: String
        var timeout: Double?
        switch kind {
        case .instant:
            code = "print('chaos ok', payload['i'])"
        case .sleeping:
            code = "import time\ntime.sleep(payload['s'])\nprint('chaos ok', payload['i'])"
        case .failing:
            code = "print('about to fail', payload['i'])\nraise RuntimeError('chaos failure %d' % payload['i'])"
        case .timingOut:
            code = "import time\ntime.sleep(30)\nprint('chaos ok', payload['i'])"
            timeout = 1
        case .chatty:
            code = "import sys\nprint('chaos ok', payload['i'], flush=True)\nfor n in range(2000):\n    sys.stdout.write('chatty line %05d %s\\n' % (n, 'x' * 90))"
        }
        return PlannedTask(
            index: index, kind: kind, name: namePrefix + String(index), code: code,
            payloadJSON: #"{"i": \#(index), "s": \#(sleep)}"#,
            priority: Int(Int32.random(in: Int32.min...Int32.max, using: &random)),
            timeoutSeconds: timeout, maxAttempts: maxAttempts, marker: marker)
    }

    /// The index of a task named by `task(_:seed:)`, or nil for any other name.
    public static func index(ofName name: String) -> Int? {
        guard name.hasPrefix(namePrefix) else { return nil }
        return Int(name.dropFirst(namePrefix.count))
    }
}
