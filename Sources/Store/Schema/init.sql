-- Continuum schema. Idempotent: safe to apply twice and from several peers at once
-- (`continuum migrate`, or `psql -f init.sql`). It also upgrades a database created by the
-- older Go version in place: the tables keep their columns and gain the new ones. Kept as the
-- Go version made them: UUID `codes.id` and `tasks.code`, SERIAL `tasks.id`, nullable columns,
-- TIMESTAMP (without time zone) `started`, `finished`, `locked_at` (sessions run in UTC, so
-- they hold UTC; reads cast them to TIMESTAMPTZ). Rewriting those types would lock the table.
--
-- Times come from the database clock only (now()); peers never write their own clock.
-- Everything outside the section marked POSTGRES-ONLY runs on CockroachDB 22.2+ as well.

-- BEGIN POSTGRES-ONLY: serialise concurrent migrations (CockroachDB: its schema changes are
-- transactional and retried on 40001 by `continuum migrate` instead).
SELECT pg_advisory_xact_lock(727716001);
-- END POSTGRES-ONLY

CREATE TABLE IF NOT EXISTS codes (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL
);
-- Code is stored once and reused by its SHA-256 (hex). Rows inserted by hand have no hash.
ALTER TABLE codes ADD COLUMN IF NOT EXISTS hash TEXT;
ALTER TABLE codes ADD COLUMN IF NOT EXISTS created TIMESTAMPTZ NOT NULL DEFAULT now();
CREATE UNIQUE INDEX IF NOT EXISTS codes_hash_key ON codes (hash);

CREATE TABLE IF NOT EXISTS tasks (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'pending',
    payload JSONB NOT NULL DEFAULT '{}',
    code BIGINT REFERENCES codes (id),
    worker_id TEXT,
    started TIMESTAMPTZ,
    finished TIMESTAMPTZ,
    locked_at TIMESTAMPTZ,
    last_error TEXT,
    output TEXT,
    priority INTEGER NOT NULL DEFAULT 0
);
-- The Go version's payload column is nullable with no default, and a Go-style insert naming no
-- payload stores NULL (which the claim hands the script as JSON null). New rows get '{}'. The
-- column stays nullable: SET NOT NULL would fail on a database that still holds NULL payloads.
ALTER TABLE tasks ALTER COLUMN payload SET DEFAULT '{}';
-- The payload's text as submitted, when JSONB would print it differently: JSONB prints numbers
-- without an exponent (1e20 comes back as an integer to Python) and reorders object keys. Only
-- `submit` writes it, and only then; the claim and reads answer coalesce(payload_text, payload).
-- A hand edit of `payload` must clear it. NULL by default, so Go-style inserts keep working.
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS payload_text TEXT;
-- Columns a correct queue needs beyond the Go version's. Every one has a default, so plain
-- `INSERT INTO tasks (name, description, payload, code, priority)` keeps working.
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS max_attempts INTEGER NOT NULL DEFAULT 3;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS lease_expires TIMESTAMPTZ;
-- The fencing token: bumped by every change of holder (claim, recovery, revocation). Every
-- write of an attempt compares it, so a holder that lost its lease changes nothing.
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS fence BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS stderr TEXT;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS exit_code INTEGER;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS error TEXT;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS output_truncated BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS timeout_seconds DOUBLE PRECISION;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS created TIMESTAMPTZ NOT NULL DEFAULT now();
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS run_at TIMESTAMPTZ NOT NULL DEFAULT now();
-- The claim token: a random id each claim call writes on the rows it takes. When the claim's
-- connection breaks before its answer arrives, the claimer finds the rows it took by
-- (worker_id, claim_token) with status 'running'. Only a claim writes it; it is not cleared
-- when the task leaves that state (the status check makes a stale token match nothing).
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS claim_token TEXT;

-- The claim: pending tasks by priority (lower first), then FIFO by id.
CREATE INDEX IF NOT EXISTS tasks_claim_idx ON tasks (priority, id) WHERE status = 'pending';
-- Recovery scans running tasks by lease expiry; revocation by holder.
CREATE INDEX IF NOT EXISTS tasks_running_idx ON tasks (lease_expires) WHERE status = 'running';
CREATE INDEX IF NOT EXISTS tasks_worker_idx ON tasks (worker_id) WHERE status = 'running';
-- Recovery of rows the older Go version's workers left in its own 'processing' state.
CREATE INDEX IF NOT EXISTS tasks_processing_idx ON tasks (id) WHERE status = 'processing';
-- Throughput and latency over a recent window.
CREATE INDEX IF NOT EXISTS tasks_finished_idx ON tasks (finished) WHERE finished IS NOT NULL;

-- BEGIN POSTGRES-ONLY: wake-ups through LISTEN/NOTIFY (CockroachDB has none; nodes poll
-- there, and gossip carries wake hints). One notification on channel `continuum_tasks` when
-- a task becomes claimable now (inserted or put back to pending), carrying its priority; none
-- for other updates, and none for a retry whose backoff delays it.
CREATE OR REPLACE FUNCTION continuum_notify_claimable() RETURNS trigger AS $$
BEGIN
    IF NEW.status = 'pending' AND NEW.run_at <= now()
       AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'pending') THEN
        PERFORM pg_notify('continuum_tasks', NEW.priority::text);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS tasks_notify_claimable ON tasks;
CREATE TRIGGER tasks_notify_claimable
    AFTER INSERT OR UPDATE OF status ON tasks
    FOR EACH ROW EXECUTE FUNCTION continuum_notify_claimable();
-- END POSTGRES-ONLY
