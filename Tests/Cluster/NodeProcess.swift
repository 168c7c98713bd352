import Foundation
import Testing
import TestSupport

/// One `continuum node` process for a test: its own node id and a free API port, output to a
/// log file (`log` for failure messages), signals, exit status, and its HTTP API.
///
/// The process is killed (SIGKILL) when this object goes away while it still runs, so a failing
/// test leaves no peers behind.
final class NodeProcess: Sendable {
    let id: String
    let port: Int
    let environment: [String: String]
    let process: BackgroundProcess

    /// Folder of the test logs; each node's log is `<id>.log` there.
    static let logFolder: String = {
        let folder = NSTemporaryDirectory() + "continuum-cluster-tests"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }()

    private init(id: String, port: Int, environment: [String: String], process: BackgroundProcess) {
        self.id = id
        self.port = port
        self.environment = environment
        self.process = process
    }

    /// A node id no other test uses (ids must be unique per host: they name sandbox folders).
    /// Only letters, digits and `_`, so the id is also the prefix of its sandboxes' containers and
    /// cgroups (`<id>-<slot>-<random>`) and of its folder under /run/continuum/nodes.
    static func uniqueID(_ prefix: String = "n") -> String {
        prefix.replacingOccurrences(of: "-", with: "_") + "_" + UUID().uuidString.prefix(8).lowercased()
    }

    /// Starts a node on `databaseURL` with `slots` slots and `extra` environment, without waiting.
    /// `extra` overrides everything, including the id and port. `launcher`, when given, is a
    /// command the node runs under (`["/usr/bin/nsenter", "--net=/run/netns/NAME"]`: inside a
    /// network namespace); it must exec the node, so that signals reach it. The log is
    /// `<logName or id>.log` in `logFolder`, started afresh.
    static func launch(
        databaseURL: String, id: String? = nil, slots: Int = 1, _ extra: [String: String] = [:], launcher: [String] = [],
        logName: String? = nil
    ) throws -> NodeProcess {
        let id = id ?? uniqueID()
        var environment = [
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "DATABASE_URL": databaseURL,
            "CONTINUUM_NODE_ID": id,
            "CONTINUUM_SLOTS": String(slots),
            "API_PORT": String(try freePort()),
            "POLLING_INTERVAL": "0.5",
        ]
        environment.merge(extra) { $1 }
        let logPath = logFolder + "/\(logName ?? environment["CONTINUUM_NODE_ID"] ?? id).log"
        let shown = environment.filter { $0.key != "PATH" }.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.key.hasSuffix("TOKEN") ? "(set)" : $0.value)" }
        let marker = "=== \(Date()) continuum node \(shown.joined(separator: " "))\n"
        _ = FileManager.default.createFile(atPath: logPath, contents: Data(marker.utf8))
        let command = launcher + [Binary.path, "node"]
        let process = try BackgroundProcess.spawn(command[0], Array(command.dropFirst()), environment: environment, logPath: logPath)
        return NodeProcess(id: environment["CONTINUUM_NODE_ID"] ?? id, port: Int(environment["API_PORT"]!) ?? 0, environment: environment, process: process)
    }

    /// Starts a node and waits until its `/healthz` answers.
    static func start(
        databaseURL: String, id: String? = nil, slots: Int = 1, _ extra: [String: String] = [:], within limit: Duration = .seconds(30)
    ) async throws -> NodeProcess {
        let node = try launch(databaseURL: databaseURL, id: id, slots: slots, extra)
        try await node.waitUntilHealthy(within: limit)
        return node
    }

    /// Waits until `/healthz` answers 200; throws with the log if the process exits or the time runs out.
    func waitUntilHealthy(within limit: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let status = process.exitStatus {
                throw HTTPClient.Failure(description: "node \(id) exited with \(status) before it was healthy:\n\(log)")
            }
            if let response = try? await HTTPClient.get(port: port, "/healthz", timeout: 2), response.status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HTTPClient.Failure(description: "node \(id) did not answer /healthz within \(limit):\n\(log)")
    }

    // MARK: Signals and exit

    func send(_ signal: Int32) { process.send(signal) }

    func kill() { process.send(SIGKILL) }

    /// The exit status, waiting at most `limit`; nil if it is still running then.
    func waitForExit(within limit: Duration) async -> Int32? { await process.waitForExit(within: limit) }

    var exitStatus: Int32? { process.exitStatus }

    /// Stops the node: SIGTERM, then SIGKILL if it has not exited within `limit`.
    @discardableResult
    func stop(within limit: Duration = .seconds(20)) async -> Int32? {
        send(SIGCONT)
        send(SIGTERM)
        if let status = await waitForExit(within: limit) { return status }
        kill()
        return await waitForExit(within: .seconds(10))
    }

    // MARK: API

    func get(_ path: String) async throws -> HTTPClient.Response {
        try await HTTPClient.get(port: port, path)
    }

    /// `/status` as a JSON object.
    func status() async throws -> [String: Any] {
        let response = try await get("/status")
        guard response.status == 200, let object = response.object else {
            throw HTTPClient.Failure(description: "/status of \(id): \(response)")
        }
        return object
    }

    /// One counter of `/status` (`completed`, `lease_lost`, ...).
    func counter(_ name: String) async throws -> Int {
        let counters = try await status()["counters"] as? [String: Any]
        return (counters?[name] as? NSNumber)?.intValue ?? -1
    }

    // MARK: Log

    /// Everything the node wrote so far.
    var log: String { process.output }

    /// The last `lines` lines of the log, for failure messages.
    func logTail(_ lines: Int = 60) -> String {
        "--- log of node \(id) (\(process.logPath)):\n" + log.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }
}

/// A TCP port nobody listens on right now on loopback.
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw HTTPClient.Failure(description: "socket: \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
            guard bind(fd, pointer, length) == 0 else { return -1 }
            return getsockname(fd, pointer, &length)
        }
    }
    guard bound == 0 else { throw HTTPClient.Failure(description: "bind: \(String(cString: strerror(errno)))") }
    return Int(UInt16(bigEndian: address.sin_port))
}
