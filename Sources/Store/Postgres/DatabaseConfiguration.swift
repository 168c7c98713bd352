import Settings

/// Where and how to reach PostgreSQL (or CockroachDB), from `DATABASE_URL` or the `DB_*`
/// variables the older Go version used.
public struct DatabaseConfiguration: Sendable, Equatable {
    /// Transaction isolation every connection runs at. CockroachDB always runs `serializable`;
    /// PostgreSQL can be put there to exercise the 40001 retry path.
    public enum Isolation: String, Sendable, CaseIterable {
        case readCommitted = "read committed"
        case serializable
    }

    /// A `postgres://` URL or a libpq `key=value` string; takes precedence over the fields below.
    public var url: String?
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var isolation: Isolation
    /// Longest a single statement may run before the server cancels it.
    public var statementTimeoutMilliseconds: Int
    /// Connections the pool may open.
    public var poolSize: Int

    public init(
        url: String? = nil, host: String = "localhost", port: Int = 5432, user: String = "postgres",
        password: String? = nil, database: String = "postgres", isolation: Isolation = .readCommitted,
        statementTimeoutMilliseconds: Int = 30_000, poolSize: Int = 4
    ) {
        self.url = url
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.isolation = isolation
        self.statementTimeoutMilliseconds = statementTimeoutMilliseconds
        self.poolSize = poolSize
    }

    /// Reads `DATABASE_URL`, or `DB_HOST`, `DB_PORT`, `DB_USER`, `DB_PASSWORD`, `DB_NAME`, and
    /// `CONTINUUM_DB_ISOLATION` / `CONTINUUM_DB_POOL_SIZE`. Errors name the variable at fault.
    public static func fromEnvironment(_ environment: [String: String]) throws(ConfigurationError) -> DatabaseConfiguration {
        let reader = EnvironmentReader(environment)
        let defaults = DatabaseConfiguration()
        return DatabaseConfiguration(
            url: try reader.string(.databaseURL),
            host: try reader.string(.databaseHost) ?? defaults.host,
            port: try reader.integer(.databasePort, in: 1...65535) ?? defaults.port,
            user: try reader.string(.databaseUser) ?? defaults.user,
            password: try reader.secret(.databasePassword),
            database: try reader.string(.databaseName) ?? defaults.database,
            isolation: try reader.choice(.databaseIsolation) ?? defaults.isolation,
            poolSize: try reader.integer(.databasePoolSize, in: 1...256) ?? defaults.poolSize)
    }

    /// libpq keyword/value pairs; a URL, when given, goes first as `dbname` so libpq expands it.
    var libpqParameters: [(String, String)] {
        var parameters: [(String, String)] = []
        if let url {
            parameters.append(("dbname", url))
        } else {
            parameters += [("host", host), ("port", String(port)), ("user", user), ("dbname", database)]
            if let password { parameters.append(("password", password)) }
        }
        parameters += [
            ("application_name", "continuum"),
            ("connect_timeout", "5"),
            ("keepalives", "1"),
            ("keepalives_idle", "10"),
            ("keepalives_interval", "5"),
            ("keepalives_count", "3"),
            ("options", "-c statement_timeout=\(statementTimeoutMilliseconds) -c client_min_messages=warning -c TimeZone=UTC -c default_transaction_isolation=\(isolation.rawValue.replacingOccurrences(of: " ", with: "\\ "))"),
        ]
        return parameters
    }

    /// Where the database is, without credentials, for error messages and logs.
    public var redactedDescription: String {
        if let url {
            guard let at = url.lastIndex(of: "@"), let scheme = url.range(of: "://") else { return EnvironmentVariable.databaseURL.name }
            return String(url[..<scheme.upperBound]) + "…" + String(url[at...])
        }
        return "\(user)@\(host):\(port)/\(database)"
    }
}

extension EnvironmentVariable {
    /// A `postgres://` URL or a libpq `key=value` string; takes precedence over the `DB_*` variables.
    public static let databaseURL = EnvironmentVariable("DATABASE_URL")
    public static let databaseHost = EnvironmentVariable("DB_HOST")
    public static let databasePort = EnvironmentVariable("DB_PORT")
    public static let databaseUser = EnvironmentVariable("DB_USER")
    public static let databasePassword = EnvironmentVariable("DB_PASSWORD")
    public static let databaseName = EnvironmentVariable("DB_NAME")
    /// `read committed` or `serializable`.
    public static let databaseIsolation = EnvironmentVariable("CONTINUUM_DB_ISOLATION")
    /// Connections the pool may open.
    public static let databasePoolSize = EnvironmentVariable("CONTINUUM_DB_POOL_SIZE")
}
