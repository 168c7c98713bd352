import TaskModel

/// The SQL that moves a task through its life; public so benchmarks run the very same text.
/// Every statement runs on PostgreSQL and on CockroachDB 22.2+ (`FOR UPDATE SKIP LOCKED`, data-modifying CTEs, `unnest`); each is a
/// single statement, so each is its own short transaction and can be retried on 40001.
public enum Statements {
    /// $1 code, $2 hash, $3 name, $4 description, $5 payload, $6 priority, $7 max_attempts,
    /// $8 timeout_seconds. Returns no row only when a concurrent insert of the same code raced
    /// this one; the caller then runs it again.
    ///
    /// The payload is validated by the `::jsonb` cast. Its text goes to `payload_text` only when
    /// JSONB would print it differently (exponents, key order, spacing), so that the script sees
    /// it exactly as submitted; a payload JSONB prints back unchanged is stored once.
    /// `codes.id` is whatever the table's default makes: BIGSERIAL, or the Go version's UUID.
    public static let submit = """
        WITH inserted AS (
            INSERT INTO codes (code, hash) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING RETURNING id
        ), code_id AS (
            SELECT id FROM inserted UNION ALL SELECT id FROM codes WHERE hash = $2 LIMIT 1
        )
        INSERT INTO tasks (name, description, payload, payload_text, code, priority, max_attempts, timeout_seconds)
        SELECT $3, $4, $5::text::jsonb, nullif($5::text, $5::text::jsonb::text), code_id.id, $6::int, $7::int, $8::float8
        FROM code_id
        RETURNING id
        """

    /// $1 worker, $2 lease seconds, $3 min priority, $4 max priority, $5 how many, $6 claim token.
    /// Takes the lease, bumps the fencing token and counts the attempt in one statement.
    public static let claim = """
        WITH claimed AS (
            UPDATE tasks SET status = \(status: .running), worker_id = $1, attempts = attempts + 1,
                fence = fence + 1, locked_at = now(), started = now(), finished = NULL,
                lease_expires = now() + $2::float8 * interval '1 second', claim_token = $6
            WHERE id IN (
                SELECT id FROM tasks
                WHERE status = \(status: .pending) AND priority BETWEEN $3::int AND $4::int AND run_at <= now()
                ORDER BY priority, id
                LIMIT $5::int
                FOR UPDATE SKIP LOCKED)
            RETURNING \(claimedColumns)
        )
        \(claimAnswer)
        """

    /// $1 worker, $2 claim token. What a claim whose answer was lost with its connection took:
    /// the same rows and columns the claim returned, as long as this worker still holds them.
    public static let claimedByToken = """
        WITH claimed AS (
            SELECT \(claimedColumns) FROM tasks
            WHERE worker_id = $1 AND claim_token = $2 AND status = \(status: .running)
        )
        \(claimAnswer)
        """

    /// The columns of `tasks` a claim answers with, gathered in the CTE `claimed`.
    private static let claimedColumns = "id, fence, name, payload, payload_text, code, priority, attempts, max_attempts, timeout_seconds"

    /// A claim's answer over the CTE `claimed`: each task with its code, in queue order. The
    /// payload is its text as submitted when JSONB would print it differently (`payload_text`),
    /// else JSONB's; NULL (a Go-style insert naming no payload) is JSON `null`. The Go version's
    /// `name` is nullable: NULL is no name. `source` is NULL when the code row is missing.
    private static let claimAnswer = """
        SELECT claimed.id, claimed.fence, coalesce(claimed.name, '') AS name,
               coalesce(claimed.payload_text, claimed.payload::text, 'null') AS payload,
               codes.code AS source, claimed.priority, claimed.attempts, claimed.max_attempts,
               claimed.timeout_seconds
        FROM claimed LEFT JOIN codes ON codes.id = claimed.code
        ORDER BY claimed.priority, claimed.id
        """

    /// $1 ids, $2 fences (arrays, pairwise), $3 lease seconds. Returns the renewed leases.
    public static let renew = """
        UPDATE tasks SET lease_expires = now() + $3::float8 * interval '1 second'
        FROM (SELECT unnest($1::int8[]) AS id, unnest($2::int8[]) AS fence) AS held
        WHERE tasks.id = held.id AND tasks.fence = held.fence AND tasks.status = \(status: .running)
        RETURNING tasks.id, tasks.fence
        """

    /// $1 id, $2 fence, $3 output, $4 stderr, $5 exit code, $6 truncated.
    public static let complete = """
        UPDATE tasks SET status = \(status: .completed), output = $3, stderr = $4, exit_code = $5::int,
            output_truncated = $6::bool, error = NULL, last_error = NULL, finished = now(),
            lease_expires = NULL
        WHERE id = $1 AND fence = $2 AND status = \(status: .running)
        RETURNING status
        """

    /// $1 id, $2 fence, $3 retry wanted, $4 backoff seconds, $5 kind, $6 detail, $7 output,
    /// $8 stderr, $9 exit code, $10 truncated. The row's own attempts decide retry or fail.
    public static let fail = """
        UPDATE tasks SET
            status = CASE WHEN $3::bool AND attempts < max_attempts THEN \(status: .pending) ELSE \(status: .failed) END,
            run_at = CASE WHEN $3::bool AND attempts < max_attempts
                          THEN now() + $4::float8 * interval '1 second' ELSE run_at END,
            finished = CASE WHEN $3::bool AND attempts < max_attempts THEN NULL ELSE now() END,
            error = $5, last_error = $6, output = $7, stderr = $8, exit_code = $9::int,
            output_truncated = $10::bool, lease_expires = NULL
        WHERE id = $1 AND fence = $2 AND status = \(status: .running)
        RETURNING status
        """

    /// $1 id, $2 fence, $3 refund the attempt (it never started).
    public static let requeue = """
        UPDATE tasks SET status = \(status: .pending), run_at = now(), lease_expires = NULL,
            attempts = CASE WHEN $3::bool THEN attempts - 1 ELSE attempts END
        WHERE id = $1 AND fence = $2 AND status = \(status: .running)
        RETURNING status
        """

    /// What a write that matched nothing found instead: tells a lost lease from a write of
    /// this same attempt that already landed (its response was lost with the connection).
    public static let inspect = "SELECT status, fence, worker_id FROM tasks WHERE id = $1"

    /// Takes tasks back from holders chosen by `selection` (a WHERE fragment over tasks in
    /// `state`, locked with SKIP LOCKED): pending again while attempts remain, else failed.
    /// Bumps the fence so the old holder can write nothing more. Counts an attempt only when
    /// `countsAttempt` (the holder's run was never counted: the Go version's `processing`).
    /// `last_error` is `before` + the holder + `after` + "N of M".
    static func takeBack(
        state: TaskState = .running, selection: String, countsAttempt: Bool = false, before: String, after: String
    ) -> String {
        let attempts = countsAttempt ? "tasks.attempts + 1" : "tasks.attempts"
        return """
            WITH victims AS (
                SELECT id FROM tasks WHERE status = \(status: state) AND \(selection)
                ORDER BY id LIMIT 1000 FOR UPDATE SKIP LOCKED
            )
            UPDATE tasks SET
                attempts = \(attempts),
                status = CASE WHEN \(attempts) < tasks.max_attempts THEN \(status: .pending) ELSE \(status: .failed) END,
                fence = tasks.fence + 1,
                lease_expires = NULL,
                run_at = now(),
                error = CASE WHEN \(attempts) < tasks.max_attempts THEN tasks.error ELSE \(kind: .leaseExpired) END,
                last_error = \(literal(before)) || coalesce(tasks.worker_id, 'unknown worker') || \(literal(after))
                    || (\(attempts))::text || ' of ' || tasks.max_attempts::text,
                finished = CASE WHEN \(attempts) < tasks.max_attempts THEN NULL ELSE now() END
            FROM victims
            WHERE tasks.id = victims.id AND tasks.status = \(status: state)
            RETURNING tasks.id, tasks.status
            """
    }

    /// `text` as an SQL string literal.
    private static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    public static let recoverExpired = takeBack(selection: "lease_expires < now()", before: "lease expired of ", after: " on attempt ")
    /// $1 worker id.
    public static let revoke = takeBack(selection: "worker_id = $1", before: "lease revoked of ", after: " on attempt ")
    /// Rows the older Go version's workers left in its own `processing` state. That version has
    /// no lease, so no Continuum node can tell a live Go worker from a dead one: such rows count
    /// as abandoned (stop the Go workers before starting Continuum nodes). The Go run counts as
    /// an attempt (it ran). Served by the partial index `tasks_processing_idx`.
    public static let recoverAbandoned = takeBack(
        state: .processing, selection: "true", countsAttempt: true,
        before: "abandoned by the older Go version's worker ", after: " in its '\(TaskState.processing.rawValue)' state; counted as attempt ")

    /// $1 id, $2 fence, $3 detail. A claimed row that cannot run (no code, bad payload):
    /// terminal, never retried, never left at the head of the queue.
    public static let invalid = """
        UPDATE tasks SET status = \(status: .failed), error = \(kind: .invalidTask), last_error = $3,
            finished = now(), lease_expires = NULL
        WHERE id = $1 AND fence = $2 AND status = \(status: .running)
        """

    /// $1 how many of each, $2 window seconds. The work by priority: the head of the queue (the
    /// pending tasks a claim would take first) and the tasks finished most recently within the
    /// window, each a bounded walk of its index however long the queue or the history is.
    public static let workSample = """
        SELECT priority, sum(pending) AS pending, sum(finished) AS finished FROM (
            (SELECT priority, 1 AS pending, 0 AS finished FROM tasks
             WHERE status = \(status: .pending) ORDER BY priority, id LIMIT $1::int)
            UNION ALL
            (SELECT priority, 0 AS pending, 1 AS finished FROM tasks
             WHERE finished > now() - $2::float8 * interval '1 second' ORDER BY finished DESC LIMIT $1::int)
        ) AS work
        GROUP BY priority ORDER BY priority
        """

    /// A NULL status (the Go version's column is nullable) is counted as `NULL`.
    public static let countsByStatus = "SELECT coalesce(status, 'NULL') AS status, count(*) AS n FROM tasks GROUP BY 1"

    /// $1 window seconds.
    public static let window = """
        SELECT count(*) AS n,
            percentile_cont(0.50) WITHIN GROUP (ORDER BY extract(epoch FROM finished - created)) AS p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished - created)) AS p95,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM finished - created)) AS p99
        FROM tasks WHERE finished > now() - $1::float8 * interval '1 second'
        """

    /// $1 id. A NULL payload is JSON `null` and a NULL name (the Go version's column is nullable) no name.
    public static let task = """
        SELECT id, coalesce(name, '') AS name, status, priority, coalesce(payload_text, payload::text, 'null') AS payload, output, stderr,
            exit_code, error, last_error, attempts, max_attempts, fence, worker_id, created::text AS created,
            started::timestamptz::text AS started, finished::timestamptz::text AS finished, output_truncated
        FROM tasks WHERE id = $1
        """
}

/// Task states and failure kinds written into SQL as literals (`'running'`), from the enums'
/// raw values, so the statements and the Swift types cannot drift apart.
extension DefaultStringInterpolation {
    fileprivate mutating func appendInterpolation(status: TaskState) {
        appendLiteral("'\(status.rawValue)'")
    }

    fileprivate mutating func appendInterpolation(kind: FailureKind) {
        appendLiteral("'\(kind.rawValue)'")
    }
}
