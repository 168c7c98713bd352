import Foundation
import Testing
@testable import Sandbox

@Suite struct BundleTests {
    func builder(_ change: (inout SandboxConfiguration) -> Void = { _ in }) -> BundleBuilder {
        var c = SandboxConfiguration(nodeID: "n")
        change(&c)
        return BundleBuilder(configuration: c, rootPath: "/run/continuum/nodes/n/rootfs", hostBinds: ["/usr"],
                             runnerHostPath: "/run/continuum/nodes/n/runner.py", cgroupsPath: "continuum/n-0-x",
                             identity: SandboxIdentity(base: c.uidBase, pair: 0))
    }

    @Test func processIsUnprivileged() {
        let p = builder().spec().process
        #expect(p.user.uid == 10000 && p.user.uid != 0)
        #expect(p.noNewPrivileges)
        #expect(!p.terminal)
        #expect(p.args == ["/usr/bin/python3", "-I", "-S", "/continuum/runner.py", "10001", "10001"])
        // the runner's only capabilities, which it drops before the first task
        #expect(Set(p.capabilities.permitted) == ["CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP"])
        #expect(Set(p.capabilities.bounding) == Set(p.capabilities.permitted))
        #expect(!p.env.contains { $0.hasPrefix("DB_") || $0.contains("TOKEN") || $0.contains("KEY") })
        let limits = Dictionary(uniqueKeysWithValues: p.rlimits.map { ($0.type, $0.hard) })
        #expect(limits["RLIMIT_CORE"] == 0)
        #expect(limits["RLIMIT_NOFILE"] == 1024)
        #expect(limits["RLIMIT_FSIZE"].map { $0 > 256 << 20 && $0 < 1 << 30 } == true)
    }

    @Test func rootIsReadOnlyAndScratchIsCapped() {
        let s = builder { $0.scratchMB = 32; $0.shmMB = 8 }.spec()
        #expect(s.root.readonly)
        let tmp = s.mounts.first { $0.destination == "/tmp" }
        #expect(tmp?.type == "tmpfs")
        #expect(tmp?.options.contains("size=32m") == true)
        #expect(tmp?.options.contains("nosuid") == true && tmp?.options.contains("nodev") == true)
        let shm = s.mounts.first { $0.destination == "/dev/shm" }
        #expect(shm?.options.contains("size=8m") == true)
        for bind in s.mounts where bind.type == "bind" {
            #expect(bind.options.contains("ro") && bind.options.contains("nosuid"), "\(bind.destination)")
        }
        #expect(s.mounts.contains { $0.destination == "/continuum/runner.py" && $0.source.hasSuffix("runner.py") })
        #expect(!s.mounts.contains { $0.destination == "/sys" })
    }

    @Test func namespacesAndMaskedPaths() {
        let l = builder().spec().linux
        #expect(Set(l.namespaces.map(\.type)) == ["pid", "network", "ipc", "uts", "mount", "cgroup"])
        #expect(!l.namespaces.contains { $0.type == "user" })
        #expect(l.maskedPaths.contains("/proc/kcore") && l.maskedPaths.contains("/proc/keys"))
        #expect(l.readonlyPaths.contains("/proc/sys") && l.readonlyPaths.contains("/proc/sysrq-trigger"))
        #expect(l.cgroupsPath == "continuum/n-0-x")
    }

    @Test func cgroupLimits() {
        let r = builder { $0.memoryMB = 300; $0.cpuLimit = 0.5; $0.pidsLimit = 64 }.spec().linux.resources
        // The sandbox's cgroup holds the runner's reserve on top of the task's limit (the task cgroup's).
        #expect(r.memory.limit == Int64(300 + BundleBuilder.runnerReserveMB) << 20)
        #expect(r.memory.swap == r.memory.limit)
        let task = BundleBuilder.taskCgroupLimits(builder { $0.memoryMB = 300; $0.cpuLimit = 0.5; $0.pidsLimit = 64 }.configuration)
        #expect(task == TaskCgroupLimits(taskMemoryBytes: 300 << 20, socketBufferBytes: 75 << 20,
                                         sandboxMemoryBytes: r.memory.limit, pids: 64, cpuQuota: 50_000, cpuPeriod: 100_000))
        #expect(r.cpu.quota == 50_000 && r.cpu.period == 100_000)
        #expect(r.pids.limit == 64)
        #expect(r.devices == [.init(allow: false, access: "rwm")])
    }

    @Test func seccompDeniesByDefaultAndNeverAllowsDangerousCalls() {
        let seccomp = SeccompProfile.make()
        #expect(seccomp.defaultAction == "SCMP_ACT_ERRNO")
        #expect(seccomp.defaultErrnoRet == 1)
        let unconditional = Set(seccomp.syscalls.filter { $0.action == "SCMP_ACT_ALLOW" && $0.args == nil }.flatMap(\.names))
        for name in ["io_uring_setup", "io_uring_enter", "userfaultfd", "keyctl", "add_key", "request_key", "bpf",
                     "perf_event_open", "unshare", "setns", "mount", "umount2", "fsopen", "fsmount", "move_mount",
                     "open_tree", "ptrace", "process_vm_readv", "process_vm_writev", "kexec_load", "init_module",
                     "finit_module", "pivot_root", "clone", "clone3", "socket", "personality"] {
            #expect(!unconditional.contains(name), "\(name) must not be allowed unconditionally")
        }
        #expect(unconditional.isDisjoint(with: SeccompProfile.denied))
        #expect(unconditional.contains("read") && unconditional.contains("execve") && unconditional.contains("fork"))
    }

    @Test func cloneOnlyWithoutNamespaceFlagsAndClone3SaysENOSYS() {
        let rules = SeccompProfile.make().syscalls
        let clone = rules.filter { $0.names == ["clone"] }
        #expect(clone.count == 1)
        let arg = clone[0].args?.first
        #expect(arg?.op == "SCMP_CMP_MASKED_EQ")
        #expect(arg?.value == 0x7E02_0000)
        #expect(arg?.valueTwo == 0)
        let clone3 = rules.first { $0.names == ["clone3"] }
        #expect(clone3?.action == "SCMP_ACT_ERRNO" && clone3?.errnoRet == 38)
    }

    /// The conditions of every rule that allows `name`, each as a set of (argument, value) pairs.
    func allowances(_ name: String) -> [Set<String>] {
        SeccompProfile.make().syscalls.filter { $0.action == "SCMP_ACT_ALLOW" && $0.names.contains(name) }.map { rule in
            Set((rule.args ?? []).map { "\($0.index)\($0.op == "SCMP_CMP_EQ" ? "=" : "&\($0.value)=")\($0.op == "SCMP_CMP_EQ" ? $0.value : $0.valueTwo ?? 0)" })
        }
    }

    @Test func socketsOnlyForUnixTCPUDPAndNetlinkRouting() {
        #expect(allowances("socketpair") == [["0=1"]])
        let socket = Set(allowances("socket"))
        #expect(socket.contains(["0=1"]))
        #expect(socket.contains(["0=16", "2=0"]))
        for family in [2, 10] {
            for type in [1, 2] {
                for proto in [0, 6, 17] { #expect(socket.contains(["0=\(family)", "1&15=\(type)", "2=\(proto)"])) }
            }
        }
        #expect(socket.count == 2 + 2 * 2 * 3)
        #expect(socket.allSatisfy { !$0.isEmpty })
    }

    @Test func limitsSchedulingAndIOClassOnlyForTheCallerItself() {
        for name in ["prlimit64", "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler"] {
            #expect(allowances(name) == [["0=0"]], "\(name)")
        }
        #expect(allowances("setpriority") == [["0=0", "1=0"]])
        #expect(allowances("ioprio_set") == [["0=1", "1=0"]])
    }

    @Test func noProbeOfOtherProcessesCPUClocksNorOfThePageCache() {
        for name in SeccompProfile.clockCalls { #expect(allowances(name).count == 1, "\(name)") }
        let clock = SeccompProfile.make().syscalls.first { $0.names.contains("clock_gettime") }?.args
        #expect(clock == [.init(index: 0, value: 16, op: "SCMP_CMP_LT")])
        #expect(allowances("preadv2") == [["5&8=0"]] && allowances("pwritev2") == [["5&8=0"]])
        let fadvise = SeccompProfile.make().syscalls.first { $0.names.contains("fadvise64") }?.args
        #expect(fadvise == [.init(index: 3, value: 4, op: "SCMP_CMP_NE")])
        let madvise = SeccompProfile.make().syscalls.first { $0.names.contains("madvise") }?.args
        #expect(madvise?.map(\.value) == [20, 21] && madvise?.allSatisfy { $0.op == "SCMP_CMP_NE" } == true)
    }

    @Test func procHidesOtherUsersProcessesButNotFromTheRunnersGroup() {
        let proc = builder().spec().mounts.first { $0.destination == "/proc" }
        #expect(proc?.options.contains("hidepid=2") == true)
        #expect(proc?.options.contains("gid=10000") == true)
        #expect(builder().spec().linux.sysctl == ["net.ipv4.tcp_max_tw_buckets": "0"])
        for path in ["/proc/sys/kernel/random/boot_id", "/proc/cmdline", "/proc/key-users"] {
            #expect(builder().spec().linux.maskedPaths.contains(path), "\(path)")
        }
    }

    @Test func jsonUsesSpecFieldNames() throws {
        let text = String(decoding: try builder().json(), as: UTF8.self)
        for key in ["\"ociVersion\"", "\"noNewPrivileges\":true", "\"cgroupsPath\"", "\"defaultErrnoRet\"",
                    "\"maskedPaths\"", "\"readonlyPaths\"", "\"rlimits\"", "\"valueTwo\""] {
            #expect(text.contains(key), "\(key)")
        }
        #expect(try builder().json() == builder().json())
    }

    @Test func imageRootHasNoHostBinds() {
        var b = builder { $0.image = "/srv/rootfs" }
        b.rootPath = "/srv/rootfs"
        b.hostBinds = []
        let s = b.spec()
        #expect(s.root.path == "/srv/rootfs")
        #expect(!s.mounts.contains { $0.destination == "/usr" })
    }

    @Test func everyLeasedPairRunsUnderItsOwnUids() {
        let b = builder { $0.uidBase = 20000 }
        var other = b
        other.identity = SandboxIdentity(base: 20000, pair: 7)
        #expect(other.identity == SandboxIdentity(runnerUID: 20014, taskUID: 20015))
        let p = other.spec().process
        #expect(p.user.uid == 20014 && p.user.gid == 20014)
        #expect(p.args.suffix(2) == ["20015", "20015"])
        #expect(other.spec().mounts.first { $0.destination == "/proc" }?.options.contains("gid=20014") == true)
        #expect(b.spec().process.user.uid == 20000)
    }

    @Test func etcHasTheSandboxUsersAndNoShadow() {
        let files = Dictionary(uniqueKeysWithValues: Rootfs.etcFiles(SandboxConfiguration(nodeID: "n")))
        #expect(files["passwd"]?.contains("sandbox:x:10001:10001") == true)
        #expect(files["passwd"]?.contains("runner:x:10000:10000") == true)
        // the last pair of the default 512
        #expect(files["passwd"]?.contains("sandbox:x:11023:11023:sandbox:/tmp:") == true)
        #expect(files["group"]?.contains("runner:x:11022:") == true)
        #expect(files["shadow"] == nil)
    }

    @Test func requestFrameLayout() throws {
        let task = TaskSpec(id: "t1", code: "print(1)", payloadJSON: "{\"a\":\"é\"}", timeout: .seconds(1))
        let frame = OCISandbox.request(for: task, configuration: SandboxConfiguration(nodeID: "n"))
        let size = Int(frame[0]) << 24 | Int(frame[1]) << 16 | Int(frame[2]) << 8 | Int(frame[3])
        let header = try JSONSerialization.jsonObject(with: Data(frame[4..<(4 + size)])) as? [String: Any]
        #expect(header?["op"] as? String == "run")
        #expect(header?["code"] as? Int == 8)
        #expect(header?["payload"] as? Int == Array(task.payloadJSON.utf8).count)
        #expect(Array(frame[(4 + size)...]) == Array("print(1)".utf8) + Array(task.payloadJSON.utf8))
    }
}
