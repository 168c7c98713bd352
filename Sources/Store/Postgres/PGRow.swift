import TaskModel

/// One row of a statement's answer, read by column name into typed values.
///
/// A column the answer lacks, NULL where a value is required, or text that does not read as the
/// type asked for is a bug or a row another tool wrote: each throws `StoreError.malformedRow`
/// naming the statement, the column and what it held, never a default in its place. That
/// includes a status or error kind this version does not know (`TaskState`, `FailureKind`).
public struct PGRow: Sendable {
    /// What answered this row, as errors name it (`read task 17`).
    public let statement: String
    let columns: [String]
    let values: [String?]

    /// The value of `column`, which must be there and not NULL.
    public func required<T: ColumnValue>(_ column: String, as type: T.Type = T.self) throws(StoreError) -> T {
        guard let value = try optional(column, as: type) else {
            throw .malformedRow(statement: statement, column: column, problem: "is NULL where a value is required")
        }
        return value
    }

    /// The value of `column`, which must be there; nil for SQL NULL.
    public func optional<T: ColumnValue>(_ column: String, as type: T.Type = T.self) throws(StoreError) -> T? {
        guard let index = columns.firstIndex(of: column) else {
            throw .malformedRow(
                statement: statement, column: column,
                problem: "is not in the answer, whose columns are \(columns.joined(separator: ", "))")
        }
        guard let text = values[index] else { return nil }
        guard let value = T(columnText: text) else {
            throw .malformedRow(statement: statement, column: column, problem: "holds '\(text.prefix(80))', which is not \(T.expectation)")
        }
        return value
    }
}

extension PGRows {
    /// The rows, each readable by column name; `statement` names them in errors.
    func decoded(_ statement: String) -> [PGRow] {
        rows.map { PGRow(statement: statement, columns: columns, values: $0) }
    }
}

/// A type a column's text (PostgreSQL's text output format) reads as.
public protocol ColumnValue {
    /// The value `text` stands for; nil when it stands for none of this type.
    init?(columnText text: String)
    /// What the text should have been, for the error when it is not (`an integer`).
    static var expectation: String { get }
}

extension String: ColumnValue {
    public init?(columnText text: String) { self = text }
    public static var expectation: String { "text" }
}

extension Int: ColumnValue {
    public init?(columnText text: String) { self.init(text) }
    public static var expectation: String { "an integer" }
}

extension Int32: ColumnValue {
    public init?(columnText text: String) { self.init(text) }
    public static var expectation: String { "a 32-bit integer" }
}

extension Int64: ColumnValue {
    public init?(columnText text: String) { self.init(text) }
    public static var expectation: String { "a 64-bit integer" }
}

extension Double: ColumnValue {
    public init?(columnText text: String) { self.init(text) }
    public static var expectation: String { "a number" }
}

extension Bool: ColumnValue {
    public init?(columnText text: String) {
        switch text {
        case "t": self = true
        case "f": self = false
        default: return nil
        }
    }

    public static var expectation: String { "a boolean (t or f)" }
}

extension TaskState: ColumnValue {
    public init?(columnText text: String) { self.init(rawValue: text) }
    public static var expectation: String {
        "a task state this version of Continuum knows (\(allCases.map(\.rawValue).joined(separator: ", "))); "
            + "another tool or a newer version wrote it: correct the row, or upgrade this node"
    }
}

extension FailureKind: ColumnValue {
    public init?(columnText text: String) { self.init(rawValue: text) }
    public static var expectation: String {
        "an error kind this version of Continuum knows (\(allCases.map(\.rawValue).joined(separator: ", "))); "
            + "another tool or a newer version wrote it: correct the row, or upgrade this node"
    }
}
