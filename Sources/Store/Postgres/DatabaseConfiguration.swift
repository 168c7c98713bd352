/// Where and how to reach PostgreSQL (or CockroachDB), from `DATABASE_URL` or the `DB_*`
/// variables the older Go version used.
public struct DatabaseConfiguration: Sendable, Equatable {
    /// Transaction isolation every connection runs at. CockroachDB always runs `serializable`;
    /// PostgreSQL can be put there to exercise the 40001 retry path.
    public enum Isolation: String, Sendable {
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
    public static func fromEnvironment(_ environment: [String: String]) throws(StoreError) -> DatabaseConfiguration {
        var config = DatabaseConfiguration()
        if let url = environment["DATABASE_URL"], !url.isEmpty { config.url = url }
        if let host = environment["DB_HOST"], !host.isEmpty { config.host = host }
        if let text = environment["DB_PORT"], !text.isEmpty {
            guard let port = Int(text), (1...65535).contains(port) else {
                throw .invalidInput("DB_PORT must be a port number from 1 to 65535, got \"\(text)\"")
            }
            config.port = port
        }
        if let user = environment["DB_USER"], !user.isEmpty { config.user = user }
        if let password = environment["DB_PASSWORD"], !password.isEmpty { config.password = password }
        if let name = environment["DB_NAME"], !name.isEmpty { config.database = name }
        if let text = environment["CONTINUUM_DB_ISOLATION"], !text.isEmpty {
            guard let isolation = Isolation(rawValue: text.replacingOccurrences(of: "_", with: " ").lowercased()) else {
                throw .invalidInput("CONTINUUM_DB_ISOLATION must be \"read committed\" or \"serializable\", got \"\(text)\"")
            }
            config.isolation = isolation
        }
        if let text = environment["CONTINUUM_DB_POOL_SIZE"], !text.isEmpty {
            guard let size = Int(text), (1...256).contains(size) else {
                throw .invalidInput("CONTINUUM_DB_POOL_SIZE must be a whole number from 1 to 256, got \"\(text)\"")
            }
            config.poolSize = size
        }
        return config
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
            guard let at = url.lastIndex(of: "@"), let scheme = url.range(of: "://") else { return "DATABASE_URL" }
            return String(url[..<scheme.upperBound]) + "…" + String(url[at...])
        }
        return "\(user)@\(host):\(port)/\(database)"
    }
}
