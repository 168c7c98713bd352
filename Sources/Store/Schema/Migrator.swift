/// Which SQL dialect the schema is applied for.
public enum SchemaDialect: String, Sendable {
    /// PostgreSQL: the whole of `init.sql`, with the NOTIFY trigger.
    case postgres
    /// CockroachDB: `init.sql` without its POSTGRES-ONLY sections (advisory lock, trigger).
    case cockroach
}

/// The schema script shipped inside the binary (the repository's `init.sql`).
public enum Schema {
    /// `init.sql` as shipped.
    public static var script: String { String(decoding: PackageResources.init_sql, as: UTF8.self) }

    /// `init.sql` for `dialect`: for CockroachDB, every block between `-- BEGIN POSTGRES-ONLY`
    /// and `-- END POSTGRES-ONLY` is left out.
    public static func script(for dialect: SchemaDialect) -> String {
        guard dialect == .cockroach else { return script }
        var kept: [Substring] = []
        var skipping = false
        for line in script.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("-- BEGIN POSTGRES-ONLY") { skipping = true }
            if !skipping { kept.append(line) }
            if line.hasPrefix("-- END POSTGRES-ONLY") { skipping = false }
        }
        return kept.joined(separator: "\n")
    }
}

extension TaskStore {
    /// Duplicate catalog entries a concurrent migration can race this one into (unique
    /// violation, duplicate table, duplicate object).
    static let racedByAConcurrentMigration: Set<String> = ["23505", "42P07", "42710"]

    /// Applies the schema in one transaction. Idempotent, and safe from several peers at once:
    /// on PostgreSQL an advisory lock serialises them; on CockroachDB a conflict (40001) or a
    /// duplicate catalog entry raced by a concurrent migration (23505, 42P07, 42710) is retried.
    public func migrate(dialect: SchemaDialect = .postgres) async throws(StoreError) {
        let script = Schema.script(for: dialect)
        var backoff = Backoff(initial: .milliseconds(50), maximum: .milliseconds(400))
        try await backoff.retrying({ () async throws(StoreError) in
            try await run("migrate", idempotent: true) { connection throws(StoreError) in
                try connection.executeScript(script)
            }
        }) { error, tries in Self.racedByAConcurrentMigration.contains(error.sqlState ?? "") && tries < 5 }
    }
}
