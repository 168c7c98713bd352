import Foundation
import Logging
import Synchronization
import Store

/// A fresh, migrated database on the test PostgreSQL for one test.
///
/// The server is the one `scripts/test` started (`CONTINUUM_TEST_DATABASE_URL`); run directly
/// with `swift test`, the tests start their own throwaway server with `scripts/pg start test`.
public struct TestDatabase: Sendable {
    public let name: String
    public let url: String

    public static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// CockroachDB mode (`CONTINUUM_TEST_COCKROACH_MODE=on`), as far as PostgreSQL can play it:
    /// the schema's CockroachDB subset (no advisory lock, no NOTIFY trigger), every store at
    /// SERIALIZABLE (CockroachDB's only level), and no LISTEN. `scripts/test` runs the Store and
    /// Node suites a second time in it.
    public static let cockroachMode = ProcessInfo.processInfo.environment["CONTINUUM_TEST_COCKROACH_MODE"] == "on"

    /// The schema dialect of this run's databases.
    public static var dialect: SchemaDialect { cockroachMode ? .cockroach : .postgres }

    /// The isolation of this run's stores unless a test asks for one.
    public static var isolation: DatabaseConfiguration.Isolation { cockroachMode ? .serializable : .readCommitted }

    /// Creates and migrates a database of its own.
    public static func make(dialect: SchemaDialect = Self.dialect, migrate: Bool = true) async throws -> TestDatabase {
        let server = try await serverURL()
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let admin = TaskStore(configuration: DatabaseConfiguration(url: server, poolSize: 1), logger: Logger(label: "test-admin"))
        _ = try await admin.execute("CREATE DATABASE \(name)")
        admin.shutdown()
        let database = TestDatabase(name: name, url: url(server, database: name))
        if migrate { try await database.store().migrate(dialect: dialect) }
        return database
    }

    /// A store on this database with its own pool.
    public func store(
        poolSize: Int = 4, isolation: DatabaseConfiguration.Isolation = Self.isolation,
        retryPolicy: RetryPolicy = RetryPolicy()
    ) -> TaskStore {
        TaskStore(
            configuration: DatabaseConfiguration(url: url, isolation: isolation, poolSize: poolSize),
            logger: Logger(label: "test"), retryPolicy: retryPolicy)
    }

    /// Runs SQL directly, for setting up states the API cannot reach and for checking results.
    @discardableResult
    public func sql(_ statement: String, _ parameters: [String?] = []) async throws -> [[String?]] {
        let store = store(poolSize: 1)
        let rows = try await store.execute(statement, parameters)
        store.shutdown()
        return rows
    }

    /// The one integer `statement` answers (its first column, named or not).
    public func integer(_ statement: String, _ parameters: [String?] = []) async throws -> Int {
        try Self.integer(in: try await sql(statement, parameters), of: statement)
    }

    /// The integer in the first column of the one row of `rows`, which `statement` answered.
    public static func integer(in rows: [[String?]], of statement: String) throws -> Int {
        guard rows.count == 1, let text = rows[0].first ?? nil, let value = Int(text) else {
            throw TestDatabaseError(description: "expected one integer from \(statement.prefix(80)), got \(rows.prefix(3))")
        }
        return value
    }

    static func url(_ server: String, database: String) -> String {
        guard let slash = server.range(of: "/", options: .backwards), server[..<slash.lowerBound].contains("@") else {
            return server + "/" + database
        }
        return String(server[..<slash.upperBound]) + database
    }

    private static let started = Mutex<String?>(nil)

    /// The test server's URL, starting `scripts/pg start test` once when none is given.
    public static func serverURL() async throws -> String {
        if let url = ProcessInfo.processInfo.environment["CONTINUUM_TEST_DATABASE_URL"], !url.isEmpty { return url }
        if let url = started.withLock({ $0 }) { return url }
        let url = try await Shell.run(repository.appendingPathComponent("scripts/pg").path, ["start", "test"])
        started.withLock { $0 = url }
        return url
    }
}

/// A fixture query that did not answer what the test expected.
public struct TestDatabaseError: Error, CustomStringConvertible {
    public var description: String
}
