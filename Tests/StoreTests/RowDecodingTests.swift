import Testing
@testable import Store
import TaskModel

/// `PGRow`: a row read by column into typed values, or a `StoreError` naming what is wrong.
@Suite("Row decoding")
struct RowDecodingTests {
    static func row(_ values: [String: String?]) -> PGRow {
        let columns = values.keys.sorted()
        return PGRow(statement: "a test", columns: columns, values: columns.map { values[$0]! })
    }

    static func problem(_ body: () throws(StoreError) -> Void) -> (column: String, problem: String)? {
        do throws(StoreError) {
            try body()
            return nil
        } catch .malformedRow(let statement, let column, let problem) {
            #expect(statement == "a test")
            return (column, problem)
        } catch {
            Issue.record("not a malformed row: \(error)")
            return nil
        }
    }

    @Test("a row is read by column into typed values; NULL is nil only where it is allowed")
    func decodesTypedValues() throws {
        let row = Self.row(["id": "7", "ok": "t", "off": "f", "status": "running", "error": "invalid_task", "note": nil, "p": "0.25"])
        #expect(try row.required("id", as: Int64.self) == 7)
        #expect(try row.required("ok", as: Bool.self) && !(try row.required("off", as: Bool.self)))
        #expect(try row.required("status", as: TaskState.self) == .running)
        #expect(try row.optional("error", as: FailureKind.self) == .invalidTask)
        #expect(try row.optional("note", as: String.self) == nil)
        #expect(try row.optional("p", as: Double.self) == 0.25)
    }

    @Test("a missing column, a NULL where a value is required and malformed text each throw, naming the column")
    func malformedColumnsThrow() {
        let row = Self.row(["id": "seven", "note": nil, "status": "weird", "error": "exploded", "flag": "yes"])
        #expect(Self.problem { () throws(StoreError) in _ = try row.required("fence", as: Int64.self) }?.column == "fence")
        #expect(Self.problem { () throws(StoreError) in _ = try row.optional("fence", as: Int64.self) }?.problem.contains("not in the answer") == true)
        #expect(Self.problem { () throws(StoreError) in _ = try row.required("note", as: String.self) }?.problem == "is NULL where a value is required")
        #expect(Self.problem { () throws(StoreError) in _ = try row.required("id", as: Int64.self) }?.problem.contains("'seven'") == true)
        #expect(Self.problem { () throws(StoreError) in _ = try row.required("flag", as: Bool.self) }?.column == "flag")
        let state = Self.problem { () throws(StoreError) in _ = try row.required("status", as: TaskState.self) }
        #expect(state?.column == "status" && state?.problem.contains("'weird', which is not a task state") == true, "\(String(describing: state))")
        let kind = Self.problem { () throws(StoreError) in _ = try row.optional("error", as: FailureKind.self) }
        #expect(kind?.column == "error" && kind?.problem.contains("'exploded', which is not an error kind") == true, "\(String(describing: kind))")
    }
}
