import Foundation

/// The older Go version's schema and the SQL its users and workers ran, in one place for every
/// test of the upgrade path: UUID code ids, SERIAL task ids, TIMESTAMP (without time zone)
/// columns, a nullable payload with no default, a nullable `status` defaulting to `pending`,
/// and the Go workers' own `processing` status.
public enum GoSchema {
    /// The Go version's `init.sql`, one statement per element.
    public static let statements = [
        """
        CREATE TABLE IF NOT EXISTS codes (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            code TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS tasks (
            id SERIAL PRIMARY KEY,
            name TEXT,
            description TEXT,
            status TEXT DEFAULT 'pending',
            payload JSONB,
            code UUID REFERENCES codes(id),
            worker_id TEXT,
            started TIMESTAMP,
            finished TIMESTAMP,
            locked_at TIMESTAMP,
            last_error TEXT,
            output TEXT,
            priority INTEGER DEFAULT 0
        )
        """,
    ]

    /// A fresh database holding the Go version's tables, not migrated.
    public static func database() async throws -> TestDatabase {
        let database = try await TestDatabase.make(migrate: false)
        for statement in statements { try await database.sql(statement) }
        return database
    }

    /// Stores `code` as a Go user did (`INSERT INTO codes (code) ... RETURNING id`); returns its UUID.
    public static func insertCode(_ code: String, into database: TestDatabase) async throws -> String {
        guard let id = try await database.sql("INSERT INTO codes (code) VALUES ($1) RETURNING id", [code]).first?.first ?? nil else {
            throw GoSchemaError("INSERT INTO codes returned no id")
        }
        return id
    }

    /// Inserts a task as a Go user did, naming only the Go version's columns; with `payload`
    /// nil the insert names no payload at all (the column's default applies). Returns its id.
    @discardableResult
    public static func insertTask(
        codeID: String, name: String = "go", payload: String? = "{}", priority: Int = 0, into database: TestDatabase
    ) async throws -> Int64 {
        let rows = if let payload {
            try await database.sql("""
                INSERT INTO tasks (name, description, payload, code, priority) VALUES ($1, '', $2, $3, $4) RETURNING id
                """, [name, payload, codeID, String(priority)])
        } else {
            try await database.sql("""
                INSERT INTO tasks (name, description, code, priority) VALUES ($1, '', $2, $3) RETURNING id
                """, [name, codeID, String(priority)])
        }
        guard let id = rows.first?.first??.description, let value = Int64(id) else {
            throw GoSchemaError("INSERT INTO tasks returned no id")
        }
        return value
    }

    /// Puts a task in the state a Go worker left it in while running it: `processing`, held by
    /// `worker`, locked and started at the Go worker's (UTC) wall clock.
    public static func markProcessing(_ id: Int64, worker: String, in database: TestDatabase) async throws {
        try await database.sql("""
            UPDATE tasks SET status = 'processing', worker_id = $2, locked_at = now() AT TIME ZONE 'UTC',
                started = now() AT TIME ZONE 'UTC'
            WHERE id = $1
            """, [String(id), worker])
    }
}

/// A Go-schema fixture step that did not do what it should.
public struct GoSchemaError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
