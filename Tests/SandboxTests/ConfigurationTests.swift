import Settings
import Testing
@testable import Sandbox

@Suite struct ConfigurationTests {
    @Test func defaults() throws {
        let c = try SandboxConfiguration.fromEnvironment([:], nodeID: "n1")
        #expect(c.nodeID == "n1")
        #expect(c.runtime == "runc")
        #expect(c.memoryMB == 512)
        #expect(c.cpuLimit == 1)
        #expect(c.outputCapBytes == 1 << 20)
        #expect(c.stateRoot == "/run/continuum/runc")
        #expect(c.image == nil)
        #expect(!c.strict)
    }

    @Test func readsEveryVariable() throws {
        // CONTINUUM_NODE_ID, CONTINUUM_SLOTS and CONTINUUM_TASK_TIMEOUT are the node's (NodeConfigurationTests).
        let c = try SandboxConfiguration.fromEnvironment([
            "CONTINUUM_SANDBOX_RUNTIME": "/usr/bin/crun", "CONTAINER_MEMORY_MB": "256",
            "CONTAINER_CPU_LIMIT": "0.5", "CONTAINER_IDLE_TIMEOUT": "30",
            "CONTINUUM_SANDBOX_STRICT": "on", "CONTINUUM_SANDBOX_MAX_TASKS": "7",
            "CONTAINER_IMAGE": "/", "CONTINUUM_SANDBOX_ROOT": "/var/run/x", "CONTINUUM_SANDBOX_UID": "50000",
            "CONTINUUM_SANDBOX_UID_PAIRS": "16",
        ], nodeID: "n2")
        #expect(c.nodeID == "n2" && c.slots == 2)
        #expect(c.uidBase == 50000 && c.uidPairs == 16)
        #expect(c.runtime == "/usr/bin/crun")
        #expect(c.stateRoot == "/var/run/x/crun")
        #expect(c.memoryMB == 256)
        #expect(c.cpuLimit == 0.5)
        #expect(c.idleTimeout == .seconds(30))
        #expect(c.strict)
        #expect(c.maxTasksPerSandbox == 7)
        #expect(c.image == "/")
    }

    @Test(arguments: [
        ("CONTAINER_MEMORY_MB", "lots"), ("CONTAINER_MEMORY_MB", "4"), ("CONTAINER_CPU_LIMIT", "-1"),
        ("CONTAINER_CPU_LIMIT", "nan"), ("CONTAINER_IDLE_TIMEOUT", "soon"),
        ("CONTINUUM_SANDBOX_STRICT", "maybe"), ("CONTAINER_IMAGE", "relative/path"),
        ("CONTAINER_IMAGE", "/no/such/folder"), ("CONTINUUM_SANDBOX_ROOT", "run"), ("CONTINUUM_SANDBOX_UID", "0"),
        ("CONTINUUM_SANDBOX_UID_PAIRS", "none"),
    ])
    func namesTheBadVariable(name: String, value: String) {
        #expect {
            _ = try SandboxConfiguration.fromEnvironment([name: value], nodeID: "n")
        } throws: { error in
            guard let e = error as? ConfigurationError else { return false }
            return e.variable.name == name && e.description.hasPrefix(name)
        }
    }

    @Test func containerPrefixHasNoDash() {
        let c = SandboxConfiguration(nodeID: "host-1.example/a b")
        #expect(c.containerPrefix.hasPrefix("host_1.example_a_b_"))
        #expect(c.containerPrefix.count == "host_1.example_a_b_".count + 8)
        #expect(!c.containerPrefix.contains("-"))
    }

    @Test func idsDifferingOnlyInReplacedCharactersGetDifferentPrefixes() {
        let dashed = SandboxConfiguration(nodeID: "node-1").containerPrefix
        let underscored = SandboxConfiguration(nodeID: "node_1").containerPrefix
        #expect(underscored == "node_1")
        #expect(dashed != underscored)
        #expect(dashed != SandboxConfiguration(nodeID: "node.1").containerPrefix)
        #expect(dashed == SandboxConfiguration(nodeID: "node-1").containerPrefix)
        #expect(dashed.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ".") })
    }

    @Test func validateRejectsSystemUidsAndEmptyPairRanges() {
        var c = SandboxConfiguration(nodeID: "n")
        c.uidBase = 0
        #expect(throws: ConfigurationError.self) { try c.validate() }
        c.uidBase = 10000
        c.uidPairs = 0
        #expect(throws: ConfigurationError.self) { try c.validate() }
    }

    @Test func missingRuntimeHasAnActionableMessage() async {
        var c = SandboxConfiguration(nodeID: "n", runtime: "no-such-runtime-xyz")
        c.slots = 1
        await #expect {
            _ = try await OCIBackend(configuration: c, logger: .init(label: "t"))
        } throws: { error in
            "\(error)".contains("no-such-runtime-xyz not found") && "\(error)".contains("CONTINUUM_SANDBOX_RUNTIME")
        }
    }
}
