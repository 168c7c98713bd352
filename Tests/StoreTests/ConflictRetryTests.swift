import Testing
@testable import Store
import TestSupport

/// Statements a conflict rolled back (40001, as CockroachDB answers under contention) are run
/// again; forced here by a function that fails with 40001 until its own counter, which no
/// rollback undoes, says otherwise.
@Suite("Conflict retries")
struct ConflictRetryTests {
    static func conflicting(until tries: Int, in database: TestDatabase) async throws {
        try await database.sql("CREATE SEQUENCE tries")
        try await database.sql("""
            CREATE FUNCTION conflicting() RETURNS int AS $$
            BEGIN
                IF nextval('tries') < \(tries) THEN
                    RAISE EXCEPTION 'forced conflict' USING ERRCODE = 'serialization_failure';
                END IF;
                RETURN 7;
            END $$ LANGUAGE plpgsql
            """)
    }

    @Test("a statement that conflicts twice succeeds on its third try")
    func retriedUntilItSucceeds() async throws {
        let database = try await TestDatabase.make()
        try await Self.conflicting(until: 3, in: database)
        let store = database.store(poolSize: 1)
        defer { store.shutdown() }
        #expect(try await store.execute("SELECT conflicting()") == [["7"]])
        #expect(try await database.integer("SELECT last_value FROM tries") == 3)
    }

    @Test("a statement that keeps conflicting is given up after 16 tries, with the database's own error")
    func givenUpAfterSixteenTries() async throws {
        let database = try await TestDatabase.make()
        try await Self.conflicting(until: 1_000, in: database)
        let store = database.store(poolSize: 1)
        defer { store.shutdown() }
        do {
            _ = try await store.execute("SELECT conflicting()")
            Issue.record("a statement that always conflicts succeeded")
        } catch {
            #expect(error.isRetryableConflict, "\(error)")
        }
        #expect(try await database.integer("SELECT last_value FROM tries") == 16)
    }
}
