import Foundation
import Logging
import Store
import TaskModel
import Testing
import TestSupport

/// A small LAN built from Linux network namespaces: a bridge in the root namespace with an address
/// on a private test subnet (10.77.N.0/24, N chosen free), one namespace per peer joined to it by a
/// veth pair, and a dedicated PostgreSQL listening on the bridge address. Every name starts with
/// `ctm` and a random tag; `destroy()` removes everything (nodes, PostgreSQL, namespaces, veths,
/// bridge) and is called on success and failure alike.
///
/// Nodes run under `nsenter --net=/run/netns/NAME` rather than `ip netns exec`: the latter also
/// remounts /sys in a private mount namespace, which hides /sys/fs/cgroup from runc.
final class LAN: Sendable {
    let tag: String
    let subnet: String
    let peers: Int
    let databasePort: Int
    let repository = TestDatabase.repository.path

    var bridge: String { tag + "b" }
    var bridgeAddress: String { subnet + ".1" }
    func namespace(_ peer: Int) -> String { tag + "n\(peer)" }
    /// The bridge side of a peer's veth pair: down cuts the peer off from everything.
    func hostVeth(_ peer: Int) -> String { tag + "h\(peer)" }
    func address(_ peer: Int) -> String { "\(subnet).\(10 + peer)" }
    func launcher(_ peer: Int) -> [String] { ["/usr/bin/nsenter", "--net=/run/netns/\(namespace(peer))"] }
    /// The database as the peers see it (over the bridge).
    var lanDatabaseURL: String { "postgres://postgres@\(bridgeAddress):\(databasePort)/postgres" }

    private init(tag: String, subnet: String, peers: Int, databasePort: Int) {
        self.tag = tag
        self.subnet = subnet
        self.peers = peers
        self.databasePort = databasePort
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func ip(_ arguments: String...) async throws {
        let (status, output) = await Shell.runStatus("/usr/sbin/ip", arguments)
        guard status == 0 else { throw Failure(description: "ip \(arguments.joined(separator: " ")) exited with \(status): \(output)") }
    }

    /// Builds the LAN and starts its PostgreSQL; returns it with the database URL from the host.
    /// Anything built before a failure is removed again.
    static func create(peers: Int) async throws -> (LAN, String) {
        let (_, addresses) = await Shell.runStatus("/usr/sbin/ip", ["-4", "-o", "addr", "show"])
        let (_, routes) = await Shell.runStatus("/usr/sbin/ip", ["-4", "route", "show", "table", "all"])
        guard let third = (1...254).shuffled().first(where: { !addresses.contains("10.77.\($0).") && !routes.contains("10.77.\($0).") }) else {
            throw Failure(description: "no free 10.77.N.0/24 subnet on this host")
        }
        let tag = "ctm" + String(UInt32.random(in: 0...UInt32.max), radix: 16).prefix(6)
        let lan = LAN(tag: tag, subnet: "10.77.\(third)", peers: peers, databasePort: try freePort())
        do {
            let (status, output) = await Shell.runStatus("/usr/sbin/ip", ["netns", "add", lan.namespace(1)])
            guard status == 0 else {
                throw Failure(description: """
                    cannot create a network namespace (the LAN test needs root with CAP_NET_ADMIN and \
                    `ip netns` support): ip netns add exited with \(status): \(output)
                    """)
            }
            try await ip("link", "add", lan.bridge, "type", "bridge")
            try await ip("addr", "add", "\(lan.bridgeAddress)/24", "dev", lan.bridge)
            try await ip("link", "set", lan.bridge, "up")
            for peer in 1...peers {
                let namespace = lan.namespace(peer)
                if peer > 1 { try await ip("netns", "add", namespace) }
                try await ip("link", "add", lan.hostVeth(peer), "type", "veth", "peer", "name", "eth0", "netns", namespace)
                try await ip("link", "set", lan.hostVeth(peer), "master", lan.bridge)
                try await ip("link", "set", lan.hostVeth(peer), "up")
                try await ip("-n", namespace, "addr", "add", "\(lan.address(peer))/24", "dev", "eth0")
                try await ip("-n", namespace, "link", "set", "eth0", "up")
                try await ip("-n", namespace, "link", "set", "lo", "up")
            }
            let url = try await Shell.run(lan.repository + "/scripts/pg", [
                "start", tag, String(lan.databasePort), lan.bridgeAddress, "\(lan.subnet).0/24",
            ])
            return (lan, url)
        } catch {
            await lan.destroy()
            throw error
        }
    }

    /// Removes PostgreSQL, the namespaces (and with them the veth pairs) and the bridge. Best
    /// effort: every step runs whatever failed before.
    func destroy() async {
        _ = await Shell.runStatus(repository + "/scripts/pg", ["destroy", tag])
        for peer in 1...peers {
            _ = await Shell.runStatus("/usr/sbin/ip", ["netns", "del", namespace(peer)])
            _ = await Shell.runStatus("/usr/sbin/ip", ["link", "del", hostVeth(peer)])
        }
        _ = await Shell.runStatus("/usr/sbin/ip", ["link", "del", bridge])
    }

    /// Adds (or removes) blackhole routes between `peer` and every other peer, both ways: they
    /// cannot reach each other while all of them still reach the bridge address (the database).
    func blackhole(_ peer: Int, add: Bool) async throws {
        for other in 1...peers where other != peer {
            try await LAN.ip("-n", namespace(peer), "route", add ? "add" : "del", "blackhole", "\(address(other))/32")
            try await LAN.ip("-n", namespace(other), "route", add ? "add" : "del", "blackhole", "\(address(peer))/32")
        }
    }

    /// `/status` of the node in `peer`'s namespace (its API on that namespace's loopback).
    func status(_ peer: Int, port: Int) async -> [String: Any]? {
        let (code, output) = await Shell.runStatus("/usr/bin/nsenter", [
            "--net=/run/netns/\(namespace(peer))", "/usr/bin/curl", "-s", "-m", "2", "http://127.0.0.1:\(port)/status",
        ])
        guard code == 0 else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(output.utf8))) as? [String: Any]
    }

    /// Whether every peer's view (through its API on `port`) holds all of `ids` alive.
    func everyPeerSees(_ ids: [String], alive port: Int) async -> Bool {
        for peer in 1...peers {
            let view = await view(peer, port: port)
            if ids.contains(where: { view[$0]?.state != "alive" }) { return false }
        }
        return true
    }

    /// Peer's view: member id → (state, incarnation).
    func view(_ peer: Int, port: Int) async -> [String: (state: String, incarnation: Int)] {
        let members = await status(peer, port: port)?["members"] as? [[String: Any]] ?? []
        return members.reduce(into: [:]) {
            $0[$1["id"] as? String ?? "?"] = ($1["state"] as? String ?? "?", ($1["incarnation"] as? NSNumber)?.intValue ?? -1)
        }
    }
}

@Suite("continuum node on a LAN of network namespaces", .serialized)
struct LANTests {
    static let key = "lan-test-cluster-key-0123456789abcdef"
    static let apiPort = 8080
    static let gossipPort = 7946
    static let taskCount = 60

    @Test("three peers on a bridge: one is cut off and healed; the others declare it dead and keep executing, it rejoins with a higher incarnation, every task completes exactly once",
          .timeLimit(.minutes(3)))
    func cutAndHeal() async throws {
        let (lan, url) = try await LAN.create(peers: 3)
        var nodes: [NodeProcess] = []
        do {
            try await run(lan, url, &nodes)
        } catch {
            for node in nodes { node.kill(); _ = await node.waitForExit(within: .seconds(5)) }
            for node in nodes { print(node.logTail(30)) }
            await lan.destroy()
            throw error
        }
        for node in nodes { node.kill(); _ = await node.waitForExit(within: .seconds(5)) }
        await lan.destroy()
    }

    private func run(_ lan: LAN, _ url: String, _ nodes: inout [NodeProcess]) async throws {
        try await Shell.run(Binary.path, ["migrate"], environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DATABASE_URL": url])
        for peer in 1...3 {
            nodes.append(try NodeProcess.launch(databaseURL: lan.lanDatabaseURL, id: NodeProcess.uniqueID("ctm\(peer)"), slots: 2, [
                "API_PORT": String(Self.apiPort),
                "CONTINUUM_GOSSIP_BIND": "\(lan.address(peer)):\(Self.gossipPort)",
                "CONTINUUM_GOSSIP_SEEDS": "\(lan.address(1)):\(Self.gossipPort)",
                "CONTINUUM_CLUSTER_KEY": Self.key,
                "CONTINUUM_NOTIFY": "on",
                "POLLING_INTERVAL": "1",
                "CONTINUUM_LEASE_TTL": "3",
                "CONTINUUM_DRAIN_GRACE": "0",
            ], launcher: lan.launcher(peer)))
        }
        let ids = nodes.map(\.id)
        let started = ContinuousClock.now
        let converged = await eventually(within: .seconds(30)) { await lan.everyPeerSees(ids, alive: Self.apiPort) }
        try #require(converged, "the three peers did not converge within 30 s:\n\(nodes.map { $0.logTail(20) }.joined(separator: "\n"))")
        print("lan: converged after \(ContinuousClock.now - started)")
        let cut = 3, cutID = ids[cut - 1], survivors = [1, 2]
        let incarnationBefore = try #require(await lan.view(1, port: Self.apiPort)[cutID]?.incarnation)

        // A stream of short tasks across the whole priority range, one every 200 ms.
        let submitter = Task {
            let store = TaskStore(configuration: DatabaseConfiguration(url: url, poolSize: 1), logger: Logger(label: "lan-test"))
            defer { store.shutdown() }
            for index in 0..<Self.taskCount {
                let seconds = String(format: "%.2f", Double.random(in: 0.2...1.0))
                _ = try await store.submit(NewTask(
                    name: "lan-\(index)", code: "import time\ntime.sleep(float(payload['s']))\nprint('done', payload['i'])",
                    payloadJSON: #"{"s": "\#(seconds)", "i": \#(index)}"#,
                    priority: Int.random(in: Int(Int32.min)...Int(Int32.max)), maxAttempts: 5))
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        let queue = Queue(url: url)
        let cutHolds = try await queue.waitForRows(within: .seconds(15)) { rows in rows.contains { $0.status == .running && $0.workerID == cutID } }
        #expect(cutHolds.held, "peer \(cut) never ran a task: \(cutHolds.rows)")

        // Cut peer 3 off: from the other peers and from the database.
        try await LAN.ip("link", "set", lan.hostVeth(cut), "down")
        let cutAt = ContinuousClock.now
        let held = try await queue.rows().filter { $0.status == .running && $0.workerID == cutID }.map(\.id)
        let markedDead = await eventually(within: .seconds(20)) {
            for peer in survivors where await lan.view(peer, port: Self.apiPort)[cutID]?.state != "dead" { return false }
            return true
        }
        try #require(markedDead, "the survivors did not mark peer \(cut) dead within 20 s")
        print("lan: peer \(cut) dead in both survivors' views \(ContinuousClock.now - cutAt) after the cut; it held \(held)")
        let completedBySurvivors = { (rows: [TaskRow]) in
            rows.filter { $0.status == .completed && $0.workerID != cutID }.count
        }
        let before = completedBySurvivors(try await queue.rows())
        let progressed = try await queue.waitForRows(within: .seconds(15)) { completedBySurvivors($0) >= before + 3 }
        #expect(progressed.held, "the survivors did not keep executing while peer \(cut) was cut off: \(progressed.rows)")
        let heldNow = try await queue.rows(held)
        #expect(heldNow.allSatisfy { !($0.status == .running && $0.workerID == cutID) },
                "the cut peer's leases were not revoked: \(heldNow)")

        // Heal: peer 3 rejoins with a higher incarnation.
        try await LAN.ip("link", "set", lan.hostVeth(cut), "up")
        let healedAt = ContinuousClock.now
        let rejoined = await eventually(within: .seconds(30)) {
            for peer in survivors {
                guard let record = await lan.view(peer, port: Self.apiPort)[cutID], record.state == "alive",
                      record.incarnation > incarnationBefore else { return false }
            }
            let own = await lan.view(cut, port: Self.apiPort)
            return ids.allSatisfy { own[$0]?.state == "alive" }
        }
        let viewAfterHeal = await lan.view(1, port: Self.apiPort)
        #expect(rejoined, "peer \(cut) did not rejoin within 30 s: \(viewAfterHeal)")
        print("lan: peer \(cut) alive again everywhere \(ContinuousClock.now - healedAt) after the heal")

        try await submitter.value
        let done = try await queue.waitForRows(within: .seconds(40)) { rows in
            rows.count == Self.taskCount && rows.allSatisfy { $0.status == .completed }
        }
        #expect(done.held, "not every task completed: \(done.rows.filter { $0.status != .completed })")
        let rows = done.rows
        #expect(rows.count == Self.taskCount, "tasks lost: \(rows.count) of \(Self.taskCount)")
        #expect(Set(rows.map(\.id)).count == rows.count)
        #expect(rows.allSatisfy { $0.status != .running }, "\(rows.filter { $0.status == .running })")
        #expect(rows.allSatisfy { $0.workerID.map(ids.contains) ?? false }, "\(rows)")
        #expect(rows.allSatisfy { ($0.output ?? "").contains("done") }, "\(rows.filter { !($0.output ?? "").contains("done") })")
        let retried = rows.filter { $0.attempts > 1 }
        print("lan: \(rows.count) tasks completed; by peer: \(ids.map { id in rows.filter { $0.workerID == id }.count }); retried: \(retried.map { "\($0.id)x\($0.attempts)" }); total \(ContinuousClock.now - started)")
        for node in nodes { _ = await node.stop(within: .seconds(10)) }
    }
}
