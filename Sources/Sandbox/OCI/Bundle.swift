import Foundation

/// Builds a sandbox's OCI bundle configuration. Pure: the same inputs give the same config.json.
struct BundleBuilder {
    var configuration: SandboxConfiguration
    /// The root filesystem folder (the composed one, or `CONTAINER_IMAGE`).
    var rootPath: String
    /// Host paths bind-mounted read-only at the same place (`/usr`, and `/lib*`, `/bin`, `/sbin` when they
    /// are real folders rather than symbolic links into `/usr`). Empty for an image root.
    var hostBinds: [String]
    /// Host path of runner.py, mounted read-only at `runnerPath`.
    var runnerHostPath: String
    /// `linux.cgroupsPath`.
    var cgroupsPath: String
    /// The sandbox's leased uids.
    var identity: SandboxIdentity

    static let python = "/usr/bin/python3"
    static let runnerPath = "/continuum/runner.py"
    /// What runner.py needs to empty the bounding set, and what its zygote keeps to start each task
    /// child as the task uid. The runner drops them all before the first task, the zygote keeps
    /// CAP_SETUID and CAP_SETGID, and tasks have no capability at all.
    static let runnerCapabilities = ["CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID"]
    /// Memory the runner and the zygote may use beside the task's own limit. The task cgroup gets
    /// `CONTAINER_MEMORY_MB`; the sandbox's cgroup, which holds it and the runner, gets this much more,
    /// so the task reaches its limit (and its own OOM kill) long before the runner could.
    static let runnerReserveMB = 64
    /// The share of the task's memory that cgroup v1 lets its TCP socket buffers take, under a limit
    /// of their own (v1 charges them only so); v2 counts them inside the memory limit.
    static let socketBufferShare: Int64 = 4

    /// The limits the node writes into the sandbox's cgroups itself (see `CgroupHierarchy.makeTaskCgroup`).
    static func taskCgroupLimits(_ c: SandboxConfiguration) -> TaskCgroupLimits {
        let mib: Int64 = 1 << 20, task = Int64(c.memoryMB) * mib
        return TaskCgroupLimits(taskMemoryBytes: task, socketBufferBytes: task / socketBufferShare,
                                sandboxMemoryBytes: task + Int64(runnerReserveMB) * mib, pids: Int64(c.pidsLimit),
                                cpuQuota: Int64((c.cpuLimit * Double(cpuPeriod)).rounded()), cpuPeriod: cpuPeriod)
    }

    static let cpuPeriod: UInt64 = 100_000
    static let maskedPaths = [
        "/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/sched_debug", "/proc/scsi", "/proc/timer_list", "/proc/timer_stats", "/sys/firmware",
        "/sys/devices/virtual/powercap", "/proc/sys/kernel/random/boot_id", "/proc/cmdline", "/proc/key-users",
    ]
    /// Kernel parameters of the sandbox's network namespace: no TIME_WAIT entries, so a task never
    /// sees the connections of the tasks before it (the namespace has only `lo`).
    static let sysctl = ["net.ipv4.tcp_max_tw_buckets": "0"]
    static let readonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]

    func spec() -> OCISpec {
        let c = configuration
        let mib: Int64 = 1 << 20
        let ro = ["bind", "ro", "nosuid", "nodev"]
        var mounts: [OCISpec.Mount] = [
            // hidepid: tasks see only their own processes; the runner's gid sees all, to check that none is left.
            .init(destination: "/proc", type: "proc", source: "proc",
                  options: ["nosuid", "noexec", "nodev", "hidepid=2", "gid=\(identity.runnerUID)"]),
            .init(destination: "/dev", type: "tmpfs", source: "tmpfs",
                  options: ["nosuid", "noexec", "strictatime", "mode=755", "size=1m"]),
            .init(destination: "/dev/shm", type: "tmpfs", source: "shm",
                  options: ["nosuid", "noexec", "nodev", "mode=1777", "size=\(c.shmMB)m"]),
            .init(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
            .init(destination: "/tmp", type: "tmpfs", source: "tmpfs",
                  options: ["nosuid", "nodev", "mode=1777", "size=\(c.scratchMB)m"]),
        ]
        mounts += hostBinds.map { .init(destination: $0, type: "bind", source: $0, options: ro) }
        mounts.append(.init(destination: Self.runnerPath, type: "bind", source: runnerHostPath, options: ro))

        let limits = Self.taskCgroupLimits(c)
        let fileSizeLimit = UInt64(max(c.scratchMB, c.shmMB) + 16) * UInt64(mib)
        return OCISpec(
            process: .init(
                user: .init(uid: identity.runnerUID, gid: identity.runnerUID, additionalGids: nil),
                args: [Self.python, "-I", "-S", Self.runnerPath, "\(identity.taskUID)", "\(identity.taskUID)"],
                env: ["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp", "TMPDIR=/tmp", "LANG=C.UTF-8",
                      "USER=sandbox", "LOGNAME=sandbox", "PYTHONDONTWRITEBYTECODE=1"],
                cwd: "/tmp",
                capabilities: .init(bounding: Self.runnerCapabilities, effective: Self.runnerCapabilities,
                                    inheritable: Self.runnerCapabilities, permitted: Self.runnerCapabilities,
                                    ambient: Self.runnerCapabilities),
                rlimits: [
                    .init(type: "RLIMIT_NOFILE", hard: 1024, soft: 1024),
                    .init(type: "RLIMIT_FSIZE", hard: fileSizeLimit, soft: fileSizeLimit),
                    .init(type: "RLIMIT_CORE", hard: 0, soft: 0),
                ],
                noNewPrivileges: true,
                oomScoreAdj: 0),
            root: .init(path: rootPath, readonly: true),
            hostname: "sandbox",
            mounts: mounts,
            linux: .init(
                namespaces: ["pid", "network", "ipc", "uts", "mount", "cgroup"].map { .init(type: $0) },
                cgroupsPath: cgroupsPath,
                resources: .init(
                    devices: [.init(allow: false, access: "rwm")],
                    memory: .init(limit: limits.sandboxMemoryBytes, swap: limits.sandboxMemoryBytes),
                    cpu: .init(quota: limits.cpuQuota, period: limits.cpuPeriod),
                    pids: .init(limit: limits.pids)),
                seccomp: SeccompProfile.make(),
                sysctl: Self.sysctl,
                maskedPaths: Self.maskedPaths,
                readonlyPaths: Self.readonlyPaths))
    }

    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(spec())
    }
}
