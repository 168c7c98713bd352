import Foundation
import Gossip
import Sandbox
import Settings
import Store

/// Everything a peer needs, read from the environment (CONVENTIONS.md) and validated at start.
public struct NodeConfiguration: Sendable {
    /// This peer's id (`CONTINUUM_NODE_ID`), also the `worker_id` it writes; it names the sandboxes.
    public var nodeID: String { sandbox.nodeID }
    /// Sandbox slots, so tasks at once (`CONTINUUM_SLOTS`); the pool keeps that many warm.
    public var slots: Int { sandbox.slots }
    /// Default wall-clock limit of a task (`CONTINUUM_TASK_TIMEOUT`, seconds).
    public var taskTimeout = Self.defaultTaskTimeout
    /// How often to look at the queue without a wake-up (`POLLING_INTERVAL`, seconds).
    public var pollingInterval: Duration = .seconds(2)
    /// The priorities this node claims (`MIN_PRIORITY`, `MAX_PRIORITY`); lower runs first.
    public var priorities: ClosedRange<Int> = Int(Int32.min)...Int(Int32.max)
    /// Address of the HTTP API (`CONTINUUM_API_HOST`, `API_PORT`).
    public var apiHost = "127.0.0.1"
    public var apiPort = Self.defaultAPIPort
    /// Lease length (`CONTINUUM_LEASE_TTL`, seconds); renewed every third of it while a task runs.
    public var leaseTTL: Duration = .seconds(30)
    /// Use LISTEN/NOTIFY for wake-ups (`CONTINUUM_NOTIFY`); off on CockroachDB.
    public var notify = true
    /// Bearer token required by mutating HTTP endpoints (`CONTINUUM_API_TOKEN`).
    public var apiToken: String?
    /// How long SIGTERM waits for running tasks before handing them back (`CONTINUUM_DRAIN_GRACE`).
    public var drainGrace: Duration = .seconds(30)
    public var database: DatabaseConfiguration
    public var sandbox: SandboxConfiguration
    /// Gossip membership (`CONTINUUM_GOSSIP_BIND`, `_SEEDS`, `CONTINUUM_CLUSTER_KEY`); nil: off.
    public var gossip: GossipConfiguration?

    public init(database: DatabaseConfiguration, sandbox: SandboxConfiguration) {
        self.database = database
        self.sandbox = sandbox
    }

    /// Reads and validates the whole configuration; the error names the variable at fault.
    public static func fromEnvironment(_ environment: [String: String]) throws(ConfigurationError) -> NodeConfiguration {
        let reader = EnvironmentReader(environment)
        let nodeID = try reader.string(.nodeID, maxBytes: Member.maxIDBytes) ?? defaultNodeID()
        var config = NodeConfiguration(
            database: try DatabaseConfiguration.fromEnvironment(environment),
            sandbox: try SandboxConfiguration.fromEnvironment(environment, nodeID: nodeID))
        config.sandbox.slots = try reader.integer(.slots, in: 1...1024) ?? config.sandbox.slots
        config.taskTimeout = try taskTimeout(from: environment)
        config.pollingInterval = try reader.seconds(.pollingInterval, in: 0.01...3600) ?? config.pollingInterval
        let low = try reader.integer(.minPriority, in: config.priorities) ?? config.priorities.lowerBound
        let high = try reader.integer(.maxPriority, in: config.priorities) ?? config.priorities.upperBound
        guard low <= high else {
            throw ConfigurationError(variable: .minPriority, value: .text(String(low)),
                                     expected: "at most \(EnvironmentVariable.maxPriority) (\(high))")
        }
        config.priorities = low...high
        config.apiHost = try reader.string(.apiHost) ?? config.apiHost
        config.apiPort = try apiPort(from: environment)
        config.leaseTTL = try reader.seconds(.leaseTTL, in: 0.5...86_400) ?? config.leaseTTL
        config.notify = try reader.flag(.notify) ?? config.notify
        config.apiToken = try reader.secret(.apiToken)
        config.drainGrace = try reader.seconds(.drainGrace, in: 0...86_400) ?? config.drainGrace
        config.gossip = try GossipConfiguration.fromEnvironment(environment, nodeID: config.nodeID, slots: UInt32(config.slots))
        try config.sandbox.validate()
        return config
    }

    /// `CONTINUUM_TASK_TIMEOUT` as a node reads it (`continuum exec` reads it the same way).
    public static func taskTimeout(from environment: [String: String]) throws(ConfigurationError) -> Duration {
        try EnvironmentReader(environment).seconds(.taskTimeout, in: 0.1...86_400) ?? defaultTaskTimeout
    }

    /// `API_PORT` as a node reads it (`continuum status` finds the local node by it).
    public static func apiPort(from environment: [String: String]) throws(ConfigurationError) -> Int {
        try EnvironmentReader(environment).integer(.apiPort, in: 0...65535) ?? defaultAPIPort
    }

    private static let defaultTaskTimeout: Duration = .seconds(300)
    private static let defaultAPIPort = 8080

    /// The host name's first label and a random suffix, so that two peers on a host differ.
    private static func defaultNodeID() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "node"
        return "\(host)-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
    }
}

extension EnvironmentVariable {
    /// Default wall-clock limit of a task, seconds.
    public static let taskTimeout = EnvironmentVariable("CONTINUUM_TASK_TIMEOUT")
    /// Seconds between looks at the queue without a wake-up.
    public static let pollingInterval = EnvironmentVariable("POLLING_INTERVAL")
    public static let minPriority = EnvironmentVariable("MIN_PRIORITY")
    public static let maxPriority = EnvironmentVariable("MAX_PRIORITY")
    public static let apiHost = EnvironmentVariable("CONTINUUM_API_HOST")
    public static let apiPort = EnvironmentVariable("API_PORT")
    /// Lease length, seconds.
    public static let leaseTTL = EnvironmentVariable("CONTINUUM_LEASE_TTL")
    /// `on`/`off`: LISTEN/NOTIFY wake-ups.
    public static let notify = EnvironmentVariable("CONTINUUM_NOTIFY")
    /// The operator's bearer token for mutating HTTP endpoints.
    public static let apiToken = EnvironmentVariable("CONTINUUM_API_TOKEN")
    /// Seconds SIGTERM waits for running tasks before handing them back.
    public static let drainGrace = EnvironmentVariable("CONTINUUM_DRAIN_GRACE")
}
