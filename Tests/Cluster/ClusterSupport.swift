import Foundation
import Logging
import Store
import TaskModel
import TestSupport

/// One row of `tasks`, as the cluster tests check it.
struct TaskRow: Sendable, CustomStringConvertible {
    var id: Int64
    var status: TaskState
    var attempts: Int
    var fence: Int64
    var workerID: String?
    var output: String?
    var error: FailureKind?
    var exitCode: Int?
    var lastError: String?

    var description: String {
        "task \(id): \(status.rawValue) attempts=\(attempts) fence=\(fence) worker=\(workerID ?? "-") error=\(error?.rawValue ?? "-") exit=\(exitCode.map(String.init) ?? "-") output=\((output ?? "-").prefix(80).debugDescription) last_error=\((lastError ?? "-").prefix(200))"
    }
}

/// Reads and writes a test's queue directly (any server: the shared test server or a private one).
struct Queue: Sendable {
    let url: String

    init(url: String) { self.url = url }
    init(_ database: TestDatabase) { url = database.url }

    @discardableResult
    func sql(_ statement: String, _ parameters: [String?] = []) async throws -> [[String?]] {
        let store = TaskStore(configuration: DatabaseConfiguration(url: url, poolSize: 1), logger: Logger(label: "cluster-test"))
        defer { store.shutdown() }
        return try await store.execute(statement, parameters)
    }

    /// The rows `statement` answers, to be read by column name (`PGRow.required`).
    func query(_ statement: String, _ parameters: [String?] = []) async throws(StoreError) -> [PGRow] {
        let store = TaskStore(configuration: DatabaseConfiguration(url: url, poolSize: 1), logger: Logger(label: "cluster-test"))
        defer { store.shutdown() }
        return try await store.query(statement, parameters)
    }

    /// The one integer `statement` answers (its first column, named or not).
    func integer(_ statement: String, _ parameters: [String?] = []) async throws -> Int {
        try await TestDatabase.integer(in: try await sql(statement, parameters), of: statement)
    }

    /// Submits tasks through the store, as `continuum submit` does; returns their ids in order.
    func submit(_ tasks: [NewTask]) async throws -> [Int64] {
        let store = TaskStore(configuration: DatabaseConfiguration(url: url, poolSize: 1), logger: Logger(label: "cluster-test"))
        defer { store.shutdown() }
        var ids: [Int64] = []
        for task in tasks { ids.append(try await store.submit(task)) }
        return ids
    }

    func submit(_ task: NewTask) async throws -> Int64 { try await submit([task])[0] }

    /// Every task, or those with `ids`, in id order.
    func rows(_ ids: [Int64]? = nil) async throws -> [TaskRow] {
        let filter = ids.map { "WHERE id = ANY('{\($0.map(String.init).joined(separator: ","))}'::int8[])" } ?? ""
        return try await query("""
            SELECT id, status, attempts, fence, worker_id, output, error, exit_code, last_error
            FROM tasks \(filter) ORDER BY id
            """).map { row throws(StoreError) in
            TaskRow(
                id: try row.required("id"), status: try row.required("status"), attempts: try row.required("attempts"),
                fence: try row.required("fence"), workerID: try row.optional("worker_id"), output: try row.optional("output"),
                error: try row.optional("error"), exitCode: try row.optional("exit_code"), lastError: try row.optional("last_error"))
        }
    }

    func row(_ id: Int64) async throws -> TaskRow? { try await rows([id]).first }

    /// Waits until `condition` holds for the rows with `ids` (every row when nil); returns the last rows read.
    func waitForRows(
        _ ids: [Int64]? = nil, within limit: Duration, _ condition: ([TaskRow]) -> Bool
    ) async throws -> (held: Bool, rows: [TaskRow]) {
        let deadline = ContinuousClock.now + limit
        while true {
            let rows = try await self.rows(ids)
            if condition(rows) { return (true, rows) }
            if ContinuousClock.now >= deadline { return (false, rows) }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}

/// Processes on this host running inside a sandbox of `node` (their cgroup path names it) whose
/// command line is exactly `commandLine`. Reads /proc; quick enough to call from a test.
func sandboxProcesses(ofNode node: String, commandLine: [String]) -> [pid_t] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { name -> pid_t? in
        guard let pid = pid_t(name),
              let cmdline = readProcFile("/proc/\(pid)/cmdline"),
              cmdline.split(separator: 0, omittingEmptySubsequences: false).dropLast().map({ String(decoding: $0, as: UTF8.self) }) == commandLine,
              let cgroup = readProcFile("/proc/\(pid)/cgroup"),
              String(decoding: cgroup, as: UTF8.self).contains("continuum/\(node)-")
        else { return nil }
        return pid
    }
}

/// A /proc file's bytes (they report size 0, so read until EOF).
private func readProcFile(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var result = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { return n == 0 ? result : nil }
        result.append(contentsOf: buffer[0..<n])
    }
}

/// A Python task that prints a start marker, runs `/bin/sleep <seconds>` as a child (so that a
/// run can be found from the host by its command line) and prints an end marker.
func sleeperTask(seconds: String, name: String = "sleeper") -> NewTask {
    NewTask(
        name: name,
        code: """
            import subprocess
            print("start", payload["seconds"], flush=True)
            subprocess.run(["/bin/sleep", payload["seconds"]], check=True)
            print("end", payload["seconds"])
            """,
        payloadJSON: "{\"seconds\": \"\(seconds)\"}")
}

/// A sleep duration in seconds with random digits appended, so that its `/bin/sleep` process is
/// this test's alone (`"12.0004711"`).
func uniqueSeconds(_ whole: Int) -> String {
    "\(whole).000\(Int.random(in: 1000...9999))"
}
