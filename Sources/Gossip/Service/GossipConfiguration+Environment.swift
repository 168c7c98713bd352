import Settings

extension GossipConfiguration {
    /// Reads the gossip settings from the environment. Returns `nil` (gossip off) when
    /// `CONTINUUM_GOSSIP_BIND` is unset or empty; otherwise every variable is validated and the
    /// error names the one at fault. The cluster key is the UTF-8 bytes of
    /// `CONTINUUM_CLUSTER_KEY` (for example `openssl rand -hex 32`), without surrounding
    /// whitespace. `nodeID` and `slots` are the node's settings, handed in.
    public static func fromEnvironment(
        _ environment: [String: String], nodeID: String, slots: UInt32, tuning: GossipTuning = GossipTuning()
    ) throws(ConfigurationError) -> GossipConfiguration? {
        let reader = EnvironmentReader(environment)
        guard let bind = try reader.hostPort(.gossipBind) else { return nil }
        let key = try reader.required(.clusterKey, when: "\(EnvironmentVariable.gossipBind) is set") { variable throws(ConfigurationError) in
            try reader.secret(variable, minimumBytes: minimumKeyBytes)
        }
        let seeds = try reader.reachableHostPorts(.gossipSeeds)
        let advertise = try reader.reachableHostPort(.gossipAdvertise)
        do {
            return try GossipConfiguration(
                nodeID: nodeID, slots: slots, bind: bind.description, seeds: seeds.map(\.description),
                clusterKey: Array(key.utf8), advertisedAddress: advertise?.description, tuning: tuning)
        } catch {
            // What the reads above let through and the configuration still refuses: a node id or
            // an address longer than the wire allows.
            let variable = error.setting.variable
            let value: ConfigurationError.Value = switch error.setting {
            case .nodeID: .text(nodeID)
            case .clusterKey: .secret(bytes: key.utf8.count)
            case .bind, .seeds, .advertisedAddress: .text(environment[variable.name] ?? "")
            }
            throw ConfigurationError(variable: variable, value: value, expected: "a value gossip accepts (\(error.reason))")
        }
    }
}

extension GossipConfigurationError.Setting {
    /// The environment variable this setting comes from.
    var variable: EnvironmentVariable {
        switch self {
        case .nodeID: .nodeID
        case .bind: .gossipBind
        case .seeds: .gossipSeeds
        case .clusterKey: .clusterKey
        case .advertisedAddress: .gossipAdvertise
        }
    }
}

extension EnvironmentVariable {
    /// This peer's id, also its gossip member id and the `worker_id` it writes. The node reads it
    /// and hands it down; gossip names it when the id is too long for the wire.
    public static let nodeID = EnvironmentVariable("CONTINUUM_NODE_ID")
    /// `host:port` to bind; unset turns gossip off.
    public static let gossipBind = EnvironmentVariable("CONTINUUM_GOSSIP_BIND")
    /// Comma-separated `host:port` seeds.
    public static let gossipSeeds = EnvironmentVariable("CONTINUUM_GOSSIP_SEEDS")
    /// `host:port` peers send to, when it differs from the bind address.
    public static let gossipAdvertise = EnvironmentVariable("CONTINUUM_GOSSIP_ADVERTISE")
    /// The cluster key: its UTF-8 bytes, at least `GossipConfiguration.minimumKeyBytes` of them.
    public static let clusterKey = EnvironmentVariable("CONTINUUM_CLUSTER_KEY")
}
