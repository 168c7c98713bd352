import Sandbox
import Settings
import Testing
@testable import Node

@Suite("Node configuration")
struct NodeConfigurationTests {
    @Test("the conventional variables are read")
    func reads() throws {
        let config = try NodeConfiguration.fromEnvironment([
            "CONTINUUM_NODE_ID": "peer-1", "POLLING_INTERVAL": "0.5", "MIN_PRIORITY": "-5", "MAX_PRIORITY": "10",
            "API_PORT": "9001", "CONTINUUM_LEASE_TTL": "12", "CONTINUUM_NOTIFY": "off", "CONTINUUM_API_TOKEN": "t",
            "CONTINUUM_SLOTS": "3", "DATABASE_URL": "postgres://x@h/db", "CONTINUUM_TASK_TIMEOUT": "2.5",
        ])
        #expect(config.nodeID == "peer-1" && config.priorities == -5...10 && config.apiPort == 9001)
        #expect(config.pollingInterval == .milliseconds(500) && config.leaseTTL == .seconds(12))
        #expect(!config.notify && config.apiToken == "t" && config.sandbox.slots == 3)
        #expect(config.database.url == "postgres://x@h/db")
        #expect(config.taskTimeout == .milliseconds(2500) && config.slots == 3)
        #expect(config.sandbox.nodeID == "peer-1", "the node hands its id to the sandbox pool")
    }

    @Test("the node's own settings have the README's defaults")
    func defaults() throws {
        let config = try NodeConfiguration.fromEnvironment([:])
        #expect(config.slots == 2 && config.taskTimeout == .seconds(300) && config.apiPort == 8080)
        #expect(!config.nodeID.isEmpty && config.nodeID == config.sandbox.nodeID)
        #expect(config.gossip == nil && config.notify && config.apiToken == nil)
        #expect(try NodeConfiguration.taskTimeout(from: [:]) == .seconds(300))
        #expect(try NodeConfiguration.apiPort(from: ["API_PORT": "9002"]) == 9002)
    }

    @Test("malformed values stop the node with a message naming the variable", arguments: [
        ("POLLING_INTERVAL", "often"), ("MIN_PRIORITY", "low"), ("API_PORT", "70000"), ("CONTINUUM_LEASE_TTL", "0"),
        ("CONTINUUM_NOTIFY", "maybe"), ("CONTINUUM_SLOTS", "0"), ("DB_PORT", "x"), ("CONTAINER_MEMORY_MB", "-1"),
        ("CONTINUUM_GOSSIP_BIND", "0.0.0.0:7946"), ("CONTINUUM_SLOTS", "many"), ("CONTINUUM_SLOTS", "1025"),
        ("CONTINUUM_TASK_TIMEOUT", "0"), ("CONTINUUM_TASK_TIMEOUT", "86401"), ("CONTINUUM_TASK_TIMEOUT", "soon"),
        ("CONTINUUM_NODE_ID", String(repeating: "n", count: 65)), ("CONTINUUM_DB_ISOLATION", "snapshot"),
    ])
    func refuses(variable: String, value: String) {
        do {
            _ = try NodeConfiguration.fromEnvironment([variable: value])
            Issue.record("accepted \(variable)=\(value)")
        } catch {
            #expect("\(error)".contains(variable), "\(error)")
        }
    }

    @Test("a minimum priority above the maximum is refused")
    func invertedRange() {
        #expect(throws: ConfigurationError.self) {
            try NodeConfiguration.fromEnvironment(["MIN_PRIORITY": "5", "MAX_PRIORITY": "1"])
        }
    }
}
