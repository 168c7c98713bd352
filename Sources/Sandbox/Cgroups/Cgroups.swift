#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The cgroup hierarchy of this host, as far as sandboxes need it. Every call does file I/O on
/// cgroupfs: use it from `Blocking` or a sandbox's reader thread.
protocol CgroupHierarchy: Sendable {
    /// `linux.cgroupsPath` for a sandbox's config.json: where the runtime puts the runner.
    func cgroupsPath(for id: String) -> String
    /// Makes the sandbox's task cgroup, a memory cgroup of its own that holds every task process and
    /// nothing else, so that an OOM kill at the task's limit can only pick a task process, never the
    /// runner or the zygote. Call it before the runtime starts the sandbox. Returns the path of its
    /// `cgroup.procs`, which the zygote writes each task child's pid into.
    func makeTaskCgroup(id: String, limits: TaskCgroupLimits) throws -> String
    /// Kills every process of the sandbox's cgroup, even ones that fork or ignore signals.
    func killAll(id: String) throws
    /// The cgroup's own count of OOM kills; nil when the cgroup is gone.
    func oomKills(id: String) -> Int?
    /// Host pids in the sandbox's cgroup.
    func pids(id: String) -> [pid_t]
    /// The kernel's own count of tasks (threads, zombies not yet reaped included) in the sandbox's
    /// cgroup (`pids.current`); nil when the pids controller is not there.
    func taskCount(id: String) -> Int?
    /// Ids of sandbox cgroups (under Continuum's folder) whose names start with `prefix`.
    func sandboxIDs(prefix: String) -> [String]
    /// Removes the sandbox's (empty) cgroup folders.
    func remove(id: String)
}

/// Folder under which every sandbox cgroup is made.
let cgroupFolder = "continuum"
/// The task cgroup's name inside a sandbox's cgroup (and, on v2, the runner's).
let taskCgroupName = "task"
let runnerCgroupName = "runner"

/// What the node writes into cgroups itself rather than through the runtime.
struct TaskCgroupLimits: Sendable, Equatable {
    /// Memory (and memory plus swap) of the task cgroup: `CONTAINER_MEMORY_MB`.
    var taskMemoryBytes: Int64
    /// TCP socket buffers of the task cgroup on v1, which charges them only under a limit of their own.
    var socketBufferBytes: Int64
    /// Memory of the whole sandbox: the task's plus the runner's reserve (v2 only: on v1 the runtime
    /// sets it on the sandbox's cgroup, which holds the task cgroup).
    var sandboxMemoryBytes: Int64
    /// Processes and threads of the whole sandbox (v2 only, for the same reason).
    var pids: Int64
    /// CPU quota and period of the whole sandbox, microseconds (v2 only).
    var cpuQuota: Int64
    var cpuPeriod: UInt64
}

enum Cgroups {
    /// Picks v2 when `/sys/fs/cgroup/cgroup.controllers` exists (a unified hierarchy), else v1.
    static func detect(root: String = "/sys/fs/cgroup") -> any CgroupHierarchy {
        if access(root + "/cgroup.controllers", F_OK) == 0 {
            return CgroupV2(mount: root)
        }
        return CgroupV1.current()
    }

    /// Sends SIGKILL to every pid listed in the `cgroup.procs` files until they are empty.
    static func killListed(procsFiles: [String], rounds: Int = 200) -> Bool {
        func listed() -> [pid_t] { procsFiles.flatMap { parsePids(Posix.readFile($0) ?? "") } }
        for _ in 0..<rounds {
            let pids = listed()
            if pids.isEmpty { return true }
            for pid in pids { kill(pid, SIGKILL) }
            usleep(1000)
        }
        return listed().isEmpty
    }

    /// Creates a cgroup folder (and any missing parents); an existing one is fine.
    static func makeFolder(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw SandboxError.startFailed("cannot create the cgroup \(path): \(error.localizedDescription)")
        }
    }

    /// Writes a cgroup control file, naming the file in the error.
    static func write(_ path: String, _ value: String) throws {
        do {
            try Posix.writeFile(path, value)
        } catch {
            throw SandboxError.startFailed("cannot write \(value) to \(path): \(error)")
        }
    }

    /// A file holding one integer, such as `pids.current`.
    static func integer(_ text: String?) -> Int? {
        text.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
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
