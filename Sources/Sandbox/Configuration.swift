import Foundation
import Settings

/// How sandboxes are built and pooled. `fromEnvironment(_:nodeID:)` reads it the way a node does;
/// the node id and the slots are the node's settings, which the node hands in.
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
    /// Sandboxes kept warm, so tasks that can run at once (the node's `CONTINUUM_SLOTS`).
    public var slots: Int
    /// A warm sandbox unused for this long is removed (a busy one never is).
    public var idleTimeout: Duration
    /// Where the runtime keeps its state (`--root`); one folder a runtime.
    public var stateRoot: String
    /// Where bundles, locks and the composed root live.
    public var workRoot: String
    /// This node's id (the node's `CONTINUUM_NODE_ID`); it names the node's containers so that
    /// leftovers can be found.
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
        self.workRoot = "/run/continuum"
        self.stateRoot = "/run/continuum/\((runtime as NSString).lastPathComponent)"
        self.nodeID = nodeID
        self.uidBase = 10000
        self.uidPairs = 512
    }

    /// Reads `CONTAINER_*` and `CONTINUUM_SANDBOX_*` (`_UID`, `_UID_PAIRS` among them) and the
    /// output limits. Throws a `ConfigurationError` naming the first malformed variable.
    public static func fromEnvironment(
        _ environment: [String: String], nodeID: String
    ) throws(ConfigurationError) -> SandboxConfiguration {
        let reader = EnvironmentReader(environment)
        var config = SandboxConfiguration(nodeID: nodeID, runtime: try reader.string(.sandboxRuntime) ?? "runc")
        config.image = try reader.absolutePath(.containerImage)
        if let image = config.image {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: image, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ConfigurationError(variable: .containerImage, value: .text(image),
                                         expected: "the absolute path of a root filesystem folder")
            }
        }
        config.memoryMB = try reader.integer(.containerMemoryMB, in: 32...1_048_576) ?? config.memoryMB
        config.cpuLimit = try reader.number(.containerCPULimit, in: 0.01...1024) ?? config.cpuLimit
        config.pidsLimit = try reader.integer(.sandboxPids, in: 8...65536) ?? config.pidsLimit
        config.scratchMB = try reader.integer(.sandboxScratchMB, in: 1...1_048_576) ?? config.scratchMB
        config.outputCapBytes = try reader.integer(.outputCapBytes, in: 1024...(1 << 30)) ?? config.outputCapBytes
        config.outputLimitBytes = try reader.integer(.outputLimitBytes, in: 0...(1 << 40)) ?? config.outputLimitBytes
        config.maxTasksPerSandbox = try reader.integer(.sandboxMaxTasks, in: 1...1_000_000) ?? config.maxTasksPerSandbox
        config.strict = try reader.flag(.sandboxStrict) ?? config.strict
        config.uidBase = try reader.integer(.sandboxUID, in: 1000...1_000_000_000).map(UInt32.init) ?? config.uidBase
        config.uidPairs = try reader.integer(.sandboxUIDPairs, in: 1...1_000_000) ?? config.uidPairs
        config.idleTimeout = try reader.seconds(.containerIdleTimeout, in: 0.1...31_536_000) ?? config.idleTimeout
        if let root = try reader.absolutePath(.sandboxRoot) {
            config.workRoot = root
            config.stateRoot = root + "/" + (config.runtime as NSString).lastPathComponent
        }
        return config
    }

    /// Checks values that `init` and direct assignment could have left out of range.
    public func validate() throws(ConfigurationError) {
        func check(_ ok: Bool, _ variable: EnvironmentVariable, _ value: some CustomStringConvertible, _ expected: String)
            throws(ConfigurationError) {
            if !ok { throw ConfigurationError(variable: variable, value: .text(value.description), expected: expected) }
        }
        try check(memoryMB >= 32, .containerMemoryMB, memoryMB, "at least 32")
        try check(cpuLimit > 0, .containerCPULimit, cpuLimit, "a positive number of cores")
        try check(pidsLimit >= 8, .sandboxPids, pidsLimit, "at least 8")
        try check(scratchMB >= 1, .sandboxScratchMB, scratchMB, "at least 1")
        try check(slots >= 1, .slots, slots, "at least 1")
        try check(maxTasksPerSandbox >= 1, .sandboxMaxTasks, maxTasksPerSandbox, "at least 1")
        try check(uidBase >= 1000 && UInt64(uidBase) + 2 * UInt64(uidPairs) < UInt64(Int32.max), .sandboxUID,
                  uidBase, "a uid of at least 1000 with room for \(EnvironmentVariable.sandboxUIDPairs) pairs above it")
        try check(uidPairs >= 1, .sandboxUIDPairs, uidPairs, "at least 1")
        try check(!runtime.isEmpty, .sandboxRuntime, runtime, "a runtime name or path")
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
}

extension EnvironmentVariable {
    /// Sandboxes kept warm, so tasks at once on this peer. The node reads it and hands it to the pool.
    public static let slots = EnvironmentVariable("CONTINUUM_SLOTS")
    /// The OCI runtime: a name looked up in `PATH` (`runc`, `crun`, `runsc`) or a path.
    public static let sandboxRuntime = EnvironmentVariable("CONTINUUM_SANDBOX_RUNTIME")
    /// A root filesystem folder instead of the composition of the host's `/usr`.
    public static let containerImage = EnvironmentVariable("CONTAINER_IMAGE")
    public static let containerMemoryMB = EnvironmentVariable("CONTAINER_MEMORY_MB")
    public static let containerCPULimit = EnvironmentVariable("CONTAINER_CPU_LIMIT")
    /// Seconds a warm sandbox may stay unused before it is removed.
    public static let containerIdleTimeout = EnvironmentVariable("CONTAINER_IDLE_TIMEOUT")
    public static let sandboxPids = EnvironmentVariable("CONTINUUM_SANDBOX_PIDS")
    public static let sandboxScratchMB = EnvironmentVariable("CONTINUUM_SANDBOX_SCRATCH_MB")
    public static let sandboxMaxTasks = EnvironmentVariable("CONTINUUM_SANDBOX_MAX_TASKS")
    public static let sandboxStrict = EnvironmentVariable("CONTINUUM_SANDBOX_STRICT")
    public static let sandboxUID = EnvironmentVariable("CONTINUUM_SANDBOX_UID")
    public static let sandboxUIDPairs = EnvironmentVariable("CONTINUUM_SANDBOX_UID_PAIRS")
    /// Where bundles, locks and the composed root live.
    public static let sandboxRoot = EnvironmentVariable("CONTINUUM_SANDBOX_ROOT")
    public static let outputCapBytes = EnvironmentVariable("CONTINUUM_OUTPUT_CAP_BYTES")
    public static let outputLimitBytes = EnvironmentVariable("CONTINUUM_OUTPUT_LIMIT_BYTES")
}
