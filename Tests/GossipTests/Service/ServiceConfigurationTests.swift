import Gossip
import Testing

@Suite("Gossip configuration from the environment")
struct ServiceConfigurationTests {
    private let key = "0123456789abcdef0123456789abcdef"

    @Test("gossip is off without CONTINUUM_GOSSIP_BIND")
    func off() throws {
        #expect(try GossipConfiguration.fromEnvironment([:], nodeID: "n", slots: 1) == nil)
        #expect(try GossipService.fromEnvironment(["CONTINUUM_CLUSTER_KEY": key], nodeID: "n", slots: 1) == nil)
    }

    @Test("bind, seeds, advertised address and key are read")
    func reads() throws {
        let config = try #require(try GossipConfiguration.fromEnvironment([
            "CONTINUUM_GOSSIP_BIND": "0.0.0.0:7946", "CONTINUUM_GOSSIP_SEEDS": "peer-1:7946, [::1]:7000,",
            "CONTINUUM_GOSSIP_ADVERTISE": "10.0.0.5:7946", "CONTINUUM_CLUSTER_KEY": key,
        ], nodeID: "n", slots: 4))
        #expect(config.bind == "0.0.0.0:7946" && config.seeds == ["peer-1:7946", "[::1]:7000"])
        #expect(config.advertisedAddress == "10.0.0.5:7946" && config.clusterKey == Array(key.utf8) && config.slots == 4)
        #expect(config.tuning.probeInterval == .seconds(1))
    }

    @Test("a missing or malformed setting is refused with the variable's name", arguments: [
        (["CONTINUUM_GOSSIP_BIND": "0.0.0.0:7946"], "CONTINUUM_CLUSTER_KEY"),
        (["CONTINUUM_GOSSIP_BIND": "0.0.0.0:7946", "CONTINUUM_CLUSTER_KEY": "short"], "CONTINUUM_CLUSTER_KEY"),
        (["CONTINUUM_GOSSIP_BIND": "0.0.0.0:7946", "CONTINUUM_CLUSTER_KEY": " 0123456789abcdef0123"], "CONTINUUM_CLUSTER_KEY"),
        (["CONTINUUM_GOSSIP_BIND": "0.0.0.0", "CONTINUUM_CLUSTER_KEY": "0123456789abcdef"], "CONTINUUM_GOSSIP_BIND"),
        (["CONTINUUM_GOSSIP_BIND": "h:70000", "CONTINUUM_CLUSTER_KEY": "0123456789abcdef"], "CONTINUUM_GOSSIP_BIND"),
        (["CONTINUUM_GOSSIP_BIND": "h:1", "CONTINUUM_GOSSIP_SEEDS": "a:1,b", "CONTINUUM_CLUSTER_KEY": "0123456789abcdef"],
         "CONTINUUM_GOSSIP_SEEDS"),
        (["CONTINUUM_GOSSIP_BIND": "h:1", "CONTINUUM_GOSSIP_SEEDS": "h:0", "CONTINUUM_CLUSTER_KEY": "0123456789abcdef"],
         "CONTINUUM_GOSSIP_SEEDS"),
        (["CONTINUUM_GOSSIP_BIND": "h:1", "CONTINUUM_GOSSIP_ADVERTISE": "0.0.0.0:1", "CONTINUUM_CLUSTER_KEY": "0123456789abcdef"],
         "CONTINUUM_GOSSIP_ADVERTISE"),
    ])
    func refuses(env: [String: String], variable: String) {
        do {
            _ = try GossipConfiguration.fromEnvironment(env, nodeID: "n", slots: 1)
            Issue.record("accepted \(env)")
        } catch {
            #expect(error.variable.name == variable, "\(error)")
            #expect("\(error)".hasPrefix(variable), "\(error)")
        }
    }

    @Test("a service binds an ephemeral port and advertises it; a second start is refused")
    func binds() async throws {
        let service = GossipService(configuration: try GossipConfiguration(
            nodeID: "solo", slots: 1, bind: "127.0.0.1:0", clusterKey: LiveCluster.key))
        try await service.start()
        let address = try #require(service.localMember?.address)
        #expect(address.hasPrefix("127.0.0.1:") && !address.hasSuffix(":0"))
        await #expect(throws: GossipServiceError.alreadyStarted) { try await service.start() }
        await service.stop()
        #expect(service.membership.alive.map(\.id) == ["solo"])
    }

    @Test("a host name to bind is looked up, and the service advertises it with the bound port")
    func bindsAHostName() async throws {
        let service = GossipService(configuration: try GossipConfiguration(
            nodeID: "solo", slots: 1, bind: "localhost:0", clusterKey: LiveCluster.key))
        try await service.start()
        let address = try #require(service.localMember?.address)
        #expect(address.hasPrefix("localhost:") && !address.hasSuffix(":0"), "\(address)")
        await service.stop()
    }

    @Test("binding to an address that is not local fails with a typed error")
    func bindFailure() async throws {
        let service = GossipService(configuration: try GossipConfiguration(
            nodeID: "solo", slots: 1, bind: "192.0.2.1:7946", clusterKey: LiveCluster.key))
        await #expect {
            try await service.start()
        } throws: { error in
            guard case GossipServiceError.bindFailed(let address, _) = error else { return false }
            return address == "192.0.2.1:7946"
        }
    }

    @Test("a bind host name that does not resolve fails with a message naming it and the setting", .timeLimit(.minutes(1)))
    func bindNameDoesNotResolve() async throws {
        let service = GossipService(configuration: try GossipConfiguration(
            nodeID: "solo", slots: 1, bind: "no-such-host.invalid:1", clusterKey: LiveCluster.key))
        await #expect {
            try await service.start()
        } throws: { error in
            guard case GossipServiceError.bindFailed(let address, let reason) = error else { return false }
            return address == "no-such-host.invalid:1" && reason.contains("cannot resolve the host name no-such-host.invalid")
                && "\(error)".contains("CONTINUUM_GOSSIP_BIND")
        }
        #expect(service.membership.members.isEmpty)
    }
}
