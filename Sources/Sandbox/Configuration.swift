import Foundation

/// How sandboxes are built and pooled. `fromEnvironment(_:)` reads it the way a node does.
public struct SandboxConfiguration: Sendable, Equatable {
    /// The OCI runtime binary: a name looked up in `PATH` (`runc`, `crun`, `runsc`) or a path.
    public var runtime: String
    /// A root filesystem folder to use instead of the read-only composition of the host's `/usr`.
    public var image: String?
    /// Memory limit of one sandbox (runner and task together), MiB. Swap is limited to the same value.
    public var memoryMB: Int
    /// CPU quota of one sandbox, in cores (0.5 = half a core).
    public var cpuLimit: Double
    /// The most processes and threads a sandbox may hold at once.
    public var pidsLimit: Int
    /// Size of the private `/tmp` scratch space, MiB.
    public var scratchMB: Int
    /// Size of `/dev/shm`, MiB.
    public var shmMB: Int
    /// stdout and stderr are each kept up to this many bytes; the rest is dropped and reported.
    public var outputCapBytes: Int
    /// A task whose stdout plus stderr passes this many bytes is killed (`output_limit`); 0 disables.
    public var outputLimitBytes: Int
    /// A sandbox is replaced after this many tasks.
    public var maxTasksPerSandbox: Int
    /// Every task gets a fresh (pre-started) sandbox.
    public var strict: Bool
    /// Sandboxes kept warm, so tasks that can run at once.
    public var slots: Int
    /// A warm sandbox unused for this long is removed (a busy one never is).
    public var idleTimeout: Duration
    /// Default wall-clock limit of a task.
    public var taskTimeout: Duration
    /// Where the runtime keeps its state (`--root`); one folder a runtime.
    public var stateRoot: String
    /// Where bundles, locks and the composed root live.
    public var workRoot: String
    /// This node's id; it names the node's containers so that leftovers can be found.
    public var nodeID: String
    /// The first of the unprivileged uids sandboxes run as. Each live sandbox on a host leases a pair
    /// of its own, `uidBase + 2k` for its runner and zygote and `uidBase + 2k + 1` for its tasks (the
    /// same numbers as gids), so that no two sandboxes share a uid's kernel counters (inotify
    /// instances, message-queue bytes, pipe pages) and tasks can never signal or inspect a runner.
    public var uidBase: UInt32
    /// How many uid pairs the host's sandboxes lease from (every node sharing `workRoot` shares them).
    public var uidPairs: Int

    /// Defaults for a node: runc, 512 MiB, one core, 128 processes, 2 slots.
    public init(nodeID: String, runtime: String = "runc") {
        self.runtime = runtime
        self.image = nil
        self.memoryMB = 512
        self.cpuLimit = 1
        self.pidsLimit = 128
        self.scratchMB = 256
        self.shmMB = 64
        self.outputCapBytes = 1 << 20
        self.outputLimitBytes = 64 << 20
        self.maxTasksPerSandbox = 100
        self.strict = false
        self.slots = 2
        self.idleTimeout = .seconds(300)
        self.taskTimeout = .seconds(300)
        self.workRoot = "/run/continuum"
        self.stateRoot = "/run/continuum/\((runtime as NSString).lastPathComponent)"
        self.nodeID = nodeID
        self.uidBase = 10000
        self.uidPairs = 512
    }

    /// Reads `CONTAINER_*`, `CONTINUUM_SANDBOX_*` (`_UID`, `_UID_PAIRS` among them), `CONTINUUM_SLOTS`, `CONTINUUM_TASK_TIMEOUT` and
    /// `CONTINUUM_NODE_ID`. Throws `ConfigurationError` naming the first malformed variable.
    public static func fromEnvironment(_ env: [String: String]) throws -> SandboxConfiguration {
        let reader = EnvironmentReader(env: env)
        let node = try reader.string("CONTINUUM_NODE_ID") ?? defaultNodeID()
        guard !node.isEmpty, node.count <= 64 else {
            throw ConfigurationError(variable: "CONTINUUM_NODE_ID", value: node, expected: "1 to 64 characters")
        }
        var config = SandboxConfiguration(nodeID: node, runtime: try reader.string("CONTINUUM_SANDBOX_RUNTIME") ?? "runc")
        config.image = try reader.string("CONTAINER_IMAGE")
        if let image = config.image {
            var isDir: ObjCBool = false
            guard image.hasPrefix("/"), FileManager.default.fileExists(atPath: image, isDirectory: &isDir), isDir.boolValue else {
                throw ConfigurationError(variable: "CONTAINER_IMAGE", value: image,
                                         expected: "the absolute path of a root filesystem folder")
            }
        }
        config.memoryMB = try reader.int("CONTAINER_MEMORY_MB", in: 32...1_048_576) ?? config.memoryMB
        config.cpuLimit = try reader.double("CONTAINER_CPU_LIMIT", in: 0.01...1024) ?? config.cpuLimit
        config.pidsLimit = try reader.int("CONTINUUM_SANDBOX_PIDS", in: 8...65536) ?? config.pidsLimit
        config.scratchMB = try reader.int("CONTINUUM_SANDBOX_SCRATCH_MB", in: 1...1_048_576) ?? config.scratchMB
        config.outputCapBytes = try reader.int("CONTINUUM_OUTPUT_CAP_BYTES", in: 1024...(1 << 30)) ?? config.outputCapBytes
        config.outputLimitBytes = try reader.int("CONTINUUM_OUTPUT_LIMIT_BYTES", in: 0...(1 << 40)) ?? config.outputLimitBytes
        config.maxTasksPerSandbox = try reader.int("CONTINUUM_SANDBOX_MAX_TASKS", in: 1...1_000_000) ?? config.maxTasksPerSandbox
        config.strict = try reader.bool("CONTINUUM_SANDBOX_STRICT") ?? config.strict
        config.slots = try reader.int("CONTINUUM_SLOTS", in: 1...1024) ?? config.slots
        config.uidBase = try reader.int("CONTINUUM_SANDBOX_UID", in: 1000...1_000_000_000).map(UInt32.init) ?? config.uidBase
        config.uidPairs = try reader.int("CONTINUUM_SANDBOX_UID_PAIRS", in: 1...1_000_000) ?? config.uidPairs
        if let idle = try reader.double("CONTAINER_IDLE_TIMEOUT", in: 0.1...31_536_000) {
            config.idleTimeout = .milliseconds(Int64(idle * 1000))
        }
        if let timeout = try reader.double("CONTINUUM_TASK_TIMEOUT", in: 0.1...31_536_000) {
            config.taskTimeout = .milliseconds(Int64(timeout * 1000))
        }
        if let root = try reader.string("CONTINUUM_SANDBOX_ROOT") {
            guard root.hasPrefix("/") else {
                throw ConfigurationError(variable: "CONTINUUM_SANDBOX_ROOT", value: root, expected: "an absolute path")
            }
            config.workRoot = root
            config.stateRoot = root + "/" + (config.runtime as NSString).lastPathComponent
        }
        return config
    }

    /// Checks values that `init` and direct assignment could have left out of range.
    public func validate() throws {
        func check(_ ok: Bool, _ name: String, _ value: CustomStringConvertible, _ expected: String) throws {
            if !ok { throw ConfigurationError(variable: name, value: value.description, expected: expected) }
        }
        try check(memoryMB >= 32, "CONTAINER_MEMORY_MB", memoryMB, "at least 32")
        try check(cpuLimit > 0, "CONTAINER_CPU_LIMIT", cpuLimit, "a positive number of cores")
        try check(pidsLimit >= 8, "CONTINUUM_SANDBOX_PIDS", pidsLimit, "at least 8")
        try check(scratchMB >= 1, "CONTINUUM_SANDBOX_SCRATCH_MB", scratchMB, "at least 1")
        try check(slots >= 1, "CONTINUUM_SLOTS", slots, "at least 1")
        try check(maxTasksPerSandbox >= 1, "CONTINUUM_SANDBOX_MAX_TASKS", maxTasksPerSandbox, "at least 1")
        try check(uidBase >= 1000 && UInt64(uidBase) + 2 * UInt64(uidPairs) < UInt64(Int32.max), "CONTINUUM_SANDBOX_UID",
                  uidBase, "a uid of at least 1000 with room for CONTINUUM_SANDBOX_UID_PAIRS pairs above it")
        try check(uidPairs >= 1, "CONTINUUM_SANDBOX_UID_PAIRS", uidPairs, "at least 1")
        try check(!runtime.isEmpty, "CONTINUUM_SANDBOX_RUNTIME", runtime, "a runtime name or path")
    }

    /// The node part of container ids: the node id with every character outside `[A-Za-z0-9_.]`
    /// replaced by `_`. When anything was replaced, 8 hex digits of a hash of the whole id follow,
    /// so that ids differing only there (`a-b`, `a_b`) never share containers, cgroups or folders.
    var containerPrefix: String {
        let safe = String(nodeID.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ".") ? $0 : "_" })
        guard safe != nodeID else { return safe }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in nodeID.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let hex = String(hash & 0xffff_ffff, radix: 16)
        return safe + "_" + String(repeating: "0", count: 8 - hex.count) + hex
    }

    static func defaultNodeID() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "node"
        return "\(host)-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
    }
}

/// A configuration variable that is missing its mark.
public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    /// The environment variable (or flag) at fault.
    public var variable: String
    public var value: String
    public var expected: String

    public init(variable: String, value: String, expected: String) {
        self.variable = variable
        self.value = value
        self.expected = expected
    }

    public var description: String { "\(variable)=\(value) is invalid: expected \(expected)" }
}

/// Reads typed configuration values from environment variables, naming the variable in every
/// error. Shared by every module that reads its settings from the environment.
public struct EnvironmentReader: Sendable {
    public let env: [String: String]

    public init(env: [String: String]) {
        self.env = env
    }

    public func string(_ name: String) throws -> String? {
        guard let raw = env[name] else { return nil }
        let value = raw.trimmingCharacters(in: .whitespaces)
        return value.isEmpty ? nil : value
    }

    public func int(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = try string(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(variable: name, value: text, expected: "an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    public func double(_ name: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let text = try string(name) else { return nil }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw ConfigurationError(variable: name, value: text, expected: "a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    public func bool(_ name: String) throws -> Bool? {
        guard let text = try string(name)?.lowercased() else { return nil }
        switch text {
        case "1", "true", "on", "yes": return true
        case "0", "false", "off", "no": return false
        default: throw ConfigurationError(variable: name, value: text, expected: "on or off")
        }
    }
}
