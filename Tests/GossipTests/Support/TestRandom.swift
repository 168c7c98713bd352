@testable import Gossip

/// The simulator's seeded source of loss, delay and seeds: the same SplitMix64 generator the
/// state machine uses.
typealias TestRandom = GossipRandom
