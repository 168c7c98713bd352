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

    static let python = "/usr/bin/python3"
    static let runnerPath = "/continuum/runner.py"
    /// What runner.py needs to empty the bounding set and start the zygote as the task uid; it drops
    /// them all before the first task. Tasks have no capability at all.
    static let runnerCapabilities = ["CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID"]
    static let maskedPaths = [
        "/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/sched_debug", "/proc/scsi", "/proc/timer_list", "/proc/timer_stats", "/sys/firmware",
        "/sys/devices/virtual/powercap",
    ]
    static let readonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]

    func spec() -> OCISpec {
        let c = configuration
        let mib: Int64 = 1 << 20
        let ro = ["bind", "ro", "nosuid", "nodev"]
        var mounts: [OCISpec.Mount] = [
            .init(destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"]),
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

        let quotaPeriod: UInt64 = 100_000
        let fileSizeLimit = UInt64(max(c.scratchMB, c.shmMB) + 16) * UInt64(mib)
        return OCISpec(
            process: .init(
                user: .init(uid: c.runnerUID, gid: c.runnerUID, additionalGids: nil),
                args: [Self.python, "-I", "-S", Self.runnerPath, "\(c.uid)", "\(c.gid)"],
                env: ["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp", "TMPDIR=/tmp", "LANG=C.UTF-8",
                      "PYTHONDONTWRITEBYTECODE=1"],
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
                    memory: .init(limit: Int64(c.memoryMB) * mib, swap: Int64(c.memoryMB) * mib),
                    cpu: .init(quota: Int64((c.cpuLimit * Double(quotaPeriod)).rounded()), period: quotaPeriod),
                    pids: .init(limit: Int64(c.pidsLimit))),
                seccomp: SeccompProfile.make(),
                maskedPaths: Self.maskedPaths,
                readonlyPaths: Self.readonlyPaths))
    }

    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(spec())
    }
}
