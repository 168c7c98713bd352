import ChaosKit
import Foundation
import Store
import TaskModel
import TestSupport

extension ChaosRun {
    /// Injects `fault`, heals it after its hold, and returns a task that finishes when its
    /// recovery has been measured (so the next fault need not wait for that). Recovery is
    /// watched from the moment of injection.
    func inject(_ fault: Fault) async -> Task<InjectedFault, Never> {
        let start = Self.now()
        switch fault.kind {
        case .kill:
            let node = await peers.node(fault.peer)
            let held = await leases(of: node.id)
            let recovery = watch(held, since: start)
            node.kill()
            _ = await node.waitForExit(within: .seconds(10))
            try? await Task.sleep(for: fault.hold)
            var note = ""
            do {
                try await peers.start(fault.peer, slots: settings.slots)
            } catch {
                note = "restart failed: \(error)"
            }
            return record(fault, node: node.id, start: start, held: held, recovery: recovery, note: note)
        case .pause:
            let node = await peers.node(fault.peer)
            let held = await leases(of: node.id)
            let recovery = watch(held, since: start)
            node.send(SIGSTOP)
            try? await Task.sleep(for: fault.hold)
            node.send(SIGCONT)
            return record(fault, node: node.id, start: start, held: held, recovery: recovery)
        case .partition:
            let (lan, peer) = (lan, fault.peer)
            return await sever(fault, start: start) { cut in
                try await LAN.ip("link", "set", lan.hostVeth(peer), cut ? "down" : "up")
            }
        case .gossipPartition:
            let (lan, peer) = (lan, fault.peer)
            return await sever(fault, start: start) { cut in try await lan.blackhole(peer, add: cut) }
        case .databaseRestart:
            let running = await count("SELECT count(*) FROM tasks WHERE status = 'running'") ?? 0
            let (status, output) = await Shell.runStatus(lan.repository + "/scripts/pg", ["restart", lan.tag])
            let end = Self.now()
            let note = status == 0 ? "" : "pg restart exited with \(status): \(output)"
            return Task {
                let recovered = await eventually(within: .seconds(60)) {
                    (await self.count("SELECT count(*) FROM tasks WHERE finished > to_timestamp($1::float8)", [String(end)]) ?? 0) > 0
                }
                return InjectedFault(fault: fault, node: nil, start: start, end: end, heldTasks: running,
                                     recovery: recovered ? Self.now() - start : nil, note: note)
            }
        case .sandboxKill:
            return await killBusySandbox(fault, start: start)
        }
    }

    /// Cuts the peer's links with `cut(true)`, holds, restores them with `cut(false)`, and
    /// watches the leases it held from the cut on.
    private func sever(
        _ fault: Fault, start: Double, _ cut: @escaping @Sendable (Bool) async throws -> Void
    ) async -> Task<InjectedFault, Never> {
        let id = peers.id(fault.peer)
        let held = await leases(of: id)
        let recovery = watch(held, since: start)
        var note = ""
        do {
            try await cut(true)
            try? await Task.sleep(for: fault.hold)
            try await cut(false)
        } catch {
            note = "\(error)"
        }
        return record(fault, node: id, start: start, held: held, recovery: recovery, note: note)
    }

    /// Kills the runtime or the container init of a sandbox that runs a task, on the planned
    /// peer or else the next one with a busy sandbox, waiting up to 5 s for one.
    private func killBusySandbox(_ fault: Fault, start: Double) async -> Task<InjectedFault, Never> {
        let order = (0..<lan.peers).map { (fault.peer - 1 + $0) % lan.peers + 1 }
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            for peer in order {
                let id = peers.id(peer)
                guard let sandbox = await HostProbe.busySandbox(of: id) else { continue }
                let held = await leases(of: id)
                let recovery = watch(held, firstOnly: true, since: start)
                let victim = fault.variant == 0 ? sandbox.runtime : sandbox.initProcess
                kill(victim, SIGKILL)
                let what = fault.variant == 0 ? "runtime" : "container init"
                return record(fault, node: id, start: start, held: held, recovery: recovery,
                              note: "killed the \(what) (pid \(victim)) of \(sandbox.container) on peer \(peer)")
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return Task { InjectedFault(fault: fault, node: nil, start: start, end: Self.now(), note: "no busy sandbox within 5 s; nothing killed") }
    }

    /// The leases `node` holds now: task id → fence; none when the database does not answer.
    func leases(of node: String) async -> [Int64: Int64] {
        let leases = try? await store.query("SELECT id, fence FROM tasks WHERE status = 'running' AND worker_id = $1", [node])
            .map { row throws(StoreError) in (try row.required("id", as: Int64.self), try row.required("fence", as: Int64.self)) }
        return Dictionary(leases ?? [], uniquingKeysWith: { first, _ in first })
    }

    /// Starts watching `held` now: the task ends with the seconds from `start` until every
    /// lease (or, with `firstOnly`, the first) was taken over or finished, that is no longer
    /// running under the same fence; nil when nothing was held or it took more than 90 s.
    private func watch(_ held: [Int64: Int64], firstOnly: Bool = false, since start: Double) -> Task<Double?, Never> {
        Task {
            guard !held.isEmpty else { return nil }
            let ids = "{" + held.keys.map(String.init).joined(separator: ",") + "}"
            let recovered = await eventually(within: .seconds(90)) {
                guard let rows = try? await self.store.query(
                    "SELECT id, fence, status FROM tasks WHERE id = ANY($1::int8[])", [ids]),
                    let stillHeld = try? Self.stillHeld(held, in: rows)
                else { return false }
                return firstOnly ? stillHeld < held.count : stillHeld == 0
            }
            return recovered ? Self.now() - start : nil
        }
    }

    /// How many of `held` (task id → fence) `rows` (id, fence, status) show running under the same fence.
    private static func stillHeld(_ held: [Int64: Int64], in rows: [PGRow]) throws(StoreError) -> Int {
        var count = 0
        for row in rows where try row.required("status", as: TaskState.self) == .running {
            if held[try row.required("id")] == (try row.required("fence", as: Int64.self)) { count += 1 }
        }
        return count
    }

    /// The fault as injected, once its recovery is known; `end` (the heal) is now.
    private func record(
        _ fault: Fault, node: String, start: Double, held: [Int64: Int64], recovery: Task<Double?, Never>, note: String = ""
    ) -> Task<InjectedFault, Never> {
        let end = Self.now()
        return Task {
            InjectedFault(fault: fault, node: node, start: start, end: end, heldTasks: held.count,
                          recovery: await recovery.value, note: note)
        }
    }
}
