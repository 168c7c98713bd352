import Settings

/// Why a gossip setting was refused; `setting` names the field at fault. (Read from the
/// environment, a refusal is a `ConfigurationError` naming the variable instead.)
public struct GossipConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A field of `GossipConfiguration`.
    public enum Setting: String, Sendable, Hashable {
        case nodeID, bind, seeds, clusterKey, advertisedAddress
    }

    /// The field at fault.
    public let setting: Setting
    /// What is wrong with it.
    public let reason: String

    public var description: String { "\(setting.rawValue): \(reason)" }
}

/// Everything a `GossipService` needs: where to listen, whom to join, the cluster key, the local
/// identity and the protocol timings. A value that exists has passed validation.
public struct GossipConfiguration: Sendable {
    /// The shortest cluster key accepted, in bytes.
    public static let minimumKeyBytes = 16

    /// This peer's id (`CONTINUUM_NODE_ID`), at most `Member.maxIDBytes` bytes.
    public let nodeID: String
    /// Sandbox slots: the peer's weight in the priority-range split.
    public let slots: UInt32
    /// Where the UDP socket binds, `host:port`; port 0 picks an ephemeral port.
    public let bind: String
    /// Addresses (`host:port`) of members to join through; empty starts a cluster of one.
    public let seeds: [String]
    /// The shared secret that authenticates every datagram.
    public let clusterKey: [UInt8]
    /// The address peers send to, `host:port`. `nil` advertises the bind address (with the bound
    /// port), or this machine's host name when binding to a wildcard address.
    public let advertisedAddress: String?
    /// Protocol timings (probe period 1 s by default).
    public let tuning: GossipTuning

    /// Validates and creates a configuration.
    public init(
        nodeID: String, slots: UInt32, bind: String, seeds: [String] = [], clusterKey: [UInt8],
        advertisedAddress: String? = nil, tuning: GossipTuning = GossipTuning()
    ) throws(GossipConfigurationError) {
        guard !nodeID.isEmpty, nodeID.utf8.count <= Member.maxIDBytes else {
            throw GossipConfigurationError(setting: .nodeID, reason: "must be 1 to \(Member.maxIDBytes) bytes")
        }
        guard HostPort(bind) != nil else {
            throw GossipConfigurationError(setting: .bind, reason: "'\(bind)' is not host:port")
        }
        for seed in seeds {
            guard let address = HostPort(seed), address.port != 0, !address.isWildcard,
                  seed.utf8.count <= Member.maxAddressBytes else {
                throw GossipConfigurationError(setting: .seeds, reason: "'\(seed)' is not a reachable host:port")
            }
        }
        guard clusterKey.count >= Self.minimumKeyBytes else {
            throw GossipConfigurationError(
                setting: .clusterKey, reason: "must be at least \(Self.minimumKeyBytes) bytes, got \(clusterKey.count)")
        }
        if let advertisedAddress {
            guard let address = HostPort(advertisedAddress), !address.isWildcard,
                  advertisedAddress.utf8.count <= Member.maxAddressBytes else {
                throw GossipConfigurationError(
                    setting: .advertisedAddress, reason: "'\(advertisedAddress)' is not a reachable host:port")
            }
        }
        self.nodeID = nodeID
        self.slots = slots
        self.bind = bind
        self.seeds = seeds
        self.clusterKey = clusterKey
        self.advertisedAddress = advertisedAddress
        self.tuning = tuning
    }
}
