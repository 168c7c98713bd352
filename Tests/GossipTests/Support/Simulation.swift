@testable import Gossip

/// A deterministic cluster: N state machines on a virtual clock, joined by a simulated network
/// with per-link loss, random delay and partitions. Messages travel as values; every one is
/// sized with `WireCodec` (sealing overhead included) and one in 64 is round-tripped through it.
final class Simulation {
    struct Settings {
        var members = 10
        var seed: UInt64 = 1
        var loss = 0.0
        var minimumDelay: Duration = .milliseconds(1)
        var maximumDelay: Duration = .milliseconds(10)
        var configuration = GossipTuning()
    }

    /// A state change one peer observed.
    struct Observation {
        let time: Int64
        let observer: Int
        let member: String
        let state: MemberState
        /// Whether the member was running when the observation was made.
        let memberRunning: Bool
    }

    private enum Event {
        case deliver(to: Int, message: GossipMessage)
        case wake(Int)
    }

    private struct Node {
        var instance: GossipInstance
        let address: String
        var running = true
        var scheduledWake = Int64.max
    }

    private(set) var settings: Settings
    private(set) var now: Int64 = 0
    private(set) var observations: [Observation] = []
    /// Bytes each node sent, sealing overhead included.
    private(set) var bytesSent: [Int]
    private(set) var oversizedDatagrams = 0
    /// Sampled messages (one in 64) whose encoding did not round-trip or had another size.
    private(set) var codecMismatches = 0
    private var transmitted = 0
    private var nodes: [Node] = []
    private var indexByAddress: [String: Int] = [:]
    private var indexByID: [String: Int] = [:]
    private var events = EventQueue<Event>()
    private var random: TestRandom
    /// Partition group of each node; links between different groups drop everything.
    private var group: [Int]
    /// Per-link loss overriding `settings.loss`, keyed by `from * count + to`.
    var linkLoss: [Int: Double] = [:]

    init(_ settings: Settings) {
        self.settings = settings
        random = TestRandom(seed: settings.seed)
        bytesSent = Array(repeating: 0, count: settings.members)
        group = Array(repeating: 0, count: settings.members)
        for index in 0..<settings.members {
            let address = "10.0.\(index / 250).\(index % 250 + 1):7946"
            let instance = try! GossipInstance(
                id: Self.id(index), address: address, slots: UInt32(index % 4 + 1), incarnation: 1,
                seed: random.next(), now: .zero, configuration: settings.configuration)
            nodes.append(Node(instance: instance, address: address))
            indexByAddress[address] = index
            indexByID[Self.id(index)] = index
        }
    }

    static func id(_ index: Int) -> String {
        let digits = String(index)
        return "node-" + String(repeating: "0", count: max(0, 3 - digits.count)) + digits
    }

    var count: Int { nodes.count }
    func instance(_ index: Int) -> GossipInstance { nodes[index].instance }
    func isRunning(_ index: Int) -> Bool { nodes[index].running }
    var runningIndices: [Int] { nodes.indices.filter { nodes[$0].running } }

    /// Every node joins through node 0 (node 0 starts the cluster), staggered over `spread`.
    func joinAll(spread: Duration = .milliseconds(500)) {
        for index in nodes.indices {
            let seeds = index == 0 ? [] : [nodes[0].address]
            let at = Int64(index) * spread.inNanoseconds / Int64(max(1, nodes.count))
            run(until: at)
            handle(index, nodes[index].instance.join(seeds: seeds, now: instant))
        }
    }

    /// Runs the simulation until `time` nanoseconds.
    func run(until time: Int64) {
        while let next = events.nextTime, next <= time {
            let (at, event) = events.pop()!
            now = at
            switch event {
            case .deliver(let to, let message):
                guard nodes[to].running else { continue }
                handle(to, nodes[to].instance.receive(message, now: instant))
            case .wake(let index):
                guard nodes[index].running, nodes[index].scheduledWake == at else { continue }
                nodes[index].scheduledWake = .max
                handle(index, nodes[index].instance.tick(now: instant))
            }
        }
        now = max(now, time)
    }

    func run(for duration: Duration) {
        run(until: now + duration.inNanoseconds)
    }

    /// Stops a node without a word, as `kill -9` would.
    func kill(_ index: Int) {
        nodes[index].running = false
    }

    /// Restarts a killed node with a fresh state machine and a higher incarnation.
    func restart(_ index: Int, incarnation: UInt64) {
        nodes[index].instance = try! GossipInstance(
            id: Self.id(index), address: nodes[index].address, slots: 1, incarnation: incarnation,
            seed: random.next(), now: instant, configuration: settings.configuration)
        nodes[index].running = true
        nodes[index].scheduledWake = .max
        let seed = index == 0 ? nodes[1].address : nodes[0].address
        handle(index, nodes[index].instance.join(seeds: [seed], now: instant))
    }

    func leave(_ index: Int) {
        handle(index, nodes[index].instance.leave(now: instant))
        nodes[index].running = false
    }

    /// Splits the network: node `i` is in group `groups(i)`.
    func partition(_ groups: (Int) -> Int) {
        group = nodes.indices.map(groups)
    }

    /// Changes the loss rate of every link without an override.
    func setLoss(_ loss: Double) {
        settings.loss = loss
    }

    func heal() {
        group = Array(repeating: 0, count: nodes.count)
    }

    /// Whether every running node holds the same view.
    var converged: Bool {
        let running = runningIndices
        guard let first = running.first.map({ nodes[$0].instance.membership }) else { return true }
        let agreeOnFirstView = running.dropFirst().allSatisfy { index in
            first.members.allSatisfy { nodes[index].instance.member(id: $0.id) == $0 }
        }
        return agreeOnFirstView && running.dropFirst().allSatisfy { nodes[$0].instance.membership == first }
    }

    /// Runs until the running nodes converge (checked every 250 ms) or `limit` passes; returns
    /// the time it took, or nil.
    func runUntilConverged(limit: Duration) -> Duration? {
        let start = now
        let end = now + limit.inNanoseconds
        while now < end {
            if converged { return .nanoseconds(now - start) }
            run(for: .milliseconds(250))
        }
        return converged ? .nanoseconds(now - start) : nil
    }

    /// The state of `member` in the view of node `observer`.
    func state(of member: Int, seenBy observer: Int) -> MemberState? {
        nodes[observer].instance.member(id: Self.id(member))?.state
    }

    private var instant: GossipInstant { GossipInstant(nanoseconds: now) }

    private func handle(_ index: Int, _ outputs: [GossipOutput]) {
        for output in outputs {
            switch output {
            case .send(let message, let address):
                transmit(message, from: index, to: address)
            case .event(let event):
                let running = indexByID[event.member.id].map { nodes[$0].running } ?? false
                observations.append(Observation(
                    time: now, observer: index, member: event.member.id, state: event.member.state, memberRunning: running))
            }
        }
        let deadline = nodes[index].instance.nextDeadline.nanoseconds
        if deadline < nodes[index].scheduledWake || nodes[index].scheduledWake < now {
            nodes[index].scheduledWake = max(deadline, now)
            events.push(.wake(index), at: max(deadline, now))
        }
    }

    private func transmit(_ message: GossipMessage, from: Int, to address: String) {
        let size = WireCodec.encodedSize(message) + DatagramSealer.overhead(senderID: message.sender.id)
        transmitted += 1
        if transmitted % 64 == 0 {
            let bytes = WireCodec.encode(message)
            if bytes.count + DatagramSealer.overhead(senderID: message.sender.id) != size || (try? WireCodec.decode(bytes)) != message {
                codecMismatches += 1
            }
        }
        bytesSent[from] += size
        if size > settings.configuration.maxDatagramBytes { oversizedDatagrams += 1 }
        guard let to = indexByAddress[address], group[from] == group[to] else { return }
        let loss = linkLoss[from * nodes.count + to] ?? settings.loss
        guard Double.random(in: 0..<1, using: &random) >= loss else { return }
        let low = settings.minimumDelay.inNanoseconds
        let high = settings.maximumDelay.inNanoseconds
        events.push(.deliver(to: to, message: message), at: now + Int64.random(in: low...max(low, high), using: &random))
    }
}
