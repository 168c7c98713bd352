import ArgumentParser
import Foundation
import Logging
import Store
import TaskModel

/// Submit → completed through running nodes: how fast a cluster drains a backlog.
struct Throughput: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "throughput", abstract: "Insert N trivial tasks at once; print tasks/s until all completed.")

    @Option(help: "Tasks to insert.") var tasks = 1000

    func run() async throws {
        let store = try EndToEnd.store()
        defer { store.shutdown() }
        _ = try await store.execute("DELETE FROM tasks")
        let code = try await EndToEnd.codeID(store)
        let started = ContinuousClock.now
        _ = try await store.execute("""
            INSERT INTO tasks (name, payload, code) SELECT 'e2e', jsonb_build_object('n', g), $1::bigint FROM generate_series(1, $2::int) g
            """, [code, String(tasks)])
        try await EndToEnd.waitUntilFinished(store, count: tasks)
        let elapsed = (ContinuousClock.now - started).seconds
        let failed = try await EndToEnd.integer(store, "SELECT count(*) FROM tasks WHERE status <> '\(TaskState.completed.rawValue)'")
        guard failed == 0 else { throw ValidationError("\(failed) tasks did not complete") }
        print(String(format: "%.1f", Double(tasks) / elapsed))
    }
}

/// Submit → completed at a fixed rate: latency percentiles from the database's own timestamps.
struct Latency: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latency", abstract: "Submit at RATE tasks/s for SECONDS; print p50 p95 p99 of submit→finished in ms.")

    @Option(help: "Tasks per second.") var rate = 10.0
    @Option(help: "Seconds to keep submitting.") var seconds = 10.0

    func run() async throws {
        let store = try EndToEnd.store()
        defer { store.shutdown() }
        _ = try await store.execute("DELETE FROM tasks")
        let count = max(1, Int(rate * seconds))
        let interval = Duration.seconds(1 / rate)
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                try await Task.sleep(until: start + interval * index)
                group.addTask { _ = try await store.submit(NewTask(name: "e2e", code: "print(payload)", payloadJSON: "{\"n\": \(index)}")) }
            }
            try await group.waitForAll()
        }
        try await EndToEnd.waitUntilFinished(store, count: count)
        let rows = try await store.execute("""
            SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM finished - created) * 1000)::text,
                   count(*) FILTER (WHERE status <> '\(TaskState.completed.rawValue)')
            FROM tasks
            """)
        guard rows.first?[1] == "0" else { throw ValidationError("some tasks did not complete") }
        let figures = (rows.first?[0] ?? "{}").trimmingCharacters(in: CharacterSet(charactersIn: "{}")).split(separator: ",")
            .compactMap { Double($0) }.map { String(format: "%.1f", $0) }
        print(figures.joined(separator: " "))
    }
}

/// Waits for one task to finish and prints the wall-clock time it finished (seconds since 1970).
struct WaitTask: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "wait", abstract: "Wait for task ID to finish; print the time.")

    @Option(help: "The task id.") var id: Int64

    func run() async throws {
        let store = try EndToEnd.store()
        defer { store.shutdown() }
        while true {
            if let task = try await store.task(id: id), task.status.isFinal {
                print(String(format: "%.3f", Date().timeIntervalSince1970))
                return
            }
            try await Task.sleep(for: .milliseconds(2))
        }
    }
}

enum EndToEnd {
    static func store() throws -> TaskStore {
        TaskStore(configuration: try DatabaseConfiguration.fromEnvironment(ProcessInfo.processInfo.environment), logger: Logger(label: "bench"))
    }

    static func codeID(_ store: TaskStore) async throws -> String {
        let rows = try await store.execute("INSERT INTO codes (code) VALUES ('print(payload)') RETURNING id")
        return (rows.first?.first ?? nil) ?? "0"
    }

    static func integer(_ store: TaskStore, _ sql: String) async throws -> Int {
        Int(((try await store.execute(sql)).first?.first ?? nil) ?? "") ?? -1
    }

    static func waitUntilFinished(_ store: TaskStore, count: Int) async throws {
        while try await integer(store, "SELECT count(*) FROM tasks WHERE status IN ('\(TaskState.completed.rawValue)', '\(TaskState.failed.rawValue)')") < count {
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
