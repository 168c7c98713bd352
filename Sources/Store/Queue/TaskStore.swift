import Crypto
import Foundation
import Logging
import TaskModel

/// The queue in PostgreSQL: every state change of a task goes through here.
///
/// The database is the only write authority. A claim takes a lease and returns a fencing
/// token; every later write of that attempt is a compare-and-set on the token, and a holder
/// whose token is no longer current gets `StoreError.leaseLost` and changes nothing.
///
/// Calls never block Swift's cooperative threads. Conflicts that roll a statement back
/// (40001, 40P01) are retried here. After a lost connection, writes of an attempt are run
/// again on a fresh connection: the fencing check makes that safe, and a write whose first
/// try already landed is recognised as done. A claim is not run again (it is not idempotent):
/// what it took is read back by its claim token instead.
public final class TaskStore: Sendable {
    /// The database this store talks to.
    public let configuration: DatabaseConfiguration
    private let pool: ConnectionPool
    private let logger: Logger
    private let retryPolicy: RetryPolicy

    public init(configuration: DatabaseConfiguration, logger: Logger, retryPolicy: RetryPolicy = RetryPolicy()) {
        self.configuration = configuration
        self.pool = ConnectionPool(configuration: configuration, logger: logger)
        self.logger = logger
        self.retryPolicy = retryPolicy
    }

    /// Closes idle connections. Calls still under way finish on theirs.
    public func shutdown() {
        pool.close()
    }

    // MARK: Submitting

    /// Inserts a task and returns its id. The code is stored once and reused by its SHA-256.
    public func submit(_ task: NewTask) async throws(StoreError) -> Int64 {
        try Self.validate(task)
        let hash = SHA256.hash(data: Data(task.code.utf8)).map { String(format: "%02x", $0) }.joined()
        let parameters: [String?] = [
            task.code, hash, task.name, task.description, task.payloadJSON, String(task.priority),
            String(task.maxAttempts), task.timeoutSeconds.map { String($0) },
        ]
        // No row: a concurrent insert of the same code won the race; a moment later it is there.
        var backoff = Backoff(initial: .milliseconds(1), maximum: .milliseconds(20))
        for _ in 0..<5 {
            let rows = try await run("submit", idempotent: false) { connection throws(StoreError) in
                try connection.execute(Statements.submit, parameters)
            }
            if let row = rows.decoded("submit").first { return try row.required("id") }
            guard (try? await backoff.pause()) != nil else { break }
        }
        throw .database(sqlState: "", message: "storing the task's code kept racing with concurrent submissions; try again")
    }

    static func validate(_ task: NewTask) throws(StoreError) {
        guard !task.code.contains("\u{0}") else {
            throw .invalidInput("the task's code contains a NUL character, which PostgreSQL cannot store")
        }
        guard let data = task.payloadJSON.data(using: .utf8),
              (try? JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed)) != nil
        else {
            throw .invalidInput("the payload is not valid JSON: \(task.payloadJSON.prefix(80))")
        }
        guard !task.payloadJSON.contains("\\u0000") else {
            throw .invalidInput("the payload contains the character \\u0000, which PostgreSQL's JSONB cannot store")
        }
        guard Int32(exactly: task.priority) != nil else {
            throw .invalidInput("priority \(task.priority) is out of range (a 32-bit integer; lower runs first)")
        }
        guard (1...1000).contains(task.maxAttempts) else {
            throw .invalidInput("max attempts must be from 1 to 1000, got \(task.maxAttempts)")
        }
        if let timeout = task.timeoutSeconds, !(timeout > 0 && timeout <= maxTimeoutSeconds) {
            throw .invalidInput("the timeout must be more than 0 and at most \(Int(maxTimeoutSeconds)) seconds, got \(timeout)")
        }
    }

    // MARK: Claiming

    /// Claims up to `limit` pending tasks whose priority is in `priorities`, lowest priority
    /// number first and FIFO within a priority, skipping rows other claimers hold locked.
    /// Each claimed task gets a lease of `leaseTTL` and a fresh fencing token.
    ///
    /// A claimed row that cannot run (its code row is missing, its payload does not decode)
    /// is marked `failed` with `error = invalid_task` here, not returned, and replaced by the
    /// next claimable task.
    ///
    /// A claim cut off by a lost connection answers with what it had taken, read back on a
    /// fresh connection (`recoverClaim`); it throws only when that cannot be read either.
    public func claim(
        upTo limit: Int, priorities: ClosedRange<Int>, leaseTTL: Duration, worker: String
    ) async throws(StoreError) -> [ClaimedTask] {
        var claimed: [ClaimedTask] = []
        var wanted = limit
        while wanted > 0 {
            let valid: [ClaimedTask], rejected: Int
            do {
                (valid, rejected) = try await claimOnce(upTo: wanted, priorities: priorities, leaseTTL: leaseTTL, worker: worker)
            } catch where !claimed.isEmpty {
                // The tasks of the earlier rounds are ours and must run; the caller tries again later.
                logger.warning("claim cut short; returning what was taken", metadata: ["error": "\(error)"])
                return claimed
            }
            claimed += valid
            wanted -= valid.count
            if rejected == 0 { break }
        }
        return claimed
    }

    /// One claim statement; returns the runnable tasks and how many rows it had to reject.
    /// Its rows carry a fresh claim token, by which they are found again when the connection
    /// breaks before the answer arrives (`connectionLost`). `unavailable` is thrown as is: no
    /// connection was made, so the claim never reached the server.
    private func claimOnce(
        upTo limit: Int, priorities: ClosedRange<Int>, leaseTTL: Duration, worker: String
    ) async throws(StoreError) -> ([ClaimedTask], rejected: Int) {
        let low = Int(Int32(clamping: priorities.lowerBound))
        let high = Int(Int32(clamping: priorities.upperBound))
        let token = UUID().uuidString
        let parameters: [String?] = [worker, Self.seconds(leaseTTL), String(low), String(high), String(limit), token]
        let rows: PGRows
        do {
            rows = try await run("claim", idempotent: false) { connection throws(StoreError) in
                try connection.execute(Statements.claim, parameters)
            }
        } catch .connectionLost(let reason) {
            let (recovered, rejected) = try await recoverClaim(worker: worker, token: token)
            logger.info("claim cut off by a lost connection; read back what it had taken", metadata: [
                "task_ids": "\(recovered.map(\.lease.taskID))", "rejected": "\(rejected)", "worker": "\(worker)",
                "claim_token": "\(token)", "error": "\(reason)",
            ])
            return (recovered, rejected)
        }
        return try await admit(rows, from: "claim")
    }

    /// The tasks a claim carrying `token` took for `worker` and that `worker` still holds,
    /// read back after the claim's answer was lost with its connection: nothing when the
    /// claim never landed. Checked and rejected like a claim's own answer.
    func recoverClaim(worker: String, token: String) async throws(StoreError) -> ([ClaimedTask], rejected: Int) {
        let rows = try await run("recover claim", idempotent: true) { connection throws(StoreError) in
            try connection.execute(Statements.claimedByToken, [worker, token])
        }
        return try await admit(rows, from: "recover claim")
    }

    /// Turns a claim's rows into runnable tasks. A row that cannot run is failed as
    /// `invalid_task` and only counted.
    private func admit(_ rows: PGRows, from statement: String) async throws(StoreError) -> ([ClaimedTask], rejected: Int) {
        var claimed: [ClaimedTask] = []
        var rejected = 0
        for row in rows.decoded(statement) {
            let lease = Lease(taskID: try row.required("id"), fence: try row.required("fence"))
            // The claim has committed: a row that cannot run is failed on its own, and the rest
            // of the batch still runs.
            do throws(StoreError) {
                claimed.append(try Self.runnable(row, lease: lease))
            } catch .invalidInput(let detail) {
                rejected += 1
                await rejectInvalid(lease, detail: detail)
            } catch {
                rejected += 1
                await rejectInvalid(lease, detail: "the task's row cannot be read: \(error)")
            }
        }
        return (claimed, rejected)
    }

    /// The longest wall-clock limit a task may ask for: a day.
    static let maxTimeoutSeconds = 86_400.0

    /// A claimed row as a task to run; `.invalidInput` saying why it cannot run.
    private static func runnable(_ row: PGRow, lease: Lease) throws(StoreError) -> ClaimedTask {
        let payload: String = try row.required("payload")
        guard let source: String = try row.optional("source") else {
            throw .invalidInput("the task's code row is missing (tasks.code is NULL or points nowhere)")
        }
        guard let data = payload.data(using: .utf8),
              (try? JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed)) != nil
        else { throw .invalidInput("the task's payload cannot be decoded as JSON") }
        let timeout: Double? = try row.optional("timeout_seconds")
        if let timeout, !(timeout > 0 && timeout <= maxTimeoutSeconds) {
            throw .invalidInput("the task's timeout_seconds \(timeout) is not a number of seconds above 0 and at most \(Int(maxTimeoutSeconds))")
        }
        return ClaimedTask(
            lease: lease, name: try row.required("name"), code: source, payloadJSON: payload,
            priority: try row.required("priority"), attempt: try row.required("attempts"),
            maxAttempts: try row.required("max_attempts"), timeoutSeconds: timeout)
    }

    /// Fails an invalid claimed task. If that write fails the task stays running under this
    /// claim until its lease expires and is rejected again by the next claim; the valid tasks of
    /// the same batch are not given up for it.
    private func rejectInvalid(_ lease: Lease, detail: String) async {
        logger.warning("rejecting an invalid task", metadata: ["task_id": "\(lease.taskID)", "reason": "\(detail)"])
        do {
            _ = try await run("reject invalid task", idempotent: true) { connection throws(StoreError) in
                try connection.execute(Statements.invalid, [String(lease.taskID), String(lease.fence), detail])
            }
        } catch {
            logger.error("cannot mark an invalid task failed; it comes back when its lease expires", metadata: [
                "task_id": "\(lease.taskID)", "error": "\(error)",
            ])
        }
    }

    // MARK: Writes of an attempt (all fenced)

    /// Extends a lease by `ttl` from now. Throws `leaseLost` when the token is stale.
    public func renew(_ lease: Lease, ttl: Duration) async throws(StoreError) {
        guard try await renew([lease], ttl: ttl).isEmpty else { throw try await inspect(lease).loss(of: lease) }
    }

    /// Extends several leases in one statement and returns those that are lost.
    public func renew(_ leases: [Lease], ttl: Duration) async throws(StoreError) -> Set<Lease> {
        guard !leases.isEmpty else { return [] }
        let ids = "{" + leases.map { String($0.taskID) }.joined(separator: ",") + "}"
        let fences = "{" + leases.map { String($0.fence) }.joined(separator: ",") + "}"
        let rows = try await run("renew", idempotent: true) { connection throws(StoreError) in
            try connection.execute(Statements.renew, [ids, fences, Self.seconds(ttl)])
        }
        var renewed: Set<Lease> = []
        for row in rows.decoded("renew") {
            renewed.insert(Lease(taskID: try row.required("id"), fence: try row.required("fence")))
        }
        return Set(leases).subtracting(renewed)
    }

    /// Commits a successful result. Exactly once: only the current holder's write lands.
    public func complete(_ lease: Lease, output: TaskOutput) async throws(StoreError) {
        try await fencedWrite("complete", lease, intended: [.completed], Statements.complete, [
            String(lease.taskID), String(lease.fence), Self.storable(output.stdout), Self.storable(output.stderr),
            output.exitCode.map { String($0) }, String(output.truncated),
        ])
    }

    /// Records a failed attempt. With `retryable` (engine trouble, not the script's fault) the
    /// task goes back to pending after an exponential backoff while attempts remain;
    /// otherwise, or when they are spent, it ends `failed`. `attempt` is the claim's.
    @discardableResult
    public func fail(_ lease: Lease, failure: TaskFailure, retryable: Bool, attempt: Int) async throws(StoreError) -> FailureDisposition {
        let delay = retryPolicy.delaySeconds(afterAttempt: attempt)
        let status = try await fencedWrite("fail", lease, intended: [.failed, .pending], Statements.fail, [
            String(lease.taskID), String(lease.fence), String(retryable), String(delay),
            failure.kind.rawValue, Self.storable(failure.detail), Self.storable(failure.output.stdout),
            Self.storable(failure.output.stderr), failure.output.exitCode.map { String($0) },
            String(failure.output.truncated),
        ])
        return status == .pending ? .retryScheduled(afterSeconds: delay) : .failed
    }

    /// Hands a held task back to the queue (on shutdown). With `refundAttempt` the attempt is
    /// not counted, for a task that never started running.
    public func requeue(_ lease: Lease, refundAttempt: Bool) async throws(StoreError) {
        try await fencedWrite("requeue", lease, intended: [.pending], Statements.requeue, [
            String(lease.taskID), String(lease.fence), String(refundAttempt),
        ])
    }

    /// Runs a fenced write that returns the status it wrote. When it matches no row, tells a
    /// lost lease (thrown) from this same write having landed on a try whose answer was lost
    /// with the connection (then it is run once more on a fresh connection to find out).
    @discardableResult
    private func fencedWrite(
        _ operation: String, _ lease: Lease, intended: Set<TaskState>, _ sql: String, _ parameters: [String?]
    ) async throws(StoreError) -> TaskState {
        var afterRetry = false
        while true {
            do {
                let written = try await run(operation, idempotent: false) { connection throws(StoreError) in
                    try connection.execute(sql, parameters).decoded(operation).first?.required("status", as: TaskState.self)
                }
                if let written { return written }
            } catch let error where error.isConnectionFailure && !afterRetry {
                afterRetry = true
                logger.info("write cut off by a lost connection; trying it on a fresh one", metadata: [
                    "task_id": "\(lease.taskID)", "operation": "\(operation)", "error": "\(error)",
                ])
                continue
            }
            let holding = try await inspect(lease)
            if afterRetry, holding.fence == lease.fence, let state = TaskState(rawValue: holding.status), intended.contains(state) {
                return state
            }
            throw holding.loss(of: lease)
        }
    }

    /// The task's status and holder now, to explain a fenced write that matched nothing.
    private func inspect(_ lease: Lease) async throws(StoreError) -> Holding {
        let rows = try await run("inspect", idempotent: true) { connection throws(StoreError) in
            try connection.execute(Statements.inspect, [String(lease.taskID)])
        }
        guard let row = rows.decoded("inspect task \(lease.taskID)").first else { throw .notFound(taskID: lease.taskID) }
        return Holding(status: try row.required("status"), fence: try row.required("fence"), holder: try row.optional("worker_id"))
    }

    /// Who holds a task now. `status` is the stored text, read as is: a task that another tool
    /// moved to a status this version does not know is still reported as a lost lease.
    private struct Holding {
        var status: String
        var fence: Int64
        var holder: String?

        func loss(of lease: Lease) -> StoreError {
            let detail = if fence == lease.fence {
                "the task is \(status), no longer running under this lease"
            } else if let holder {
                "the task is \(status) under fencing token \(fence), held by \(holder)"
            } else {
                "the task is \(status) under fencing token \(fence), held by nobody"
            }
            return .leaseLost(taskID: lease.taskID, fence: lease.fence, detail: detail)
        }
    }

    // MARK: Recovery

    /// Returns tasks whose lease expired to pending (or to failed when their attempts are
    /// spent). Live leases are never touched. Rows the older Go version left in its own
    /// `processing` state are taken back too, as abandoned, their Go run counted as an attempt.
    public func recoverExpired() async throws(StoreError) -> RecoveryReport {
        var report = try await takeBack(Statements.recoverExpired, [])
        let abandoned = try await takeBack(Statements.recoverAbandoned, [])
        report.requeued += abandoned.requeued
        report.failed += abandoned.failed
        return report
    }

    /// Takes back every lease `worker` holds, expired or not: for a peer known to be dead.
    /// Fencing makes this safe even if it is alive: its later writes are rejected.
    public func revokeLeases(of worker: String) async throws(StoreError) -> RecoveryReport {
        try await takeBack(Statements.revoke, [worker])
    }

    private func takeBack(_ sql: String, _ parameters: [String?]) async throws(StoreError) -> RecoveryReport {
        var report = RecoveryReport()
        while true {
            let rows = try await run("take back leases", idempotent: true) { connection throws(StoreError) in
                try connection.execute(sql, parameters)
            }
            for row in rows.decoded("take back leases") {
                let id: Int64 = try row.required("id")
                if try row.required("status", as: TaskState.self) == .failed { report.failed.append(id) } else { report.requeued.append(id) }
            }
            if rows.rows.count < 1000 { break }
        }
        if !report.isEmpty {
            logger.info("took back leases", metadata: ["requeued": "\(report.requeued)", "failed": "\(report.failed)"])
        }
        return report
    }

    // MARK: Reading

    /// One task as the outside world sees it, or nil when there is no such task.
    public func task(id: Int64) async throws(StoreError) -> TaskRecord? {
        let rows = try await run("read task", idempotent: true) { connection throws(StoreError) in
            try connection.execute(Statements.task, [String(id)])
        }
        guard let row = rows.decoded("read task \(id)").first else { return nil }
        return TaskRecord(
            id: try row.required("id"),
            name: try row.required("name"),
            status: try row.required("status"),
            priority: try row.required("priority"),
            payloadJSON: try row.required("payload"),
            output: try row.optional("output"),
            stderr: try row.optional("stderr"),
            exitCode: try row.optional("exit_code"),
            error: try row.optional("error"),
            lastError: try row.optional("last_error"),
            attempts: try row.required("attempts"),
            maxAttempts: try row.required("max_attempts"),
            fence: try row.required("fence"),
            workerID: try row.optional("worker_id"),
            created: Self.rfc3339(try row.required("created")),
            started: try row.optional("started", as: String.self).map(Self.rfc3339),
            finished: try row.optional("finished", as: String.self).map(Self.rfc3339),
            outputTruncated: try row.required("output_truncated"))
    }

    /// Queue depth by status, and throughput and latency over the last `windowSeconds`.
    public func statistics(windowSeconds: Int = 60) async throws(StoreError) -> QueueStatistics {
        let (counts, window) = try await run("statistics", idempotent: true) { connection throws(StoreError) in
            (try connection.execute(Statements.countsByStatus), try connection.execute(Statements.window, [String(windowSeconds)]))
        }
        var byStatus = Dictionary(uniqueKeysWithValues: TaskState.allCases.filter(\.isWrittenByContinuum).map { ($0, 0) })
        var others: [String: Int] = [:]
        for row in counts.decoded("count tasks by status") {
            let status: String = try row.required("status")
            let count: Int = try row.required("n")
            if let state = TaskState(rawValue: status) { byStatus[state] = count } else { others[status] = count }
        }
        guard let window = window.decoded("measure the recent window").first else {
            throw .malformedRow(statement: "measure the recent window", column: "n", problem: "is missing: the answer has no row")
        }
        return QueueStatistics(
            countsByStatus: byStatus,
            otherStatuses: others,
            windowSeconds: windowSeconds,
            finishedInWindow: try window.required("n"),
            latencyP50: try window.optional("p50"),
            latencyP95: try window.optional("p95"),
            latencyP99: try window.optional("p99"))
    }

    /// The work at each priority: how many of the first `limit` pending tasks (in claim order)
    /// wait there, and how many of the last `limit` tasks finished within `window` ran there.
    /// What the peers split the priority range by.
    public func workSample(limit: Int, window: Duration) async throws(StoreError) -> [PriorityWork] {
        let rows = try await run("work sample", idempotent: true) { connection throws(StoreError) in
            try connection.execute(Statements.workSample, [String(limit), Self.seconds(window)])
        }
        return try rows.decoded("sample the work").map { row throws(StoreError) in
            PriorityWork(priority: try row.required("priority"), pending: try row.required("pending"),
                         recentlyFinished: try row.required("finished"))
        }
    }

    /// Wake-ups from LISTEN/NOTIFY on a dedicated connection (PostgreSQL only). The stream
    /// reconnects by itself after a server restart and then yields `.resynchronized`.
    public func signals() -> AsyncStream<QueueSignal> {
        NotificationListener(configuration: configuration, logger: logger).signals()
    }

    /// Runs one statement with text parameters and returns its rows as text: for tools and
    /// tests that need SQL the queue API does not offer. Conflicts (40001) are retried.
    public func execute(_ sql: String, _ parameters: [String?] = []) async throws(StoreError) -> [[String?]] {
        try await run("execute", idempotent: false) { connection throws(StoreError) in
            try connection.execute(sql, parameters).rows
        }
    }

    /// Runs one statement like `execute` and returns its rows to be read by column name
    /// (`PGRow.required`), which throws on a missing or malformed column; errors name the
    /// statement by its first line.
    public func query(_ sql: String, _ parameters: [String?] = []) async throws(StoreError) -> [PGRow] {
        let name = sql.split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? sql
        return try await run("query", idempotent: false) { connection throws(StoreError) in
            try connection.execute(sql, parameters)
        }.decoded("'\(name.prefix(80))'")
    }

    // MARK: Plumbing

    /// Runs `body` on a pooled connection, retrying statements that a conflict rolled back
    /// (40001, 40P01) and, when `idempotent`, statements cut off by a lost connection.
    func run<T: Sendable>(
        _ operation: String, idempotent: Bool,
        _ body: @escaping @Sendable (PGConnection) throws(StoreError) -> T
    ) async throws(StoreError) -> T {
        // Conflicts under SERIALIZABLE (CockroachDB's only level) come in bursts when many
        // claimers race: up to 16 tries, spread by jitter so that they do not collide again.
        var backoff = Backoff(initial: .milliseconds(5), maximum: .milliseconds(200), jitter: 0.8)
        return try await backoff.retrying({ () async throws(StoreError) in try await pool.withConnection(body) }) { error, tries in
            if error.isRetryableConflict && tries < 16 {
                logger.debug("retrying after a conflict", metadata: ["operation": "\(operation)", "error": "\(error)"])
                return true
            }
            if error.isConnectionFailure && idempotent && tries < 3 {
                logger.info("retrying on a fresh connection", metadata: ["operation": "\(operation)", "error": "\(error)"])
                return true
            }
            return false
        }
    }

    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(Double(seconds) + Double(attoseconds) / 1e18)
    }

    /// PostgreSQL's TEXT holds valid UTF-8 without NUL; scripts may print either. Swift
    /// strings are valid UTF-8 already, so only NUL needs replacing.
    static func storable(_ text: String) -> String {
        text.contains("\u{0}") ? text.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : text
    }

    /// `2026-11-25 11:31:52.123+00` (PostgreSQL, TimeZone UTC) to `2026-11-25T11:31:52.123Z`.
    static func rfc3339(_ text: String) -> String {
        var text = text
        if let space = text.firstIndex(of: " ") { text.replaceSubrange(space...space, with: "T") }
        if text.hasSuffix("+00") { text.removeLast(3); text += "Z" }
        return text
    }
}
