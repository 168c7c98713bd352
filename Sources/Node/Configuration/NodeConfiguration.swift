import Foundation
import Gossip
import Sandbox
import Store

/// Everything a peer needs, read from the environment (CONVENTIONS.md) and validated at start.
public struct NodeConfiguration: Sendable {
    /// This peer's id (`CONTINUUM_NODE_ID`), also the `worker_id` it writes.
    public var nodeID: String { sandbox.nodeID }
    /// How often to look at the queue without a wake-up (`POLLING_INTERVAL`, seconds).
    public var pollingInterval: Duration = .seconds(2)
    /// The priorities this node claims (`MIN_PRIORITY`, `MAX_PRIORITY`); lower runs first.
    public var priorities: ClosedRange<Int> = Int(Int32.min)...Int(Int32.max)
    /// Address of the HTTP API (`CONTINUUM_API_HOST`, `API_PORT`).
    public var apiHost = "127.0.0.1"
    public var apiPort = 8080
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
    public static func fromEnvironment(_ env: [String: String]) throws -> NodeConfiguration {
        let reader = EnvironmentReader(env: env)
        var config = NodeConfiguration(
            database: try DatabaseConfiguration.fromEnvironment(env),
            sandbox: try SandboxConfiguration.fromEnvironment(env))
        if let seconds = try reader.double("POLLING_INTERVAL", in: 0.01...3600) { config.pollingInterval = .seconds(seconds) }
        let low = try reader.int("MIN_PRIORITY", in: Int(Int32.min)...Int(Int32.max)) ?? config.priorities.lowerBound
        let high = try reader.int("MAX_PRIORITY", in: Int(Int32.min)...Int(Int32.max)) ?? config.priorities.upperBound
        guard low <= high else {
            throw ConfigurationError(variable: "MIN_PRIORITY", value: String(low), expected: "at most MAX_PRIORITY (\(high))")
        }
        config.priorities = low...high
        config.apiHost = try reader.string("CONTINUUM_API_HOST") ?? config.apiHost
        config.apiPort = try reader.int("API_PORT", in: 0...65535) ?? config.apiPort
        if let seconds = try reader.double("CONTINUUM_LEASE_TTL", in: 0.5...86_400) { config.leaseTTL = .seconds(seconds) }
        config.notify = try reader.bool("CONTINUUM_NOTIFY") ?? config.notify
        config.apiToken = try reader.string("CONTINUUM_API_TOKEN")
        if let seconds = try reader.double("CONTINUUM_DRAIN_GRACE", in: 0...86_400) { config.drainGrace = .seconds(seconds) }
        config.gossip = try GossipConfiguration.fromEnvironment(env, nodeID: config.nodeID, slots: UInt32(config.sandbox.slots))
        guard config.sandbox.taskTimeout < .seconds(86_400) else {
            throw ConfigurationError(variable: "CONTINUUM_TASK_TIMEOUT", value: "\(config.sandbox.taskTimeout)", expected: "less than a day")
        }
        try config.sandbox.validate()
        return config
    }
}
