extension GossipConfiguration {
    /// The variables read by `fromEnvironment`.
    public enum Variable {
        /// `host:port` to bind; unset turns gossip off.
        public static let bind = "CONTINUUM_GOSSIP_BIND"
        /// Comma-separated `host:port` seeds.
        public static let seeds = "CONTINUUM_GOSSIP_SEEDS"
        /// `host:port` peers send to, when it differs from the bind address.
        public static let advertise = "CONTINUUM_GOSSIP_ADVERTISE"
        /// The cluster key: its UTF-8 bytes, at least `minimumKeyBytes` of them.
        public static let clusterKey = "CONTINUUM_CLUSTER_KEY"
    }

    /// Reads the gossip settings from the environment. Returns `nil` (gossip off) when
    /// `CONTINUUM_GOSSIP_BIND` is unset or empty; otherwise every variable is validated and the
    /// error names the one at fault. The cluster key is the UTF-8 bytes of
    /// `CONTINUUM_CLUSTER_KEY` (for example `openssl rand -hex 32`), without surrounding
    /// whitespace.
    public static func fromEnvironment(
        _ env: [String: String], nodeID: String, slots: UInt32, tuning: GossipTuning = GossipTuning()
    ) throws(GossipConfigurationError) -> GossipConfiguration? {
        guard let bind = env[Variable.bind], !bind.isEmpty else { return nil }
        guard let key = env[Variable.clusterKey], !key.isEmpty else {
            throw GossipConfigurationError(setting: Variable.clusterKey, reason: "required when \(Variable.bind) is set")
        }
        guard key.trimmingWhitespace == key[...] else {
            throw GossipConfigurationError(setting: Variable.clusterKey, reason: "has leading or trailing whitespace")
        }
        let seeds = (env[Variable.seeds] ?? "").split(separator: ",").map { String($0.trimmingWhitespace) }.filter { !$0.isEmpty }
        let advertise = env[Variable.advertise].flatMap { $0.isEmpty ? nil : $0 }
        do {
            return try GossipConfiguration(
                nodeID: nodeID, slots: slots, bind: bind, seeds: seeds, clusterKey: Array(key.utf8),
                advertisedAddress: advertise, tuning: tuning)
        } catch {
            let variables = ["bind": Variable.bind, "seeds": Variable.seeds, "clusterKey": Variable.clusterKey,
                             "advertisedAddress": Variable.advertise]
            throw GossipConfigurationError(setting: variables[error.setting] ?? error.setting, reason: error.reason)
        }
    }
}

extension StringProtocol {
    fileprivate var trimmingWhitespace: SubSequence {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map(index(after:)) ?? start
        return self[start..<end]
    }
}
