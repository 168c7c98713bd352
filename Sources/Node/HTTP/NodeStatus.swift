import Sandbox

/// `/status`: this node. Never carries a task's code or payload.
public struct NodeStatus: Sendable, Codable {
    public struct Slots: Sendable, Codable {
        public var total: Int
        public var busy: Int
    }

    public struct Member: Sendable, Codable {
        public var id: String
        public var address: String
        public var state: String
        public var incarnation: Int
    }

    /// The slice of priorities this node claims first, and how much of the sampled work (the
    /// head of the queue and the recently finished, which the split follows) lies in it; nil
    /// without gossip.
    public struct PriorityRange: Sendable, Codable {
        public var min: Int
        public var max: Int
        /// False when the split gives this node no slice: it then claims from the whole range.
        public var ownsSlice: Bool
        public var backlog: Backlog?

        enum CodingKeys: String, CodingKey {
            case min, max, backlog
            case ownsSlice = "owns_slice"
        }

        /// Sampled pending tasks (the head of the queue) and tasks finished in the last minute,
        /// and how many of each are in this slice.
        public struct Backlog: Sendable, Codable {
            public var pending: Int
            public var pendingInOwnSlice: Int
            public var recentlyFinished: Int
            public var recentlyFinishedInOwnSlice: Int

            enum CodingKeys: String, CodingKey {
                case pending
                case pendingInOwnSlice = "pending_in_own_slice"
                case recentlyFinished = "recently_finished"
                case recentlyFinishedInOwnSlice = "recently_finished_in_own_slice"
            }
        }
    }

    public var nodeID: String
    public var uptimeSeconds: Double
    public var slots: Slots
    var counters: NodeMetrics.Totals
    public var running: [Int64]
    public var sandboxPool: PoolStatus
    public var members: [Member]
    public var priorityRange: PriorityRange
    /// Gossip datagrams dropped, by reason (bad MAC, replay, truncated, …); nil without gossip.
    public var gossipDrops: [String: Int]?

    enum CodingKeys: String, CodingKey {
        case nodeID = "node_id"
        case uptimeSeconds = "uptime_s"
        case slots, counters, running, members
        case sandboxPool = "sandbox_pool"
        case priorityRange = "priority_range"
        case gossipDrops = "gossip_drops"
    }
}
