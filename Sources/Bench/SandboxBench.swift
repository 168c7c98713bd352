import ArgumentParser
import Foundation
import Logging
import Sandbox
import Settings

/// `scripts/bench-sandbox`: a trivial script (print the payload) through warm pools, pooled and
/// strict, one and two at a time, beside the floor of spawning a bare `/usr/bin/python3 -I -c` at
/// the same parallelism, plus the cold start (first task on an empty pool). Prints a table.
struct SandboxBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Warm pools, pooled and strict, beside bare python3 spawns, and the cold start; print a table.",
        discussion: """
            Sandbox settings come from the environment, as for a node (CONTAINER_MEMORY_MB, \
            CONTINUUM_SANDBOX_RUNTIME, ...). Needs root and the OCI runtime.
            """)

    @Option(help: "Tasks a mode (at least 20; strict runs a quarter of them).") var tasks = 400
    @Option(help: "Measure only the warm pooled rate at this many slots; print one line `pooled parallel N: R tasks/s ...`.")
    var pooledParallel: Int?

    func run() async throws {
        var logger = Logger(label: "continuum.bench") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = try EnvironmentReader(ProcessInfo.processInfo.environment).choice(.logLevel) ?? .warning
        // Each mode's pool takes its own node id (SandboxBenchmark names them).
        let base = try SandboxConfiguration.fromEnvironment(ProcessInfo.processInfo.environment, nodeID: "bench\(getpid())")
        let benchmark = SandboxBenchmark(base: base, tasks: tasks, logger: logger)
        if let pooledParallel {
            guard pooledParallel > 0 else { throw ValidationError("--pooled-parallel must be at least 1") }
            try await benchmark.runPooledOnly(parallel: pooledParallel)
        } else {
            try await benchmark.run()
        }
    }
}

/// Why the sandbox benchmark stopped.
struct SandboxBenchFailure: Error, CustomStringConvertible {
    var description: String
}

struct SandboxBenchmark: Sendable {
    var base: SandboxConfiguration
    var tasks: Int
    var logger: Logger

    init(base: SandboxConfiguration, tasks: Int, logger: Logger) {
        self.base = base
        self.tasks = max(tasks, 20)
        self.logger = logger
    }

    struct Figures {
        var name: String
        var parallel: Int
        var perSecond: Double
        var p50: Double
        var p99: Double
    }

    static let code = "print(payload)\n"
    static let bareCode = "import sys; print(sys.argv[1])"

    func run() async throws {
        print("sandbox benchmark: \(tasks) tasks a mode, runtime \(base.runtime), \(ProcessInfo.processInfo.activeProcessorCount) cores")
        print(String(repeating: "-", count: 86))
        var rows: [Figures] = []
        var floor: [Int: Double] = [:]
        for parallel in [1, 2] {
            let bare = try await bareSpawn(parallel: parallel)
            floor[parallel] = bare.perSecond
            rows.append(bare)
            rows.append(try await pooled(strict: false, parallel: parallel, count: tasks))
            rows.append(try await pooled(strict: true, parallel: parallel, count: max(tasks / 4, 20)))
        }
        print("mode                          parallel   tasks/s    p50 ms    p99 ms   vs bare spawn")
        for r in rows {
            let ratio = r.perSecond / (floor[r.parallel] ?? r.perSecond)
            print(pad(r.name, 30) + pad("\(r.parallel)", 8) + num(r.perSecond, 10) + num(r.p50, 10) + num(r.p99, 10)
                  + "   " + String(format: "%.2fx", ratio))
        }
        let cold = try await coldStarts(rounds: 5)
        print(String(format: "cold start (empty pool to first result): median %.1f ms, min %.1f ms, max %.1f ms",
                     cold[cold.count / 2], cold.first!, cold.last!))
        print("aims: pooled >= 1.50x bare, strict >= 0.30x bare, warm p50 <= 15 ms, cold start <= 300 ms")
    }

    /// Only the warm pooled rate at `parallel` slots, as one line `pooled parallel N: R tasks/s`,
    /// for benchmarks that compare against the sandbox alone.
    func runPooledOnly(parallel: Int) async throws {
        let figures = try await pooled(strict: false, parallel: parallel, count: tasks)
        print(String(format: "pooled parallel %d: %.1f tasks/s p50 %.1f ms p99 %.1f ms", parallel, figures.perSecond, figures.p50, figures.p99))
    }

    private func pad(_ s: String, _ n: Int) -> String { s.padding(toLength: n, withPad: " ", startingAt: 0) }
    private func num(_ v: Double, _ n: Int) -> String {
        let s = String(format: "%.1f", v)
        return String(repeating: " ", count: max(0, n - s.count)) + s
    }

    private func summarize(_ name: String, parallel: Int, latencies: [Double], wall: Double) -> Figures {
        let sorted = latencies.sorted()
        let p99 = sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]
        return Figures(name: name, parallel: parallel, perSecond: Double(sorted.count) / wall,
                       p50: sorted[sorted.count / 2], p99: p99)
    }

    /// The floor: one new `/usr/bin/python3 -I -c` process a task, its output read through a pipe,
    /// each worker on a thread of its own (the spawns block in the kernel).
    private func bareSpawn(parallel: Int) async throws -> Figures {
        let per = tasks / parallel
        let started = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for worker in 0..<parallel {
                group.addTask {
                    try await Blocking.run {
                        var out: [Double] = []
                        for i in 0..<per {
                            let t = ContinuousClock.now
                            let status = try SpawnFloor.runPython(code: Self.bareCode, argument: "{\"n\": \(worker * per + i)}")
                            guard status == 0 else {
                                throw SandboxBenchFailure(description: "the bare python3 spawn exited with status \(status): is /usr/bin/python3 Debian's?")
                            }
                            out.append(Self.ms(ContinuousClock.now - t))
                        }
                        return out
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        return summarize("bare python3 -I -c spawn", parallel: parallel, latencies: latencies,
                         wall: Self.seconds(ContinuousClock.now - started))
    }

    private func configuration(strict: Bool, slots: Int, tag: String) -> SandboxConfiguration {
        var c = base
        c.strict = strict
        c.slots = slots
        c.nodeID = "bench\(getpid())\(tag)"
        return c
    }

    private func pooled(strict: Bool, parallel: Int, count: Int) async throws -> Figures {
        let pool = try await SandboxPool(
            configuration: configuration(strict: strict, slots: parallel, tag: strict ? "s\(parallel)" : "p\(parallel)"), logger: logger)
        try await pool.start()
        try await waitWarm(pool, slots: parallel)
        let per = count / parallel
        let started = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for worker in 0..<parallel {
                group.addTask {
                    var out: [Double] = []
                    for i in 0..<per {
                        let t = ContinuousClock.now
                        let result = try await pool.run(TaskSpec(id: "bench-\(worker)-\(i)", code: Self.code,
                                                                 payloadJSON: "{\"n\": \(worker * per + i)}", timeout: .seconds(30)))
                        guard result.status == .completed else {
                            throw SandboxBenchFailure(description: "a benchmark task ended \(result.status.rawValue): \(result.detail ?? "") \(result.stderr)")
                        }
                        out.append(Self.ms(ContinuousClock.now - t))
                    }
                    return out
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let wall = Self.seconds(ContinuousClock.now - started)
        await pool.shutdown()
        return summarize(strict ? "strict (fresh sandbox a task)" : "pooled (warm sandbox reused)",
                         parallel: parallel, latencies: latencies, wall: wall)
    }

    private func waitWarm(_ pool: SandboxPool, slots: Int) async throws {
        for _ in 0..<600 {
            if await pool.status().warm >= slots { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw SandboxBenchFailure(description: "the pool did not warm up within 6 s: run with CONTINUUM_LOG_LEVEL=debug to see why")
    }

    private func coldStarts(rounds: Int) async throws -> [Double] {
        var out: [Double] = []
        for round in 0..<rounds {
            let pool = try await SandboxPool(configuration: configuration(strict: false, slots: 1, tag: "c\(round)"), logger: logger)
            let t = ContinuousClock.now
            try await pool.start()
            _ = try await pool.run(TaskSpec(id: "cold", code: Self.code, payloadJSON: "{}", timeout: .seconds(30)))
            out.append(Self.ms(ContinuousClock.now - t))
            await pool.shutdown()
        }
        return out.sorted()
    }

    static func ms(_ d: Duration) -> Double { seconds(d) * 1000 }
    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
