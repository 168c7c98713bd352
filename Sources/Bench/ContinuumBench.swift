import ArgumentParser
import Foundation
import Logging
import Store

/// `continuum-bench`: the measuring half of `scripts/bench-*`; the scripts run the baselines
/// beside it and print both.
@main
struct ContinuumBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "continuum-bench",
        abstract: "Benchmark drivers for scripts/bench-*.",
        subcommands: [StoreBench.self, PgbenchScript.self, FillQueue.self, Throughput.self, Latency.self, WaitTask.self, SandboxBench.self])
}

/// Claim+complete throughput through `TaskStore`.
struct StoreBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "Claim and complete tasks for a while; print pairs per second.")

    @Option(help: "Tasks claimed per claim statement.") var batch = 1
    @Option(help: "Concurrent workers, each with its own connection.") var workers = 1
    @Option(help: "Seconds to measure.") var seconds = 5.0

    func run() async throws {
        let database = try DatabaseConfiguration.fromEnvironment(ProcessInfo.processInfo.environment)
        try await FillQueue.fill(database, count: 200_000)
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let started = ContinuousClock.now
        let done = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var configuration = database
                    configuration.poolSize = 1
                    let store = TaskStore(configuration: configuration, logger: Logger(label: "bench"))
                    var pairs = 0
                    while ContinuousClock.now < deadline {
                        let tasks = try await store.claim(
                            upTo: batch, priorities: Int(Int32.min)...Int(Int32.max), leaseTTL: .seconds(60), worker: "bench\(worker)")
                        if tasks.isEmpty { break }
                        for task in tasks {
                            try await store.complete(task.lease, output: TaskOutput(stdout: "ok", exitCode: 0))
                        }
                        pairs += tasks.count
                    }
                    store.shutdown()
                    return pairs
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = ContinuousClock.now - started
        let rate = Double(done) / elapsed.seconds
        print(String(format: "%.1f", rate))
    }
}

/// Empties the queue and fills it with trivial pending tasks.
struct FillQueue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fill", abstract: "Empty the queue and add N pending tasks.")

    @Option(help: "Tasks to add.") var count = 200_000

    func run() async throws {
        try await Self.fill(try DatabaseConfiguration.fromEnvironment(ProcessInfo.processInfo.environment), count: count)
    }

    static func fill(_ database: DatabaseConfiguration, count: Int) async throws {
        let store = TaskStore(configuration: database, logger: Logger(label: "bench"))
        try await store.migrate()
        _ = try await store.execute("TRUNCATE tasks")
        let code = try await store.execute("INSERT INTO codes (code) VALUES ('print(1)') ON CONFLICT DO NOTHING RETURNING id")
        let id = code.first?.first??.description ?? "1"
        _ = try await store.execute("""
            INSERT INTO tasks (name, payload, code, priority) SELECT 'bench', '{}', $1::bigint, g % 4 FROM generate_series(1, $2::int) g
            """, [id, String(count)])
        _ = try await store.execute("VACUUM ANALYZE tasks")
        store.shutdown()
    }
}

/// The pgbench script that runs the Store's own claim and complete statements, one task a time.
struct PgbenchScript: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pgbench-script", abstract: "Print a pgbench script of the Store's claim (batch 1) and fenced complete.")

    func run() {
        let claim = Statements.claim
            .replacingOccurrences(of: "$1", with: "'pgbench'")
            .replacingOccurrences(of: "$2::float8", with: "60::float8")
            .replacingOccurrences(of: "$3::int", with: "(-2147483648)::int")
            .replacingOccurrences(of: "$4::int", with: "2147483647::int")
            .replacingOccurrences(of: "$5::int", with: "1::int")
            .replacingOccurrences(of: "$6", with: "'pgbench'")
        let complete = Statements.complete
            .replacingOccurrences(of: "$1", with: ":id")
            .replacingOccurrences(of: "$2", with: ":fence")
            .replacingOccurrences(of: "$3", with: "'ok'")
            .replacingOccurrences(of: "$4", with: "''")
            .replacingOccurrences(of: "$5::int", with: "0::int")
            .replacingOccurrences(of: "$6::bool", with: "false")
        print(Self.oneLine(claim) + " \\gset")
        print(Self.oneLine(complete) + ";")
    }

    /// pgbench reads one statement per line unless told otherwise.
    static func oneLine(_ sql: String) -> String {
        sql.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }
}
