import Foundation
import Store
import TaskModel
import Testing
import TestSupport

/// Real `continuum node` processes on real PostgreSQL with real sandboxes: work sharing, crashes,
/// freezes, drains and database restarts. Serialized: each test keeps the two cores busy.
@Suite("continuum node as separate processes", .serialized)
struct NodeProcessTests {
    // MARK: Work sharing

    @Test("1,000 tasks across 2 node processes: each completed exactly once, outputs correct, both nodes worked",
          .timeLimit(.minutes(5)))
    func thousandTasksTwoNodes() async throws {
        let database = try await TestDatabase.make()
        let queue = Queue(database)
        let a = try await NodeProcess.start(databaseURL: database.url, id: NodeProcess.uniqueID("share-a"), slots: 2)
        let b = try await NodeProcess.start(databaseURL: database.url, id: NodeProcess.uniqueID("share-b"), slots: 2)
        let logs = { a.logTail(30) + "\n" + b.logTail(30) }

        // Plain SQL, as users of the older Go version submit: every newer column takes its default.
        let code = """
            import json, sys
            with open(sys.argv[1]) as f:
                assert json.load(f) == payload
            print(payload["n"] * 7 + 3)
            """
        let codeID = try #require(try await queue.sql("INSERT INTO codes (code) VALUES ($1) RETURNING id", [code]).first?.first ?? nil)
        try await queue.sql("""
            INSERT INTO tasks (name, description, payload, code, priority)
            SELECT 'n' || g, '', jsonb_build_object('n', g), $1::bigint, 0 FROM generate_series(1, 1000) AS g
            """, [codeID])

        let started = ContinuousClock.now
        let (done, rows) = try await queue.waitForRows(within: .seconds(240)) { rows in
            rows.allSatisfy { $0.status == .completed || $0.status == .failed }
        }
        let elapsed = ContinuousClock.now - started
        #expect(done, "not finished after \(elapsed): \(Dictionary(grouping: rows, by: \.status).mapValues(\.count))\n\(logs())")
        #expect(rows.count == 1000)
        let payloads = try await queue.query("SELECT id, (payload->>'n')::int AS n FROM tasks ORDER BY id")
        let n = Dictionary(uniqueKeysWithValues: try payloads.map { row throws(StoreError) in
            (try row.required("id", as: Int64.self), try row.required("n", as: Int.self))
        })
        var wrong: [TaskRow] = []
        for row in rows {
            let expected = n[row.id].map { "\($0 * 7 + 3)" }
            if row.status != .completed || row.attempts != 1 || row.fence != 1 || row.exitCode != 0 || row.error != nil
                || row.output?.trimmingCharacters(in: .whitespacesAndNewlines) != expected
                || (row.workerID != a.id && row.workerID != b.id) {
                wrong.append(row)
            }
        }
        #expect(wrong.isEmpty, "\(wrong.count) tasks not completed exactly once with the right output, e.g.:\n\(wrong.prefix(5).map(\.description).joined(separator: "\n"))\n\(logs())")
        let byWorker = Dictionary(grouping: rows, by: { $0.workerID ?? "-" }).mapValues(\.count)
        #expect((byWorker[a.id] ?? 0) > 0 && (byWorker[b.id] ?? 0) > 0, "both nodes should have done work: \(byWorker)")

        // The nodes' own counters agree with the database: nothing claimed twice, nothing lost.
        let completedA = try await a.counter("completed"), completedB = try await b.counter("completed")
        let claimedA = try await a.counter("claimed"), claimedB = try await b.counter("claimed")
        #expect(completedA + completedB == 1000, "completed counters \(completedA) + \(completedB)")
        #expect(claimedA + claimedB == 1000, "claimed counters \(claimedA) + \(claimedB)")
        #expect(completedA == byWorker[a.id] && completedB == byWorker[b.id])
        print("1,000 tasks on 2 nodes x 2 slots: \(elapsed) (\(byWorker))")

        #expect(await a.stop() == 0, "\(a.logTail())")
        #expect(await b.stop() == 0, "\(b.logTail())")
    }

    // MARK: Crash

    @Test("kill -9 of a node mid-task: its tasks finish on the other node soon after the lease ends, attempts counted once per claim",
          .timeLimit(.minutes(3)))
    func killNineMidTask() async throws {
        let database = try await TestDatabase.make()
        let queue = Queue(database)
        let ttl = ["CONTINUUM_LEASE_TTL": "2", "POLLING_INTERVAL": "0.2"]
        let a = try await NodeProcess.start(databaseURL: database.url, id: NodeProcess.uniqueID("crash-a"), slots: 2, ttl)
        let seconds = uniqueSeconds(5)
        let sleeper = ["/bin/sleep", seconds]
        let ids = try await queue.submit([sleeperTask(seconds: seconds, name: "one"), sleeperTask(seconds: seconds, name: "two")])
        let onA = try await queue.waitForRows(ids, within: .seconds(30)) { rows in
            rows.allSatisfy { $0.status == .running && $0.workerID == a.id }
        }
        try #require(onA.held, "both tasks should be running on \(a.id): \(onA.rows)\n\(a.logTail())")
        let b = try await NodeProcess.start(databaseURL: database.url, id: NodeProcess.uniqueID("crash-b"), slots: 2, ttl)
        // Both runs are inside A's sandboxes now.
        let bothRunning = await eventually(within: .seconds(10)) { sandboxProcesses(ofNode: a.id, commandLine: sleeper).count == 2 }
        try #require(bothRunning, "both runs should be inside \(a.id)'s sandboxes\n\(a.logTail())")

        a.kill()
        let killed = ContinuousClock.now
        #expect(await a.waitForExit(within: .seconds(10)) == 128 + SIGKILL)

        // B takes them over once the leases (2 s) have expired: well within TTL plus a few seconds.
        let takenOver = try await queue.waitForRows(ids, within: .seconds(2 + 8)) { rows in
            rows.allSatisfy { $0.workerID == b.id && ($0.status == .running || $0.status == .completed) }
        }
        let takeover = ContinuousClock.now - killed
        #expect(takenOver.held, "not taken over by \(b.id) \(takeover) after the kill: \(takenOver.rows)\n\(b.logTail())")
        let finished = try await queue.waitForRows(ids, within: .seconds(30)) { rows in
            rows.allSatisfy { $0.status == .completed || $0.status == .failed }
        }
        let total = ContinuousClock.now - killed
        #expect(finished.held, "\(finished.rows)\n\(b.logTail())")
        for row in finished.rows {
            #expect(row.status == .completed, "\(row)")
            #expect(row.workerID == b.id, "\(row)")
            #expect(row.output == "start \(seconds)\nend \(seconds)\n", "\(row)")
            // Counted once per claim: A's claim and B's; recovery never counts one.
            #expect(row.attempts == 2, "\(row)")
            // The fence moved at A's claim, at the recovery of A's expired lease, and at B's claim.
            #expect(row.fence == 3, "\(row)")
        }
        #expect(try await queue.integer("SELECT count(*) FROM tasks WHERE status = 'running'") == 0)
        #expect(try await b.counter("completed") == 2)
        #expect(try await b.counter("lease_lost") == 0)
        print("kill -9: taken over \(takeover) and finished \(total) after the kill")
        #expect(await b.stop() == 0, "\(b.logTail())")
    }

    @Test("a node killed with SIGKILL takes its running sandboxes with it; a restart with its id clears what is left and re-runs its task at once",
          .timeLimit(.minutes(2)))
    func killedNodeSandboxes() async throws {
        let database = try await TestDatabase.make()
        let queue = Queue(database)
        let longLease = ["CONTINUUM_LEASE_TTL": "120", "CONTINUUM_DRAIN_GRACE": "0"]
        let a = try await NodeProcess.start(databaseURL: database.url, id: NodeProcess.uniqueID("dead"), slots: 1, longLease)
        let seconds = uniqueSeconds(60)
        let sleeper = ["/bin/sleep", seconds]
        let id = try await queue.submit(sleeperTask(seconds: seconds))
        let running = await eventually(within: .seconds(20)) { sandboxProcesses(ofNode: a.id, commandLine: sleeper).count == 1 }
        let rows = try await queue.rows()
        try #require(running, "\(rows)\n\(a.logTail())")
        let runcRoot = "/run/continuum/runc"
        let containersOfA = { ((try? FileManager.default.contentsOfDirectory(atPath: runcRoot)) ?? []).filter { $0.hasPrefix(a.id + "-") } }

        a.kill()
        #expect(await a.waitForExit(within: .seconds(10)) == 128 + SIGKILL)
        let killed = ContinuousClock.now
        // docs/sandbox.md: the runner exits on EOF of its stdin, so a node that dies takes its
        // sandboxes with it; no stale run may go on (its deadline was the dead node's to enforce).
        let died = await eventually(within: .seconds(5)) { sandboxProcesses(ofNode: a.id, commandLine: sleeper).isEmpty }
        #expect(died, "the run of task \(id) is still alive \(ContinuousClock.now - killed) after its node was killed: \(containersOfA())")

        // A node starting with the dead node's id removes its leftovers: containers, cgroups, runs.
        let leftBehind = Set(containersOfA())
        let again = try await NodeProcess.start(databaseURL: database.url, id: a.id, slots: 1, longLease)
        #expect(Set(containersOfA()).isDisjoint(with: leftBehind), "containers of the dead node remain: \(leftBehind)")
        // The restarted node takes back its earlier run's lease at once (not after the 120 s TTL)
        // and runs the task again: a second claim, after the revocation bumped the fence.
        let rerun = await eventually(within: .seconds(15)) {
            (try? await queue.rows([id]).first).map { $0.status == .running && $0.attempts == 2 && $0.fence == 3 } ?? false
        }
        let rowsAfterRestart = try await queue.rows([id])
        #expect(rerun, "\(rowsAfterRestart)\n\(again.logTail())")
        #expect(await again.stop() == 0, "\(again.logTail())")
        #expect(!FileManager.default.fileExists(atPath: "/run/continuum/nodes/\(a.id)"), "the node folder is removed on a clean stop")
    }

    // MARK: Freeze

    @Test("a node frozen past its lease and resumed: its late result is rejected, its stale run is killed, the new holder's result stands",
          .timeLimit(.minutes(3)))
    func frozenNode() async throws {
        let database = try await TestDatabase.make()
        let queue = Queue(database)
        let ttl = ["CONTINUUM_LEASE_TTL": "2", "POLLING_INTERVAL": "0.2"]
        let a = try await NodeProcess.start(databaseURL: database.url, id: NodeProcess.uniqueID("frozen-a"), slots: 2, ttl)
        // `short` ends while A is frozen (A then holds a finished result it may no longer write);
        // `long` still runs when A resumes (A must kill that stale run).
        let short = uniqueSeconds(3), long = uniqueSeconds(12)
        let ids = try await queue.submit([sleeperTask(seconds: short, name: "short"), sleeperTask(seconds: long, name: "long")])
        let onA = try await queue.waitForRows(ids, within: .seconds(30)) { rows in
            rows.allSatisfy { $0.status == .running && $0.workerID == a.id }
        }
        try #require(onA.held, "\(onA.rows)\n\(a.logTail())")
        // Freeze A only once both runs are inside its sandboxes (a claim precedes the run's start).
        let bothRunning = await eventually(within: .seconds(10)) {
            sandboxProcesses(ofNode: a.id, commandLine: ["/bin/sleep", short]).count == 1
                && sandboxProcesses(ofNode: a.id, commandLine: ["/bin/sleep", long]).count == 1
        }
        try #require(bothRunning, "\(a.logTail())")
        a.send(SIGSTOP)
        let frozen = ContinuousClock.now
        let b = try await NodeProcess.start(databaseURL: database.url, id: NodeProcess.uniqueID("frozen-b"), slots: 2, ttl)

        // B takes both over after A's leases expire; A stays frozen at least until its short run has ended.
        let taken = try await queue.waitForRows(ids, within: .seconds(20)) { rows in
            rows.allSatisfy { $0.workerID == b.id }
        }
        try #require(taken.held, "\(taken.rows)\n\(b.logTail())")
        while ContinuousClock.now - frozen < .seconds(4) { try await Task.sleep(for: .milliseconds(100)) }
        #expect(sandboxProcesses(ofNode: a.id, commandLine: ["/bin/sleep", short]).isEmpty, "A's short run should have ended")
        #expect(sandboxProcesses(ofNode: a.id, commandLine: ["/bin/sleep", long]).count == 1, "A's long run should still be going")
        #expect(a.exitStatus == nil)

        a.send(SIGCONT)
        let resumed = ContinuousClock.now
        // A finds its leases lost at its next renewal and kills the stale long run at once,
        // long before that run would end by itself.
        let killedStale = await eventually(within: .seconds(4)) {
            sandboxProcesses(ofNode: a.id, commandLine: ["/bin/sleep", long]).isEmpty
        }
        #expect(killedStale, "A's stale run is still alive \(ContinuousClock.now - resumed) after SIGCONT\n\(a.logTail())")
        let counted = await eventually(within: .seconds(10)) { (try? await a.counter("lease_lost")) == 2 }
        let leaseLost = (try? await a.counter("lease_lost")) ?? -1
        #expect(counted, "lease_lost of the resumed node: \(leaseLost)\n\(a.logTail())")
        #expect(try await a.counter("completed") == 0, "the frozen node must not have written a result")
        #expect(a.log.contains("lease lost"), "\(a.logTail())")

        let finished = try await queue.waitForRows(ids, within: .seconds(40)) { rows in
            rows.allSatisfy { $0.status == .completed || $0.status == .failed }
        }
        #expect(finished.held, "\(finished.rows)\n\(b.logTail())")
        for (row, seconds) in zip(finished.rows, [short, long]) {
            #expect(row.status == .completed, "\(row)")
            #expect(row.workerID == b.id, "\(row)")
            #expect(row.output == "start \(seconds)\nend \(seconds)\n", "one committed output, the new holder's: \(row)")
            #expect(row.attempts == 2, "\(row)")
        }
        #expect(try await b.counter("completed") == 2)
        #expect(try await a.counter("completed") == 0)
        #expect(a.exitStatus == nil, "the resumed node keeps running")
        #expect(try await a.get("/healthz").status == 200)
        #expect(await a.stop() == 0, "\(a.logTail())")
        #expect(await b.stop() == 0, "\(b.logTail())")
    }

    // MARK: Drain

    @Test("SIGTERM with a long enough grace: the node stops claiming, finishes its running task and exits 0",
          .timeLimit(.minutes(2)))
    func drainFinishesRunningTask() async throws {
        let database = try await TestDatabase.make()
        let queue = Queue(database)
        let a = try await NodeProcess.start(databaseURL: database.url, id: NodeProcess.uniqueID("drain"), slots: 2,
                                            ["CONTINUUM_DRAIN_GRACE": "30", "POLLING_INTERVAL": "0.2"])
        let seconds = uniqueSeconds(2)
        let running = try await queue.submit(sleeperTask(seconds: seconds))
        let started = try await queue.waitForRows([running], within: .seconds(30)) { $0.first?.status == .running }
        try #require(started.held, "\(started.rows)\n\(a.logTail())")

        a.send(SIGTERM)
        #expect(await eventually(within: .seconds(10)) { a.log.contains("draining") }, "\(a.logTail())")
        // A slot is free, but a draining node claims nothing more.
        let later = try await queue.submit(NewTask(name: "later", code: "print('late')"))
        let status = await a.waitForExit(within: .seconds(30))
        #expect(status == 0, "exit status \(String(describing: status))\n\(a.logTail())")
        let first = try #require(try await queue.row(running))
        #expect(first.status == .completed && first.workerID == a.id && first.attempts == 1, "\(first)")
        #expect(first.output == "start \(seconds)\nend \(seconds)\n", "\(first)")
        let second = try #require(try await queue.row(later))
        #expect(second.status == .pending && second.attempts == 0 && second.workerID == nil, "claimed while draining: \(second)")
        #expect(!FileManager.default.fileExists(atPath: "/run/continuum/nodes/\(a.id)"), "sandbox folder left after a clean stop")
    }

    @Test("SIGTERM with a short grace and a long task: the task is handed back, the node exits 0, another node takes it",
          .timeLimit(.minutes(2)))
    func drainHandsBackLongTask() async throws {
        let database = try await TestDatabase.make()
        let queue = Queue(database)
        let settings = ["CONTINUUM_DRAIN_GRACE": "1", "POLLING_INTERVAL": "0.2"]
        let a = try await NodeProcess.start(databaseURL: database.url, id: NodeProcess.uniqueID("handback-a"), slots: 1, settings)
        let seconds = uniqueSeconds(60)
        let id = try await queue.submit(sleeperTask(seconds: seconds))
        let started = try await queue.waitForRows([id], within: .seconds(30)) { $0.first?.status == .running }
        try #require(started.held, "\(started.rows)\n\(a.logTail())")
        #expect(await eventually(within: .seconds(10)) { sandboxProcesses(ofNode: a.id, commandLine: ["/bin/sleep", seconds]).count == 1 })

        a.send(SIGTERM)
        let status = await a.waitForExit(within: .seconds(20))
        #expect(status == 0, "exit status \(String(describing: status))\n\(a.logTail())")
        let handedBack = try #require(try await queue.row(id))
        #expect(handedBack.status == .pending, "\(handedBack)")
        #expect(handedBack.attempts == 1, "the run counted as an attempt: \(handedBack)")
        #expect(sandboxProcesses(ofNode: a.id, commandLine: ["/bin/sleep", seconds]).isEmpty, "the stopped run must be gone")
        #expect(a.log.contains("handed back"), "\(a.logTail())")

        let b = try await NodeProcess.start(databaseURL: database.url, id: NodeProcess.uniqueID("handback-b"), slots: 1, settings)
        let taken = try await queue.waitForRows([id], within: .seconds(15)) { $0.first?.status == .running && $0.first?.workerID == b.id }
        #expect(taken.held, "\(taken.rows)\n\(b.logTail())")
        #expect(taken.rows.first?.attempts == 2)
        #expect(await b.stop() == 0, "\(b.logTail())")
        #expect(try await queue.row(id)?.status == .pending)
    }

    // MARK: Database restart

    @Test("PostgreSQL restarts mid-run: the nodes survive, finish what ran and carry on with new tasks",
          .timeLimit(.minutes(3)))
    func databaseRestart() async throws {
        let pg = TestDatabase.repository.appendingPathComponent("scripts/pg").path
        let url = try await Shell.run(pg, ["start", "cluster-restart"])
        defer { Task.detached { _ = await Shell.runStatus(pg, ["stop", "cluster-restart"]) } }
        let migrated = await Shell.runStatus(Binary.path, ["migrate"], environment: ["PATH": "/usr/bin:/bin", "DATABASE_URL": url])
        try #require(migrated.0 == 0, "\(migrated.1)")
        let queue = Queue(url: url)
        try await queue.sql("DELETE FROM tasks")

        // A long polling interval: after the restart, only LISTEN (re-established) wakes the nodes quickly.
        let settings = ["POLLING_INTERVAL": "600", "CONTINUUM_LEASE_TTL": "10"]
        let a = try await NodeProcess.start(databaseURL: url, id: NodeProcess.uniqueID("pgrestart-a"), slots: 2, settings)
        let b = try await NodeProcess.start(databaseURL: url, id: NodeProcess.uniqueID("pgrestart-b"), slots: 2, settings)
        let logs = { a.logTail(30) + "\n" + b.logTail(30) }
        func batch(_ name: String, _ count: Int, sleep: Double) -> [NewTask] {
            (0..<count).map { i in
                NewTask(name: "\(name)-\(i)", code: "import time\ntime.sleep(payload['s'])\nprint(payload['i'] * 2)",
                        payloadJSON: "{\"i\": \(i), \"s\": \(sleep)}")
            }
        }
        let before = try await queue.submit(batch("before", 10, sleep: 0))
        let warm = try await queue.waitForRows(before, within: .seconds(30)) { $0.allSatisfy { $0.status == .completed } }
        try #require(warm.held, "\(warm.rows)\n\(logs())")

        // Tasks in flight while the server goes away and comes back.
        let during = try await queue.submit(batch("during", 4, sleep: 1.5))
        _ = try await queue.waitForRows(during, within: .seconds(10)) { $0.contains { $0.status == .running } }
        let restarted = await Shell.runStatus(pg, ["restart", "cluster-restart"])
        try #require(restarted.0 == 0, "pg restart: \(restarted.1)")

        #expect(a.exitStatus == nil && b.exitStatus == nil, "a node died with the database\n\(logs())")
        let after = try await queue.submit(batch("after", 20, sleep: 0))
        let finished = try await queue.waitForRows(during + after, within: .seconds(60)) { rows in
            rows.allSatisfy { $0.status == .completed || $0.status == .failed }
        }
        #expect(finished.held, "\(finished.rows.filter { $0.status != .completed })\n\(logs())")
        for (index, row) in finished.rows.enumerated() {
            let i = index < during.count ? index : index - during.count
            #expect(row.status == .completed && row.output == "\(i * 2)\n", "\(row)")
        }
        // The runs that straddled the restart wrote their results once (retried writes, or a rerun after expiry).
        #expect(finished.rows.allSatisfy { $0.attempts >= 1 && $0.attempts <= 2 }, "\(finished.rows)")
        #expect(try await a.get("/healthz").status == 200)
        #expect(try await b.get("/healthz").status == 200)
        #expect(await a.stop() == 0, "\(a.logTail())")
        #expect(await b.stop() == 0, "\(b.logTail())")
        _ = await Shell.runStatus(pg, ["stop", "cluster-restart"])
    }

    // MARK: The Go version's database, and payloads as submitted

    @Test("on an upgraded Go database: continuum submit (direct, --payload-file, --url) keeps the payload's exponents and key order, a NULL payload is None, a 'processing' row reruns",
          .timeLimit(.minutes(3)))
    func payloadsOnUpgradedGoDatabase() async throws {
        let database = try await GoSchema.database()
        let queue = Queue(database)
        let environment = Binary.environment(database: database)
        // Go-era rows: one inserted naming no payload (NULL), one a Go worker left 'processing'.
        let nullCode = """
            import json, sys
            with open(sys.argv[1]) as f:
                text = f.read()
            print(json.dumps({"none": payload is None, "file": text}))
            """
        let goRow = try await GoSchema.insertTask(codeID: try await GoSchema.insertCode(nullCode, into: database), payload: nil, into: database)
        let abandoned = try await GoSchema.insertTask(
            codeID: try await GoSchema.insertCode("print('again')", into: database), into: database)
        try await GoSchema.markProcessing(abandoned, worker: "go-worker-1", in: database)
        let migrated = await Shell.runStatus(Binary.path, ["migrate"], environment: environment)
        try #require(migrated.0 == 0, "\(migrated.1)")

        let exact = #"{"huge": 1.7976931348623157e308, "b": 1, "a": 1e20}"#
        let code = """
            import sys
            print(type(payload["huge"]).__name__, type(payload["a"]).__name__, list(payload), payload["huge"] == 1.7976931348623157e308)
            with open(sys.argv[1]) as f:
                print(f.read())
            """
        let typesLine = "float float ['huge', 'b', 'a'] True\n"
        func submitted(_ output: (Int32, String)) throws -> Int64 {
            let object = try JSONSerialization.jsonObject(with: Data(output.1.utf8)) as? [String: Any]
            return try #require((object?["id"] as? NSNumber)?.int64Value, "continuum submit exited \(output.0): \(output.1)")
        }
        let direct = try submitted(await Shell.runStatus(Binary.path, ["submit", "--code", code, "--payload", exact], environment: environment))
        let payloadFile = NSTemporaryDirectory() + "continuum-payload-\(UUID().uuidString).json"
        try Data((exact + "\n").utf8).write(to: URL(fileURLWithPath: payloadFile))
        defer { unlink(payloadFile) }
        let fromFile = try submitted(await Shell.runStatus(
            Binary.path, ["submit", "--code", code, "--payload-file", payloadFile], environment: environment))

        let node = try await NodeProcess.start(databaseURL: database.url, id: NodeProcess.uniqueID("gopayload"), slots: 1,
                                               ["CONTINUUM_LEASE_TTL": "2", "POLLING_INTERVAL": "0.2"])
        let viaHTTP = try submitted(await Shell.runStatus(
            Binary.path, ["submit", "--url", "http://127.0.0.1:\(node.port)", "--code", code, "--payload", exact], environment: environment))
        let ids = [goRow, abandoned, direct, fromFile, viaHTTP]
        let finished = try await queue.waitForRows(ids, within: .seconds(60)) { rows in
            rows.count == ids.count && rows.allSatisfy { $0.status == .completed || $0.status == .failed }
        }
        #expect(finished.held, "\(finished.rows)\n\(node.logTail())")
        let byID = Dictionary(uniqueKeysWithValues: finished.rows.map { ($0.id, $0) })
        #expect(byID[goRow]?.status == .completed && byID[goRow]?.output == #"{"none": true, "file": "null"}"# + "\n", "\(finished.rows)")
        #expect(byID[abandoned]?.status == .completed && byID[abandoned]?.output == "again\n" && byID[abandoned]?.attempts == 2,
                "the Go run counts as the first attempt: \(finished.rows)")
        #expect(byID[direct]?.output == typesLine + exact + "\n", "\(finished.rows)")
        #expect(byID[fromFile]?.output == typesLine + exact + "\n\n", "the payload file's text, its newline too: \(finished.rows)")
        #expect(byID[viaHTTP]?.output == typesLine + exact + "\n", "\(finished.rows)")
        #expect(await node.stop() == 0, "\(node.logTail())")
    }

    // MARK: Hostile scripts through the whole system

    @Test("our hostile cases (Tests/Redteam) via submit against a running single-slot node pass", .timeLimit(.minutes(6)))
    func ownHostileCasesViaSubmit() async throws {
        let harness = TestDatabase.repository.appendingPathComponent("Tests/Redteam/run.py").path
        try await hostileCasesViaSubmit(harness: harness, arguments: [])
    }

    @Test("the shared hostile cases (../shared/redteam) via submit against a running single-slot node pass",
          .enabled(if: FileManager.default.fileExists(atPath: NodeProcessTests.sharedHarness), "../shared/redteam is absent"),
          .timeLimit(.minutes(6)))
    func sharedHostileCasesViaSubmit() async throws {
        let cases = URL(fileURLWithPath: Self.sharedHarness).deletingLastPathComponent().appendingPathComponent("cases").path
        try await hostileCasesViaSubmit(harness: Self.sharedHarness, arguments: ["--cases", cases])
    }

    /// The shared folder's harness: `CONTINUUM_SHARED` (as `scripts/redteam` reads it), else
    /// beside the repository, where CI provides it.
    static let sharedHarness = (ProcessInfo.processInfo.environment["CONTINUUM_SHARED"].map { URL(fileURLWithPath: $0) }
        ?? TestDatabase.repository.deletingLastPathComponent().appendingPathComponent("shared"))
        .appendingPathComponent("redteam/run.py").path

    private func hostileCasesViaSubmit(harness: String, arguments: [String]) async throws {
        let database = try await TestDatabase.make()
        let node = try await NodeProcess.start(databaseURL: database.url, id: NodeProcess.uniqueID("redteam"), slots: 1)
        let databasePort = URLComponents(string: database.url)?.port.map(String.init) ?? "5432"
        let (status, output) = await Shell.runStatus("/usr/bin/python3", [harness, "--continuum", Binary.path, "--via", "submit"] + arguments, environment: [
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "DATABASE_URL": database.url,
            // The node's API and the database are live listeners no task may reach either.
            "REDTEAM_TCP_PORTS": "\(node.port),\(databasePort)",
        ])
        #expect(status == 0, "\(harness) --via submit exited \(status):\n\(output)\n\(node.logTail())")
        #expect(output.contains(" 0 failed"), "\(output)")
        print("hostile cases via submit (\(harness)): \(output.split(separator: "\n").last ?? "")")
        #expect(node.exitStatus == nil, "the node died during the hostile cases\n\(node.logTail())")
        #expect(try await node.get("/healthz").status == 200)
        #expect(await node.stop() == 0, "\(node.logTail())")
    }
}
