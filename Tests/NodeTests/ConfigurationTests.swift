import Sandbox
import Testing
@testable import Node

@Suite("Node configuration")
struct NodeConfigurationTests {
    @Test("the conventional variables are read")
    func reads() throws {
        let config = try NodeConfiguration.fromEnvironment([
            "CONTINUUM_NODE_ID": "peer-1", "POLLING_INTERVAL": "0.5", "MIN_PRIORITY": "-5", "MAX_PRIORITY": "10",
            "API_PORT": "9001", "CONTINUUM_LEASE_TTL": "12", "CONTINUUM_NOTIFY": "off", "CONTINUUM_API_TOKEN": "t",
            "CONTINUUM_SLOTS": "3", "DATABASE_URL": "postgres://x@h/db",
        ])
        #expect(config.nodeID == "peer-1" && config.priorities == -5...10 && config.apiPort == 9001)
        #expect(config.pollingInterval == .milliseconds(500) && config.leaseTTL == .seconds(12))
        #expect(!config.notify && config.apiToken == "t" && config.sandbox.slots == 3)
        #expect(config.database.url == "postgres://x@h/db")
    }

    @Test("malformed values stop the node with a message naming the variable", arguments: [
        ("POLLING_INTERVAL", "often"), ("MIN_PRIORITY", "low"), ("API_PORT", "70000"), ("CONTINUUM_LEASE_TTL", "0"),
        ("CONTINUUM_NOTIFY", "maybe"), ("CONTINUUM_SLOTS", "0"), ("DB_PORT", "x"), ("CONTAINER_MEMORY_MB", "-1"),
        ("CONTINUUM_GOSSIP_BIND", "0.0.0.0:7946"),
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
