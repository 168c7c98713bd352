#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// cgroups v1 (and the hybrid layout, whose v1 hierarchies hold the controllers). runc places a
/// relative `cgroupsPath` under its own cgroup in each hierarchy, so sandboxes nest under the node's.
struct CgroupV1: CgroupHierarchy {
    struct Hierarchy: Sendable, Equatable {
        /// Controllers (or `name=...`) of the hierarchy.
        var controllers: Set<String>
        /// Where it is mounted joined with this process's own cgroup in it.
        var base: String
    }

    var hierarchies: [Hierarchy]

    static func current() -> CgroupV1 {
        parse(procSelfCgroup: Posix.readFile("/proc/self/cgroup") ?? "",
              mountinfo: Posix.readFile("/proc/self/mountinfo") ?? "")
    }

    /// Pairs each hierarchy of `/proc/self/cgroup` with its mount point from `mountinfo`.
    static func parse(procSelfCgroup: String, mountinfo: String) -> CgroupV1 {
        var mounts: [Set<String>: String] = [:]
        for line in mountinfo.split(whereSeparator: \.isNewline) {
            let halves = line.components(separatedBy: " - ")
            guard halves.count == 2 else { continue }
            let tail = halves[1].split(separator: " ")
            guard tail.count >= 3, tail[0] == "cgroup" else { continue }
            let head = halves[0].split(separator: " ")
            guard head.count >= 5 else { continue }
            let options = Set(tail[2].split(separator: ",").map(String.init))
            mounts[options] = String(head[4])
        }
        var result: [Hierarchy] = []
        for line in procSelfCgroup.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, !fields[1].isEmpty else { continue }
            let controllers = Set(fields[1].split(separator: ",").map(String.init))
            guard let mount = mounts.first(where: { controllers.isSubset(of: $0.key) })?.value else { continue }
            let own = fields[2] == "/" ? "" : String(fields[2])
            result.append(Hierarchy(controllers: controllers, base: mount + own))
        }
        return CgroupV1(hierarchies: result)
    }

    func cgroupsPath(for id: String) -> String { "\(cgroupFolder)/\(id)" }

    /// `<memory>/continuum/<id>/task`, made before the runtime makes `<id>` around it. Task processes
    /// move only in the memory hierarchy: freezer, pids and cpu still hold them in `<id>`.
    func makeTaskCgroup(id: String, limits: TaskCgroupLimits) throws -> String {
        guard let memory = dir("memory", id) else {
            throw SandboxError.hostUnsuitable("no memory cgroup hierarchy is mounted")
        }
        let task = memory + "/" + taskCgroupName
        try Cgroups.makeFolder(task)
        try Cgroups.write(task + "/memory.limit_in_bytes", "\(limits.taskMemoryBytes)")
        if access(task + "/memory.memsw.limit_in_bytes", F_OK) == 0 {
            try Cgroups.write(task + "/memory.memsw.limit_in_bytes", "\(limits.taskMemoryBytes)")
        }
        try Cgroups.write(task + "/memory.kmem.tcp.limit_in_bytes", "\(limits.socketBufferBytes)")
        return task + "/cgroup.procs"
    }

    func dir(_ controller: String, _ id: String) -> String? {
        hierarchies.first { $0.controllers.contains(controller) }.map { "\($0.base)/\(cgroupFolder)/\(id)" }
    }

    /// Freeze, SIGKILL every member, thaw: v1 has no `cgroup.kill`, and a frozen group cannot fork.
    func killAll(id: String) throws {
        guard let freezer = dir("freezer", id) else {
            if let pids = dir("pids", id) { _ = Cgroups.killListed(procsFiles: [pids + "/cgroup.procs"]) }
            return
        }
        guard access(freezer, F_OK) == 0 else { return }
        try? Posix.writeFile(freezer + "/freezer.state", "FROZEN")
        for _ in 0..<1000 {
            let state = Posix.readFile(freezer + "/freezer.state") ?? ""
            if state.hasPrefix("FROZEN") || state.isEmpty { break }
            usleep(500)
        }
        for pid in Cgroups.parsePids(Posix.readFile(freezer + "/cgroup.procs") ?? "") { kill(pid, SIGKILL) }
        try? Posix.writeFile(freezer + "/freezer.state", "THAWED")
        _ = Cgroups.killListed(procsFiles: [freezer + "/cgroup.procs"])
    }

    /// v1 counts OOM kills per cgroup, not per subtree: the sandbox's and its task cgroup's together.
    func oomKills(id: String) -> Int? {
        guard let memory = dir("memory", id), let text = Posix.readFile(memory + "/memory.oom_control"),
              let own = Cgroups.counter("oom_kill", in: text) else { return nil }
        let task = Posix.readFile("\(memory)/\(taskCgroupName)/memory.oom_control").flatMap { Cgroups.counter("oom_kill", in: $0) }
        return own + (task ?? 0)
    }

    func pids(id: String) -> [pid_t] {
        guard let d = dir("pids", id) ?? dir("memory", id) else { return [] }
        return Cgroups.parsePids(Posix.readFile(d + "/cgroup.procs") ?? "")
    }

    func taskCount(id: String) -> Int? {
        dir("pids", id).flatMap { Cgroups.integer(Posix.readFile($0 + "/pids.current")) }
    }

    func sandboxIDs(prefix: String) -> [String] {
        var ids = Set<String>()
        for h in hierarchies {
            for name in Cgroups.subfolders("\(h.base)/\(cgroupFolder)") where name.hasPrefix(prefix) { ids.insert(name) }
        }
        return ids.sorted()
    }

    func remove(id: String) {
        for h in hierarchies {
            rmdir("\(h.base)/\(cgroupFolder)/\(id)/\(taskCgroupName)")
            rmdir("\(h.base)/\(cgroupFolder)/\(id)")
        }
    }
}
