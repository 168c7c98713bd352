import ArgumentParser
import Foundation
import Logging
import Settings
import Store

/// `continuum migrate`: applies `init.sql` (idempotent, safe from several peers at once).
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the schema (init.sql) to the database named by DATABASE_URL or DB_*.",
        discussion: "Safe to run twice and from several peers at once.")

    @Option(help: "postgres, or cockroach to leave out the PostgreSQL-only parts (advisory lock, NOTIFY trigger).")
    var dialect: String = "postgres"

    func run() async throws {
        guard let dialect = SchemaDialect(rawValue: dialect) else {
            throw ValidationError("--dialect must be postgres or cockroach, got \"\(dialect)\"")
        }
        let environment = ProcessInfo.processInfo.environment
        let database = try CommandFailure.wrap { () throws(ConfigurationError) in
            try DatabaseConfiguration.fromEnvironment(environment)
        }
        let store = TaskStore(configuration: database, logger: try commandLogger("continuum.migrate", defaultLevel: .error, environment: environment))
        try await CommandFailure.wrap { () async throws(StoreError) in try await store.migrate(dialect: dialect) }
        store.shutdown()
        print("schema applied to \(database.redactedDescription)")
    }
}
