#if canImport(Glibc)
import Glibc
#endif

/// cgroups v2 (a unified hierarchy). Sandboxes go under `/<cgroupFolder>/` at the root of the
/// hierarchy rather than under the node's own cgroup: v2 forbids processes in a cgroup whose
/// children have controllers enabled, and the node itself lives in its cgroup.
struct CgroupV2: CgroupHierarchy {
    var mount: String

    func cgroupsPath(for id: String) -> String { "/\(cgroupFolder)/\(id)" }

    private func dir(_ id: String) -> String { "\(mount)/\(cgroupFolder)/\(id)" }

    func killAll(id: String) throws {
        let d = dir(id)
        guard access(d, F_OK) == 0 else { return }
        if (try? Posix.writeFile(d + "/cgroup.kill", "1")) == nil {
            try? Posix.writeFile(d + "/cgroup.freeze", "1")
            for pid in Cgroups.parsePids(Posix.readFile(d + "/cgroup.procs") ?? "") { kill(pid, SIGKILL) }
            try? Posix.writeFile(d + "/cgroup.freeze", "0")
        }
        _ = Cgroups.killListed(procsFile: d + "/cgroup.procs")
    }

    func oomKills(id: String) -> Int? {
        guard let text = Posix.readFile(dir(id) + "/memory.events") else { return nil }
        return Cgroups.counter("oom_kill", in: text)
    }

    func pids(id: String) -> [pid_t] {
        Cgroups.parsePids(Posix.readFile(dir(id) + "/cgroup.procs") ?? "")
    }

    func sandboxIDs(prefix: String) -> [String] {
        Cgroups.subfolders("\(mount)/\(cgroupFolder)").filter { $0.hasPrefix(prefix) }.sorted()
    }

    func remove(id: String) {
        rmdir(dir(id))
    }
}
