import CLibPQ
import Foundation

/// One PostgreSQL connection. This file is the only place that touches libpq pointers.
///
/// Every method blocks the calling thread, so callers run them on the connection's own
/// serial queue (`ConnectionPool` and `NotificationListener` do); never call them from
/// Swift's cooperative pool.
///
/// `@unchecked Sendable` is sound because a connection is only ever used by one borrower at a
/// time: `ConnectionPool` hands it out exclusively and every call runs on `queue`, a serial
/// queue, so the `PGconn` pointer is never touched by two threads at once.
final class PGConnection: @unchecked Sendable {
    /// The serial queue every blocking call on this connection runs on.
    let queue: DispatchQueue
    private let conn: OpaquePointer

    /// Connects with libpq keyword/value parameters; a `dbname` given first may be a URL.
    /// Blocks; call on a non-cooperative thread.
    init(parameters: [(String, String)], label: String) throws(StoreError) {
        queue = DispatchQueue(label: "continuum.pg.\(label)")
        let keys = parameters.map { strdup($0.0) } + [nil]
        let values = parameters.map { strdup($0.1) } + [nil]
        defer {
            keys.forEach { free($0) }
            values.forEach { free($0) }
        }
        let made: OpaquePointer? = keys.withUnsafeBufferPointer { k in
            values.withUnsafeBufferPointer { v in
                k.withMemoryRebound(to: UnsafePointer<CChar>?.self) { kp in
                    v.withMemoryRebound(to: UnsafePointer<CChar>?.self) { vp in
                        PQconnectdbParams(kp.baseAddress, vp.baseAddress, 1)
                    }
                }
            }
        }
        guard let made else { throw .unavailable("libpq could not allocate a connection") }
        guard PQstatus(made) == CONNECTION_OK else {
            let message = Self.trimmed(PQerrorMessage(made))
            PQfinish(made)
            throw .unavailable(message)
        }
        // Server messages on an idle connection (such as FATAL on an administrator shutdown)
        // would go to stderr raw; failures reach callers as typed errors instead.
        PQsetNoticeProcessor(made, { _, _ in }, nil)
        conn = made
    }

    deinit { PQfinish(conn) }

    /// False once the server closed the connection or the socket broke.
    var isHealthy: Bool { PQstatus(conn) == CONNECTION_OK }

    /// The backend's process id, for diagnostics and tests.
    var backendPID: Int32 { PQbackendPID(conn) }

    /// Runs one statement with text parameters (`$1`, `$2`, …) and returns its rows as text.
    /// `nil` in `parameters` is SQL NULL.
    func execute(_ sql: String, _ parameters: [String?] = []) throws(StoreError) -> PGRows {
        let owned = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { owned.forEach { free($0) } }
        let result: OpaquePointer? = owned.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: UnsafePointer<CChar>?.self) { values in
                PQexecParams(conn, sql, Int32(parameters.count), nil, values.baseAddress, nil, nil, 0)
            }
        }
        return try Self.consume(result, connection: conn)
    }

    /// Runs one or more statements without parameters (used for the schema script and LISTEN).
    func executeScript(_ sql: String) throws(StoreError) {
        _ = try Self.consume(PQexec(conn, sql), connection: conn)
    }

    /// Re-establishes a broken connection in place. Blocks.
    func reset() throws(StoreError) {
        PQreset(conn)
        guard isHealthy else { throw .unavailable(Self.trimmed(PQerrorMessage(conn))) }
    }

    /// Waits up to `timeout` for the socket to become readable, reads what arrived and returns
    /// the notifications it carried. Throws `connectionLost` when the connection broke.
    func waitForNotifications(timeout: Duration) throws(StoreError) -> [PGNotification] {
        let socket = PQsocket(conn)
        guard socket >= 0 else { throw .connectionLost(Self.trimmed(PQerrorMessage(conn))) }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        let ready = poll(&descriptor, 1, milliseconds)
        if ready < 0 && errno != EINTR { throw .connectionLost("poll failed: \(String(cString: strerror(errno)))") }
        if ready > 0 {
            guard PQconsumeInput(conn) == 1, isHealthy else {
                throw .connectionLost(Self.trimmed(PQerrorMessage(conn)))
            }
        }
        var notes: [PGNotification] = []
        while let note = PQnotifies(conn) {
            notes.append(PGNotification(
                channel: String(cString: note.pointee.relname),
                payload: String(cString: note.pointee.extra)))
            PQfreemem(note)
        }
        return notes
    }

    private static func consume(_ result: OpaquePointer?, connection: OpaquePointer) throws(StoreError) -> PGRows {
        guard let result else {
            throw .connectionLost(trimmed(PQerrorMessage(connection)))
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return PGRows(columns: [], rows: [], affected: affectedRows(result))
        case PGRES_TUPLES_OK:
            let rowCount = PQntuples(result)
            let columnCount = PQnfields(result)
            let columns = (0..<columnCount).map { String(cString: PQfname(result, $0)) }
            var rows: [[String?]] = []
            rows.reserveCapacity(Int(rowCount))
            for r in 0..<rowCount {
                rows.append((0..<columnCount).map { c in
                    PQgetisnull(result, r, c) == 1 ? nil : String(cString: PQgetvalue(result, r, c))
                })
            }
            return PGRows(columns: columns, rows: rows, affected: Int(rowCount))
        default:
            let message = trimmed(PQresultErrorMessage(result))
            guard PQstatus(connection) == CONNECTION_OK else { throw .connectionLost(message) }
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
            throw .database(sqlState: state, message: message)
        }
    }

    private static func affectedRows(_ result: OpaquePointer) -> Int {
        guard let text = PQcmdTuples(result) else { return 0 }
        return Int(String(cString: text)) ?? 0
    }

    private static func trimmed(_ message: UnsafePointer<CChar>?) -> String {
        guard let message else { return "unknown libpq error" }
        let text = String(cString: message)
            .split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        return text.isEmpty ? "the server closed the connection" : text
    }
}

/// The rows of one statement, copied out of libpq as text.
struct PGRows: Sendable {
    var columns: [String]
    var rows: [[String?]]
    /// Rows returned, or rows changed by an INSERT/UPDATE/DELETE without RETURNING.
    var affected: Int
}

/// One NOTIFY delivered to a listening connection.
struct PGNotification: Sendable, Equatable {
    var channel: String
    var payload: String
}
