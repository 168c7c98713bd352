/// Splits the cluster's priority range into contiguous slices among members, weighted by their
/// slots, as a pure function of the membership view and the backlog: peers with equal views
/// compute equal splits. With a backlog the cuts follow the pending work (each member's slice
/// holds about its weighted share of it); without one they cut the range itself evenly.
public struct PriorityRanges: Sendable, Hashable {
    /// One member's share of the range; `range` is `nil` when the share is empty (more members
    /// than priorities).
    public struct Slice: Sendable, Hashable {
        /// The member's id.
        public let memberID: String
        /// The member's priorities, or `nil` when it owns none.
        public let range: ClosedRange<Int32>?
    }

    /// One slice per member, sorted by member id (`String` order); together the non-empty
    /// slices cover the range exactly, in ascending order.
    public let slices: [Slice]

    /// Splits `range` among `members` (id and slot count; duplicate ids count once, with the
    /// largest slot count). Members weigh their slots; when every member has zero slots they
    /// weigh equally. With tasks in `backlog` (inside `range`) the cuts fall between its
    /// priorities so that each member's slice holds about its share of the tasks, and, when
    /// there are at least as many distinct priorities as members, every member's slice holds
    /// some; with none they cut `range` itself.
    public init(range: ClosedRange<Int32>, members: [(id: String, slots: UInt32)], backlog: Backlog = Backlog()) {
        var slotsByID: [String: UInt32] = [:]
        for member in members { slotsByID[member.id] = max(slotsByID[member.id] ?? 0, member.slots) }
        let ids = slotsByID.keys.sorted(by: String.idOrder)
        guard !ids.isEmpty else {
            slices = []
            return
        }
        let allZero = slotsByID.values.allSatisfy { $0 == 0 }
        let weights = ids.map { allZero ? UInt64(1) : UInt64(slotsByID[$0]!) }
        let buckets = backlog.buckets.filter { range.contains($0.priority) }
        if buckets.isEmpty {
            slices = Self.evenSlices(of: range, ids: ids, weights: weights)
        } else {
            slices = Self.backlogSlices(of: range, ids: ids, weights: weights, buckets: buckets)
        }
    }

    /// Slices of `range` itself in proportion to `weights`.
    private static func evenSlices(of range: ClosedRange<Int32>, ids: [String], weights: [UInt64]) -> [Slice] {
        let total = weights.reduce(0, +)
        let size = UInt64(Int64(range.upperBound) - Int64(range.lowerBound) + 1)
        var cumulative: UInt64 = 0
        var start = UInt64(0)
        var result: [Slice] = []
        for (id, weight) in zip(ids, weights) {
            cumulative += weight
            let end = Self.share(of: size, numerator: cumulative, denominator: total)
            let slice: ClosedRange<Int32>? = end > start
                ? Int32(Int64(range.lowerBound) + Int64(start))...Int32(Int64(range.lowerBound) + Int64(end) - 1)
                : nil
            result.append(Slice(memberID: id, range: slice))
            start = end
        }
        return result
    }

    /// Slices cut between the priorities of `buckets` (ascending, non-empty, inside `range`)
    /// among the members of non-zero weight: the i-th cut falls where the running count of tasks
    /// comes nearest the first i members' share, keeping at least one priority for each member
    /// when there are enough. The first owned slice starts at the range's bottom, the last ends
    /// at its top, and each other one starts right after the previous one ends, so the slices
    /// cover `range` exactly.
    private static func backlogSlices(
        of range: ClosedRange<Int32>, ids: [String], weights: [UInt64], buckets: [Backlog.Bucket]
    ) -> [Slice] {
        let owners = ids.indices.filter { weights[$0] > 0 }
        let distinct = buckets.count
        var runningCount = [0]
        for bucket in buckets { runningCount.append(runningCount.last! + bucket.count) }
        let tasks = Double(runningCount.last!)
        let totalWeight = Double(owners.reduce(0) { $0 + weights[$1] })
        let enough = distinct >= owners.count
        // cuts[n]: how many of the buckets the first n owners hold together.
        var cuts = [0]
        var cumulativeWeight = 0.0
        for n in 1..<owners.count {
            cumulativeWeight += Double(weights[owners[n - 1]])
            let target = tasks * cumulativeWeight / totalWeight
            let lowest = cuts.last! + (enough ? 1 : 0)
            let highest = enough ? distinct - (owners.count - n) : distinct
            cuts.append((lowest...highest).min {
                abs(Double(runningCount[$0]) - target) < abs(Double(runningCount[$1]) - target)
            }!)
        }
        cuts.append(distinct)
        let lastHolder = (1...owners.count).last { cuts[$0] > cuts[$0 - 1] }!
        var ranges = [ClosedRange<Int32>?](repeating: nil, count: ids.count)
        var nextLower = range.lowerBound
        for n in 1...owners.count where cuts[n] > cuts[n - 1] {
            let upper = n == lastHolder ? range.upperBound : buckets[cuts[n] - 1].priority
            ranges[owners[n - 1]] = nextLower...upper
            nextLower = upper &+ 1
        }
        return zip(ids, ranges).map { Slice(memberID: $0, range: $1) }
    }

    /// Splits `range` among the active (alive or suspect) members of `membership`, following
    /// `backlog`.
    public init(range: ClosedRange<Int32>, membership: Membership, backlog: Backlog = Backlog()) {
        self.init(range: range, members: membership.active.map { ($0.id, $0.slots) }, backlog: backlog)
    }

    /// The slice of `memberID`, or `nil` when it owns none or is not in the split.
    public func range(of memberID: String) -> ClosedRange<Int32>? {
        slices.first { $0.memberID == memberID }?.range
    }

    /// The member whose slice contains `priority`, or `nil` outside the range or with no members.
    public func owner(of priority: Int32) -> String? {
        let owned = slices.filter { $0.range != nil }
        var low = 0
        var high = owned.count - 1
        while low <= high {
            let middle = (low + high) / 2
            let range = owned[middle].range!
            if priority < range.lowerBound {
                high = middle - 1
            } else if priority > range.upperBound {
                low = middle + 1
            } else {
                return owned[middle].memberID
            }
        }
        return nil
    }

    /// `floor(size · numerator / denominator)` without overflow (`numerator <= denominator`).
    private static func share(of size: UInt64, numerator: UInt64, denominator: UInt64) -> UInt64 {
        let product = size.multipliedFullWidth(by: numerator)
        return denominator.dividingFullWidth(product).quotient
    }
}

/// A sample of the pending tasks: how many wait at each priority. Equal samples give equal
/// splits, whatever order they were gathered in.
public struct Backlog: Sendable, Hashable {
    /// The tasks waiting at one priority.
    public struct Bucket: Sendable, Hashable {
        public let priority: Int32
        public let count: Int
    }

    /// Ascending by priority, one per priority, none empty.
    public let buckets: [Bucket]

    /// The sample from `(priority, count)` pairs: repeated priorities add up, and counts of
    /// zero or less are left out.
    public init(_ counts: [(priority: Int32, count: Int)] = []) {
        var byPriority: [Int32: Int] = [:]
        for entry in counts where entry.count > 0 { byPriority[entry.priority, default: 0] += entry.count }
        buckets = byPriority.keys.sorted().map { Bucket(priority: $0, count: byPriority[$0]!) }
    }

    /// The number of sampled tasks.
    public var total: Int { buckets.reduce(0) { $0 + $1.count } }

    /// The number of sampled tasks whose priority lies in `range`.
    public func count(in range: ClosedRange<Int32>) -> Int {
        buckets.reduce(0) { range.contains($1.priority) ? $0 + $1.count : $0 }
    }
}
