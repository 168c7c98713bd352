/// Splits the cluster's priority range into contiguous slices among members, weighted by their
/// slots, as a pure function of the membership view: peers with equal views compute equal splits.
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
    /// weigh equally.
    public init(range: ClosedRange<Int32>, members: [(id: String, slots: UInt32)]) {
        var slotsByID: [String: UInt32] = [:]
        for member in members { slotsByID[member.id] = max(slotsByID[member.id] ?? 0, member.slots) }
        let ids = slotsByID.keys.sorted(by: String.idOrder)
        guard !ids.isEmpty else {
            slices = []
            return
        }
        let allZero = slotsByID.values.allSatisfy { $0 == 0 }
        let weights = ids.map { allZero ? UInt64(1) : UInt64(slotsByID[$0]!) }
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
        slices = result
    }

    /// Splits `range` among the active (alive or suspect) members of `membership`.
    public init(range: ClosedRange<Int32>, membership: Membership) {
        self.init(range: range, members: membership.active.map { ($0.id, $0.slots) })
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
