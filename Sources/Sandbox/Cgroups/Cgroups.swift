#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The cgroup hierarchy of this host, as far as sandboxes need it. Every call does file I/O on
/// cgroupfs: use it from `Blocking` or a sandbox's reader thread.
protocol CgroupHierarchy: Sendable {
    /// `linux.cgroupsPath` for a sandbox's config.json.
    func cgroupsPath(for id: String) -> String
    /// Kills every process of the sandbox's cgroup, even ones that fork or ignore signals.
    func killAll(id: String) throws
    /// The cgroup's own count of OOM kills; nil when the cgroup is gone.
    func oomKills(id: String) -> Int?
    /// Host pids in the sandbox's cgroup.
    func pids(id: String) -> [pid_t]
    /// Ids of sandbox cgroups (under Continuum's folder) whose names start with `prefix`.
    func sandboxIDs(prefix: String) -> [String]
    /// Removes the sandbox's (empty) cgroup folders.
    func remove(id: String)
}

/// Folder under which every sandbox cgroup is made.
let cgroupFolder = "continuum"

enum Cgroups {
    /// Picks v2 when `/sys/fs/cgroup/cgroup.controllers` exists (a unified hierarchy), else v1.
    static func detect(root: String = "/sys/fs/cgroup") -> any CgroupHierarchy {
        if access(root + "/cgroup.controllers", F_OK) == 0 {
            return CgroupV2(mount: root)
        }
        return CgroupV1.current()
    }

    /// Sends SIGKILL to every pid listed in a `cgroup.procs` file until it is empty.
    static func killListed(procsFile: String, rounds: Int = 200) -> Bool {
        for _ in 0..<rounds {
            let pids = parsePids(Posix.readFile(procsFile) ?? "")
            if pids.isEmpty { return true }
            for pid in pids { kill(pid, SIGKILL) }
            usleep(1000)
        }
        return parsePids(Posix.readFile(procsFile) ?? "").isEmpty
    }

    static func parsePids(_ text: String) -> [pid_t] {
        text.split(whereSeparator: \.isNewline).compactMap { pid_t($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// The value of `key` in a flat-keyed file such as `memory.events` or `memory.oom_control`.
    static func counter(_ key: String, in text: String) -> Int? {
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == key { return Int(parts[1]) }
        }
        return nil
    }

    /// Folder names directly under `dir`.
    static func subfolders(_ dir: String) -> [String] {
        guard let handle = opendir(dir) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != ".", name != "..", entry.pointee.d_type == DT_DIR { names.append(name) }
        }
        return names
    }
}
