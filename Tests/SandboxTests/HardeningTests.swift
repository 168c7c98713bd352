#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
@testable import Sandbox

/// The warm pool's isolation between a task, its sandbox's runner and zygote, the next task and
/// the other sandboxes of the host (issue 11). Each test fails if the isolation it names is missing.
@Suite(.serialized, .enabled(if: canRunSandboxes, "needs root and runc"))
struct HardeningTests {
    @Test func taskProcessesLiveInTheTaskCgroupAndTheRunnerAndZygoteDoNot() async throws {
        try await withPool { pool in
            #expect(await eventually { await pool.status().warm == 1 })
            let id = try #require(await pool.warmIDs().first)
            let sandbox = try #require(await pool.warmSandbox(id) as? OCISandbox)
            let running = Task { try await pool.run(task("import os, time\nif os.fork() == 0:\n    time.sleep(5)\ntime.sleep(1.5)")) }
            #expect(await eventually { sandbox.hostPIDs.count >= 4 })
            func memoryCgroup(_ pid: pid_t) -> String {
                (Posix.readFile("/proc/\(pid)/cgroup") ?? "").split(separator: "\n").first { $0.contains(":memory:") || $0.hasPrefix("0::") }
                    .map(String.init) ?? ""
            }
            let (runner, zygote) = runnerAndZygote(of: sandbox)
            let tasks = sandbox.hostPIDs.filter { $0 != runner && $0 != zygote }
            #expect(tasks.count >= 2)
            for pid in tasks {
                #expect(memoryCgroup(pid).hasSuffix("/\(sandbox.id)/task"), "\(memoryCgroup(pid))")
                #expect(statusField("Uid", of: pid).first == "\(sandbox.identity.taskUID)")
            }
            let idle = [try #require(runner), try #require(zygote)]
            for pid in idle {
                #expect(!memoryCgroup(pid).hasSuffix("/task"), "\(memoryCgroup(pid))")
            }
            _ = try await running.value
        }
    }

    @Test func anOOMKillAtTheTaskLimitTakesATaskProcessNeverTheRunner() async throws {
        // Lowering its own oom_score_adj works where the host lacks CAP_SYS_RESOURCE; memfds count
        // against no process's RSS. With the runner in the same OOM domain it was the victim.
        let code = """
            import os
            print("before", flush=True)
            for value in ("0", "-1000"):
                try:
                    open("/proc/self/oom_score_adj", "w").write(value)
                except OSError:
                    pass
            fds = []
            while True:
                fd = os.memfd_create("hog")
                os.ftruncate(fd, 16 << 20)
                os.posix_fallocate(fd, 0, 16 << 20)
                fds.append(fd)
            """
        try await withPool({ $0.memoryMB = 96 }) { pool in
            let r = try await pool.run(task(code))
            #expect(r.errorKind == .memory, "\(r.detail ?? "")")
            #expect(r.stdout == "before\n", "the runner survived and kept the task's output")
            #expect(try await pool.run(task("print(1)")).stdout == "1\n")
        }
    }

    @Test func aZygoteKilledFromOutsideUnderATaskStillReportsTheScriptsOwnExit() async throws {
        try await withPool { pool in
            #expect(await eventually { await pool.status().warm == 1 })
            let id = try #require(await pool.warmIDs().first)
            let sandbox = try #require(await pool.warmSandbox(id) as? OCISandbox)
            let zygote = try #require(runnerAndZygote(of: sandbox).zygote)
            let running = Task { try await pool.run(task("import time\ntime.sleep(1)\nprint('done')\nraise SystemExit(4)")) }
            // The child takes the task uid only once it has its code: from then on the script runs.
            // (A zygote that dies before that takes a task that never ran: sandbox trouble, rightly.)
            let taskUID = "\(sandbox.identity.taskUID)"
            #expect(await eventually { sandbox.hostPIDs.contains { statusField("Uid", of: $0).first == taskUID } })
            kill(zygote, SIGKILL)
            let r = try await running.value
            #expect(r.errorKind == .exitCode, "\(r.detail ?? "")")
            #expect(r.exitCode == 4)
            #expect(r.stdout == "done\n")
            #expect(!sandbox.isReusable, "a sandbox without its zygote is recycled")
            #expect(try await pool.run(task("print(2)")).stdout == "2\n")
        }
    }

    @Test func sandboxesNeverShareAUidNorItsKernelCounters() async throws {
        // inotify instances are counted per uid, host-wide (fs.inotify.max_user_instances).
        let limit = Int((Posix.readFile("/proc/sys/fs/inotify/max_user_instances") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        let hog = """
            import ctypes, os, time
            libc = ctypes.CDLL(None, use_errno=True)
            fds = []
            while len(fds) < 1000 and (fd := libc.inotify_init1(0)) >= 0:
                fds.append(fd)
            print(os.getuid(), len(fds), flush=True)
            time.sleep(3)
            """
        let probe = """
            import ctypes, os, time
            time.sleep(1)
            libc = ctypes.CDLL(None, use_errno=True)
            fds = [libc.inotify_init1(0) for _ in range(8)]
            print(os.getuid(), sum(fd >= 0 for fd in fds))
            """
        try await withPool({ $0.slots = 2 }) { pool in
            #expect(await eventually { await pool.status().warm == 2 })
            async let first = pool.run(task(hog))
            async let second = pool.run(task(probe))
            let (a, b) = try await (first, second)
            let hogged = a.stdout.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
            let probed = b.stdout.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
            #expect(hogged.count == 2 && probed.count == 2, "\(a.stdout) \(a.stderr) / \(b.stdout) \(b.stderr)")
            #expect(hogged.first != probed.first, "two live sandboxes ran under one uid")
            if limit > 0 && limit < 1000 {
                #expect(hogged.last == "\(limit)", "the first task holds every inotify instance of its uid")
            }
            #expect(probed.last == "8", "the other sandbox's tasks still get theirs")
        }
    }

    @Test func aFolderChainDeeperThanPathMaxIsWipedWithoutRecyclingTheSandbox() async throws {
        let deep = """
            import os
            cur = os.open("/tmp", os.O_RDONLY)
            for i in range(20):
                name = chr(97 + i) * 250
                os.mkdir(name, dir_fd=cur)
                os.chmod(name, 0o500, dir_fd=cur) if i == 19 else None
                nxt = os.open(name, os.O_RDONLY, dir_fd=cur)
                os.close(cur)
                cur = nxt
            """
        try await withPool { pool in
            let planted = try await pool.run(task(deep))
            let next = try await pool.run(task("import os\nprint(sorted(os.listdir('/tmp')))"))
            #expect(planted.status == .completed, "\(planted.stderr)")
            #expect(next.stdout == "['main.py', 'payload.json']\n")
            #expect(await pool.status().recycled == 0, "the wipe failed, so the sandbox was recycled")
        }
    }
}
