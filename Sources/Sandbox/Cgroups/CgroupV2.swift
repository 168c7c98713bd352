#if canImport(Glibc)
import Glibc
#endif

/// cgroups v2 (a unified hierarchy). Sandboxes go under `/<cgroupFolder>/` at the root of the
/// hierarchy rather than under the node's own cgroup: v2 forbids processes in a cgroup whose
/// children have controllers enabled, and the node itself lives in its cgroup. For the same
/// reason a sandbox is `<id>` with two leaves: `<id>/runner`, the runtime's cgroup (runner and
/// zygote), and `<id>/task` (every task process). The node sets the sandbox's totals on `<id>`.
struct CgroupV2: CgroupHierarchy {
    var mount: String
    static let controllers = ["+memory", "+pids", "+cpu"]

    func cgroupsPath(for id: String) -> String { "/\(cgroupFolder)/\(id)/\(runnerCgroupName)" }

    private func dir(_ id: String) -> String { "\(mount)/\(cgroupFolder)/\(id)" }

    private func leaves(_ id: String) -> [String] { [runnerCgroupName, taskCgroupName].map { "\(dir(id))/\($0)" } }

    func makeTaskCgroup(id: String, limits: TaskCgroupLimits) throws -> String {
        let sandbox = dir(id), task = sandbox + "/" + taskCgroupName
        try Cgroups.makeFolder(task)
        // Controllers go down one level at a time: the root, the continuum folder, the sandbox.
        for parent in [mount, "\(mount)/\(cgroupFolder)", sandbox] {
            for controller in Self.controllers { try? Posix.writeFile(parent + "/cgroup.subtree_control", controller) }
        }
        try Cgroups.write(sandbox + "/memory.max", "\(limits.sandboxMemoryBytes)")
        try Cgroups.write(sandbox + "/memory.swap.max", "0")
        try Cgroups.write(sandbox + "/pids.max", "\(limits.pids)")
        try Cgroups.write(sandbox + "/cpu.max", "\(limits.cpuQuota) \(limits.cpuPeriod)")
        try Cgroups.write(task + "/memory.max", "\(limits.taskMemoryBytes)")
        try Cgroups.write(task + "/memory.swap.max", "0")
        return task + "/cgroup.procs"
    }

    func killAll(id: String) throws {
        let d = dir(id)
        guard access(d, F_OK) == 0 else { return }
        let procs = leaves(id).map { $0 + "/cgroup.procs" }
        if (try? Posix.writeFile(d + "/cgroup.kill", "1")) == nil {
            try? Posix.writeFile(d + "/cgroup.freeze", "1")
            for pid in procs.flatMap({ Cgroups.parsePids(Posix.readFile($0) ?? "") }) { kill(pid, SIGKILL) }
            try? Posix.writeFile(d + "/cgroup.freeze", "0")
        }
        _ = Cgroups.killListed(procsFiles: procs)
    }

    func oomKills(id: String) -> Int? {
        guard let text = Posix.readFile(dir(id) + "/memory.events") else { return nil }
        return Cgroups.counter("oom_kill", in: text)
    }

    func pids(id: String) -> [pid_t] {
        leaves(id).flatMap { Cgroups.parsePids(Posix.readFile($0 + "/cgroup.procs") ?? "") }
    }

    func taskCount(id: String) -> Int? {
        Cgroups.integer(Posix.readFile(dir(id) + "/pids.current"))
    }

    func sandboxIDs(prefix: String) -> [String] {
        Cgroups.subfolders("\(mount)/\(cgroupFolder)").filter { $0.hasPrefix(prefix) }.sorted()
    }

    func remove(id: String) {
        for leaf in leaves(id) { rmdir(leaf) }
        rmdir(dir(id))
    }
}
