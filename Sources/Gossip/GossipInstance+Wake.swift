extension GossipInstance {
    /// Sends a wake hint for `priority` to member `memberID`, piggybacking updates like any other
    /// message. Returns nothing when the member is unknown, the local one, not alive or suspect,
    /// or when the local member has left.
    public mutating func wake(memberID: String, priority: Int64) -> [GossipOutput] {
        guard !hasLeft, memberID != localID, let member = records[memberID]?.member, member.state.isActive else {
            return []
        }
        send(.wake(priority: priority), to: member.address, aboutMember: memberID)
        return takeOutputs()
    }
}
