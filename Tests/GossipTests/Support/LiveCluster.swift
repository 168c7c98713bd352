import Gossip

/// Real services on 127.0.0.1 with ephemeral ports and short timings, for the UDP tests.
enum LiveCluster {
    static let key = Array("continuum-live-test-cluster-key".utf8)

    /// A 200 ms protocol period: joins, detection and leaves take a second or two.
    static let tuning: GossipTuning = {
        var tuning = GossipTuning()
        tuning.probeInterval = .milliseconds(200)
        tuning.probeTimeout = .milliseconds(100)
        tuning.joinRetryInterval = .milliseconds(200)
        tuning.syncInterval = .seconds(2)
        tuning.reconnectInterval = .seconds(1)
        return tuning
    }()

    /// Starts a service `id` bound to `bind` and joining through `seeds`.
    static func start(_ id: String, bind: String = "127.0.0.1:0", seeds: [GossipService] = []) async throws -> GossipService {
        let service = GossipService(configuration: try GossipConfiguration(
            nodeID: id, slots: 2, bind: bind, seeds: seeds.compactMap { $0.localMember?.address }, clusterKey: key,
            tuning: tuning))
        try await service.start()
        return service
    }

    /// Starts `ids.count` services, all joining through the first, and waits until every one
    /// sees all of them alive.
    static func converged(_ ids: [String]) async throws -> [GossipService] {
        let seed = try await start(ids[0])
        var services = [seed]
        for id in ids.dropFirst() { services.append(try await start(id, seeds: [seed])) }
        let all = services
        let converged = await eventually(within: .seconds(10)) {
            all.allSatisfy { $0.membership.alive.map(\.id) == ids.sorted() }
        }
        guard converged else { throw NotConverged(views: all.map(\.membership)) }
        return services
    }

    /// The state of `id` in `service`'s view.
    static func state(of id: String, in service: GossipService) -> MemberState? {
        service.membership.member(id: id)?.state
    }

    struct NotConverged: Error {
        let views: [Membership]
    }
}

/// Polls `condition` every 20 ms until it holds (`true`) or `limit` passes (`false`).
func eventually(within limit: Duration, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}

/// The first element of `stream`, or `nil` when none arrives within `limit`.
func first<Element: Sendable>(of stream: AsyncStream<Element>, within limit: Duration) async -> Element? {
    await withTaskGroup(of: Element?.self) { group in
        group.addTask { await stream.first { _ in true } }
        group.addTask {
            try? await Task.sleep(for: limit)
            return nil
        }
        let result = await group.next() ?? nil
        group.cancelAll()
        return result
    }
}
