#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
@testable import Sandbox

/// Real sandboxes need root and an OCI runtime.
let canRunSandboxes = getuid() == 0 && Posix.which("runc", path: ProcessInfo.processInfo.environment["PATH"]) != nil

let testLogger: Logger = {
    var l = Logger(label: "sandbox-tests") { StreamLogHandler.standardError(label: $0) }
    l.logLevel = .error
    return l
}()

func testConfiguration(_ change: (inout SandboxConfiguration) -> Void = { _ in }) -> SandboxConfiguration {
    var c = SandboxConfiguration(nodeID: "test\(getpid())x\(UInt32.random(in: 0...UInt32.max))")
    c.slots = 1
    change(&c)
    return c
}

/// Starts a pool, runs `body`, and always shuts the pool down.
func withPool<T>(_ change: (inout SandboxConfiguration) -> Void = { _ in },
                 _ body: (SandboxPool) async throws -> T) async throws -> T {
    let pool = try await SandboxPool(configuration: testConfiguration(change), logger: testLogger)
    try await pool.start()
    do {
        let result = try await body(pool)
        await pool.shutdown()
        return result
    } catch {
        await pool.shutdown()
        throw error
    }
}

func task(_ code: String, payload: String = "{}", timeout: Duration = .seconds(30)) -> TaskSpec {
    TaskSpec(id: "t\(UInt32.random(in: 0...UInt32.max))", code: code, payloadJSON: payload, timeout: timeout)
}

/// Polls `condition` every 20 ms until it holds or `limit` passes.
func eventually(_ limit: Duration = .seconds(10), _ condition: () async -> Bool) async -> Bool {
    let end = ContinuousClock.now + limit
    while ContinuousClock.now < end {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}

/// Seconds as a Double.
func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

/// A field of `/proc/PID/status` ("Uid", "NSpid", ...), split at tabs.
func statusField(_ name: String, of pid: pid_t) -> [String] {
    let line = (Posix.readFile("/proc/\(pid)/status") ?? "").split(separator: "\n").first { $0.hasPrefix(name + ":") }
    return line.map { $0.dropFirst(name.count + 1).split(separator: "\t").map(String.init) } ?? []
}

/// Host pids of a sandbox's runner (PID 1 inside) and zygote (the runner uid's other process).
func runnerAndZygote(of sandbox: OCISandbox) -> (runner: pid_t?, zygote: pid_t?) {
    let own = sandbox.hostPIDs.filter { statusField("Uid", of: $0).first == "\(sandbox.identity.runnerUID)" }
    let runner = own.first { statusField("NSpid", of: $0).last == "1" }
    return (runner, own.first { $0 != runner })
}
