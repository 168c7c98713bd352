#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
@testable import Sandbox

@Suite(.serialized, .enabled(if: canRunSandboxes, "needs root and runc"))
struct PoolTests {
    @Test func sameSandboxServesTwoTasksAndNothingLeaks() async throws {
        let plant = """
            import os, time, ctypes
            open("/tmp/secret", "w").write("from task one")
            open("/dev/shm/secret", "w").write("from task one")
            os.makedirs("/tmp/locked/deeper")
            os.chmod("/tmp/locked/deeper", 0)
            os.chmod("/tmp/locked", 0)
            libc = ctypes.CDLL(None)
            shm = libc.shmget(0x1234, 4096, 0o1600)  # IPC_CREAT | 0600
            print("shm", shm)
            if os.fork() == 0:
                os.setsid()
                time.sleep(60)
                os._exit(0)
            """
        let look = """
            import os
            mine = {os.getpid(), os.getppid(), 1}
            others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in mine]
            shm = open("/proc/sysvipc/shm").read().splitlines()[1:]
            print(sorted(os.listdir("/tmp")), os.listdir("/dev/shm"), others, shm)
            """
        try await withPool { pool in
            let first = try await pool.run(task(plant))
            #expect(first.status == .completed, "\(first.stderr)")
            #expect(!first.stdout.contains("shm -1"))
            let second = try await pool.run(task(look))
            #expect(second.stdout == "['main.py', 'payload.json'] [] [] []\n", "\(second.stderr)")
            let status = await pool.status()
            #expect(status.started == 1)
            #expect(status.recycled == 0)
        }
    }

    @Test func recycledAfterMaxTasks() async throws {
        try await withPool({ $0.maxTasksPerSandbox = 2 }) { pool in
            for _ in 0..<3 {
                let r = try await pool.run(task("print(1)"))
                #expect(r.status == .completed)
            }
            let status = await pool.status()
            #expect(status.recycled == 1)
            #expect(status.started >= 2)
        }
    }

    @Test func strictModeGivesEveryTaskAFreshSandbox() async throws {
        try await withPool({ $0.strict = true }) { pool in
            for _ in 0..<3 {
                let r = try await pool.run(task("print(1)"))
                #expect(r.status == .completed)
            }
            let status = await pool.status()
            #expect(status.recycled == 3)
            #expect(status.started >= 3)
        }
    }

    @Test func idleSandboxesAreReapedAndTheNextTaskStillRuns() async throws {
        try await withPool({ $0.idleTimeout = .milliseconds(300) }) { pool in
            #expect(await eventually { await pool.status().warm == 1 })
            #expect(await eventually { let s = await pool.status(); return s.reaped >= 1 && s.warm == 0 && s.starting == 0 })
            let r = try await pool.run(task("print('back')"))
            #expect(r.stdout == "back\n")
        }
    }

    @Test func aBusySandboxIsNeverReaped() async throws {
        try await withPool({ $0.idleTimeout = .milliseconds(200) }) { pool in
            let r = try await pool.run(task("import time; time.sleep(1.5); print('done')"))
            #expect(r.status == .completed)
            #expect(r.stdout == "done\n")
        }
    }

    @Test func runnerKilledFromOutsideIsReplaced() async throws {
        try await withPool { pool in
            #expect(await eventually { await pool.status().warm == 1 })
            let id = try #require(await pool.warmIDs().first)
            let sandbox = try #require(await pool.warmSandbox(id) as? OCISandbox)
            kill(try #require(runnerAndZygote(of: sandbox).runner), SIGKILL)
            #expect(await eventually { await pool.status().crashed == 1 })
            #expect(await eventually { await pool.warmIDs().first.map { $0 != id } ?? false })
            #expect(try await pool.run(task("print(2)")).stdout == "2\n")
        }
    }

    @Test func runtimeKilledUnderARunningTaskFailsItAsSandboxTroubleAndLeavesNothing() async throws {
        try await withPool { pool in
            #expect(await eventually { await pool.status().warm == 1 })
            let id = try #require(await pool.warmIDs().first)
            let sandbox = try #require(await pool.warmSandbox(id) as? OCISandbox)
            let running = Task { try await pool.run(task("import time; time.sleep(20); print('late')")) }
            try await Task.sleep(for: .milliseconds(500))
            let killed = ContinuousClock.now
            kill(sandbox.runtimePID, SIGKILL)
            let result = try await running.value
            #expect(result.status == .failed)
            #expect(result.errorKind == .sandbox)
            #expect(result.detail?.contains("runtime process died") == true, "\(result.detail ?? "-") \(result)")
            #expect(seconds(ContinuousClock.now - killed) < 10)
            let stateDir = SandboxConfiguration(nodeID: "x").stateRoot + "/" + id
            #expect(await eventually { !FileManager.default.fileExists(atPath: stateDir) }, "\(stateDir) is left")
            #expect(await eventually { Cgroups.detect().sandboxIDs(prefix: id).isEmpty }, "the cgroups of \(id) are left")
            #expect(try await pool.run(task("print(4)")).stdout == "4\n")
        }
    }

    @Test func cancellingARunKillsItsSandbox() async throws {
        try await withPool { pool in
            let running = Task { try await pool.run(task("import time; time.sleep(60)", timeout: .seconds(120))) }
            try await Task.sleep(for: .milliseconds(500))
            let started = ContinuousClock.now
            running.cancel()
            await #expect(throws: CancellationError.self) { try await running.value }
            #expect(seconds(ContinuousClock.now - started) < 10)
            #expect(await pool.status().busy == 0)
            #expect(try await pool.run(task("print(3)")).stdout == "3\n")
        }
    }

    @Test func leftoversOfACrashedNodeAreRemovedAtStart() async throws {
        let ghostConfig = testConfiguration { $0.nodeID = "ghost\(getpid())" }
        let ghost = try await OCIBackend(configuration: ghostConfig, logger: testLogger)
        try await ghost.prepare()
        let sandbox = try await ghost.startSandbox(slot: 0) { _ in }
        let nodeDir = ghost.nodeDir, sharedDir = ghost.sharedDir
        #expect(FileManager.default.fileExists(atPath: sharedDir + "/runner.py"))
        let stateDir = ghostConfig.stateRoot + "/" + sandbox.id
        #expect(FileManager.default.fileExists(atPath: stateDir))
        #expect(ghost.cgroups.sandboxIDs(prefix: ghostConfig.containerPrefix + "-") == [sandbox.id])
        ghost.releaseLockAsIfCrashed()

        try await withPool { _ in
            #expect(!FileManager.default.fileExists(atPath: stateDir))
            #expect(!FileManager.default.fileExists(atPath: nodeDir))
            #expect(!FileManager.default.fileExists(atPath: sharedDir))
            #expect(ghost.cgroups.sandboxIDs(prefix: ghostConfig.containerPrefix + "-").isEmpty)
        }
        #expect(await eventually { !sandbox.isReusable })
        await sandbox.terminate()
    }

    @Test func aLiveNodeIDCannotBeTakenTwice() async throws {
        let config = testConfiguration()
        let first = try await SandboxPool(configuration: config, logger: testLogger)
        try await first.start()
        let second = try await SandboxPool(configuration: config, logger: testLogger)
        await #expect(throws: SandboxError.nodeIDInUse(config.nodeID)) { try await second.start() }
        await first.shutdown()
    }

    @Test func shutdownRemovesEverything() async throws {
        let config = testConfiguration { $0.slots = 2 }
        let pool = try await SandboxPool(configuration: config, logger: testLogger)
        try await pool.start()
        #expect(await eventually { await pool.status().warm == 2 })
        await pool.shutdown()
        let states = (try? FileManager.default.contentsOfDirectory(atPath: config.stateRoot)) ?? []
        #expect(!states.contains { $0.hasPrefix(config.containerPrefix + "-") })
        #expect(!FileManager.default.fileExists(atPath: config.workRoot + "/nodes/" + config.containerPrefix))
        #expect(Cgroups.detect().sandboxIDs(prefix: config.containerPrefix + "-").isEmpty)
        await #expect(throws: SandboxError.shutDown) { try await pool.run(task("print(1)")) }
    }

    @Test func twoSlotsRunTwoTasksAtOnce() async throws {
        try await withPool({ $0.slots = 2 }) { pool in
            async let a = pool.run(task("import time; time.sleep(1); print('a')"))
            async let b = pool.run(task("import time; time.sleep(1); print('b')"))
            let (ra, rb) = try await (a, b)
            #expect(ra.stdout == "a\n" && rb.stdout == "b\n")
            #expect(await pool.status().started == 2)
        }
    }
}
