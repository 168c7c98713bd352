/// Why a Store call did not do what was asked. Every case carries a message a user can act on.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    /// No connection to PostgreSQL could be made (wrong address, server down, bad credentials).
    case unavailable(String)
    /// The connection broke during the call; whether the statement ran is unknown.
    case connectionLost(String)
    /// PostgreSQL refused the statement; `sqlState` is its SQLSTATE code.
    case database(sqlState: String, message: String)
    /// The caller's input was rejected before it reached the queue.
    case invalidInput(String)
    /// The attempt's fencing token is no longer current: another holder, recovery or revocation
    /// took the task over. The write changed nothing.
    case leaseLost(taskID: Int64, fence: Int64, detail: String)
    /// The named task does not exist.
    case notFound(taskID: Int64)
    /// A row of `statement`'s answer cannot be read: `column` is missing, NULL where a value is
    /// required, or holds text that is not its type (such as a status this version does not know).
    case malformedRow(statement: String, column: String, problem: String)

    public var description: String {
        switch self {
        case .unavailable(let message):
            "PostgreSQL is unavailable: \(message) (check DATABASE_URL or DB_HOST/DB_PORT and that the server is running)"
        case .connectionLost(let message):
            "the connection to PostgreSQL was lost: \(message)"
        case .database(let state, let message):
            "PostgreSQL error \(state): \(message)"
        case .invalidInput(let message):
            message
        case .leaseLost(let id, let fence, let detail):
            "lease lost on task \(id) (fencing token \(fence)): \(detail); nothing was written"
        case .notFound(let id):
            "task \(id) does not exist"
        case .malformedRow(let statement, let column, let problem):
            "the answer to \(statement) is malformed: column \(column) \(problem)"
        }
    }

    /// Serialization failures (40001, CockroachDB's retry signal) and deadlocks (40P01): the
    /// transaction was rolled back and may simply be run again.
    public var isRetryableConflict: Bool {
        if case .database(let state, _) = self { return state == "40001" || state == "40P01" }
        return false
    }

    /// The SQLSTATE code PostgreSQL answered with, if the server refused the statement.
    public var sqlState: String? {
        if case .database(let state, _) = self { return state }
        return nil
    }

    /// The connection is gone or could not be made.
    public var isConnectionFailure: Bool {
        switch self {
        case .unavailable, .connectionLost: true
        default: false
        }
    }
}
