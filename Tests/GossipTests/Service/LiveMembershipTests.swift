import Foundation
import Gossip
import Testing

@Suite("Gossip over UDP on loopback")
struct LiveMembershipTests {
    /// Detection bound from the configuration, doubled for a loaded test machine.
    static let deathBound = detectionBound(members: 3, configuration: LiveCluster.tuning) * 2

    @Test("three services join through a seed and converge to three alive")
    func converge() async throws {
        let services = try await LiveCluster.converged(["a", "b", "c"])
        for service in services {
            #expect(service.membership.members.allSatisfy { $0.slots == 2 && $0.address.hasPrefix("127.0.0.1:") })
            #expect(service.dropCounts.isEmpty, "\(service.dropCounts)")
        }
        for service in services { await service.stop() }
        var joined: Set<String> = []
        for await event in services[0].events where event.member.state == .alive && event.previousState == nil {
            joined.insert(event.member.id)
        }
        #expect(joined == ["b", "c"])
    }

    @Test("a stopped member is declared dead by the others within the configured bound")
    func detectsStoppedMember() async throws {
        let services = try await LiveCluster.converged(["a", "b", "c"])
        let stoppedAt = ContinuousClock.now
        await services[2].stop()
        let survivors = Array(services.prefix(2))
        let detected = await eventually(within: Self.deathBound) {
            survivors.allSatisfy { LiveCluster.state(of: "c", in: $0) == .dead }
        }
        let took = ContinuousClock.now - stoppedAt
        #expect(detected, "views after \(took): \(survivors.map(\.membership))")
        #expect(survivors.allSatisfy { $0.membership.alive.map(\.id) == ["a", "b"] })
        for service in survivors { await service.stop() }
        var states: [MemberState] = []
        for await event in survivors[0].events where event.member.id == "c" { states.append(event.member.state) }
        #expect(states.last == .dead)
    }

    @Test("a member that leaves shows as left, not dead")
    func gracefulLeave() async throws {
        let services = try await LiveCluster.converged(["a", "b", "c"])
        await services[2].leave()
        let survivors = Array(services.prefix(2))
        let left = await eventually(within: .seconds(3)) {
            survivors.allSatisfy { LiveCluster.state(of: "c", in: $0) == .left }
        }
        #expect(left, "\(survivors.map(\.membership))")
        for service in survivors { await service.stop() }
    }

    @Test("a restarted member rejoins under the same id with a higher incarnation")
    func restart() async throws {
        let services = try await LiveCluster.converged(["a", "b", "c"])
        let before = try #require(services[2].localMember)
        await services[2].stop()
        let survivors = Array(services.prefix(2))
        #expect(await eventually(within: Self.deathBound) {
            survivors.allSatisfy { LiveCluster.state(of: "c", in: $0) == .dead }
        })
        let again = try await LiveCluster.start("c", bind: before.address, seeds: [services[0]])
        let everyone = survivors + [again]
        let rejoined = await eventually(within: .seconds(5)) {
            everyone.allSatisfy { $0.membership.alive.map(\.id) == ["a", "b", "c"] }
        }
        #expect(rejoined, "\(everyone.map(\.membership))")
        for service in survivors {
            let record = try #require(service.membership.member(id: "c"))
            #expect(record.incarnation > before.incarnation)
            #expect(record.address == before.address)
        }
        for service in everyone { await service.stop() }
    }

    @Test("a wake hint reaches the addressed member, and only it")
    func wakeHint() async throws {
        let services = try await LiveCluster.converged(["a", "b", "c"])
        #expect(services[0].sendWake(to: "b", priority: 42))
        #expect(await first(of: services[1].wakes, within: .seconds(3)) == 42)
        #expect(services[0].sendWake(to: "a", priority: -7))
        #expect(await first(of: services[0].wakes, within: .seconds(1)) == -7)
        #expect(!services[0].sendWake(to: "nobody", priority: 1))
        for service in services { await service.stop() }
        #expect(await first(of: services[2].wakes, within: .milliseconds(100)) == nil)
    }
}
