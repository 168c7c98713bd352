import Foundation
import TestSupport

/// What the chaos run reads about the host from /proc and /sys: node memory, busy sandboxes
/// to kill, and sandboxes left behind. Every read runs on a thread of its own.
enum HostProbe {
    /// Resident bytes of `pid`, or nil when it is gone.
    static func residentBytes(of pid: pid_t) async -> Int? {
        await onOwnThread {
            guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
                  let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
            else { return nil }
            return kilobytes * 1024
        }
    }

    /// One process as /proc shows it.
    struct ProcessInfo: Sendable {
        var pid: pid_t
        var parent: pid_t
        var uid: String
        var cgroups: String
        var commandLine: [String]
    }

    static func processes() async -> [ProcessInfo] {
        await onOwnThread {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            return entries.compactMap { entry -> ProcessInfo? in
                guard let pid = pid_t(entry),
                      let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
                let fields = status.split(separator: "\n")
                let value = { (key: String) in
                    fields.first { $0.hasPrefix(key) }.map { $0.dropFirst(key.count).split(whereSeparator: \.isWhitespace).first.map(String.init) ?? "" }
                }
                let cgroups = (try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)) ?? ""
                let command = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")))
                    .map { $0.split(separator: 0).map { String(decoding: $0, as: UTF8.self) } } ?? []
                return ProcessInfo(
                    pid: pid, parent: value("PPid:").flatMap { pid_t($0) } ?? 0, uid: value("Uid:") ?? "",
                    cgroups: cgroups, commandLine: command)
            }
        }
    }

    /// A sandbox of `node` that is running a task: its container id, the runtime process
    /// (`runc run`) and the container's init. Every warm sandbox has two processes, the runner
    /// and its zygote; a third one is a task's. Nil when none is busy.
    static func busySandbox(of node: String) async -> (container: String, runtime: pid_t, initProcess: pid_t)? {
        let all = await processes()
        let byContainer = Dictionary(grouping: all) { containerID(in: $0.cgroups, node: node) }
        for case let (container?, members) in byContainer where members.count >= 3 {
            guard let runtime = all.first(where: { $0.commandLine.contains(container) && $0.commandLine.contains("run") }),
                  let initProcess = all.first(where: { $0.parent == runtime.pid }) else { continue }
            return (container, runtime.pid, initProcess.pid)
        }
        return nil
    }

    /// The sandbox container id (`<node>-<slot>-<random>`) a process's cgroup file names (task
    /// processes are in its `task` cgroup below it).
    static func containerID(in cgroups: String, node: String) -> String? {
        for line in cgroups.split(separator: "\n") {
            guard let path = line.split(separator: ":", maxSplits: 2).last else { continue }
            if let id = path.split(separator: "/").first(where: { $0.hasPrefix(node + "-") }) { return String(id) }
        }
        return nil
    }

    /// What `node` left on the host: runtime state, cgroups and processes of its sandboxes.
    static func leftovers(of node: String, stateRoot: String = "/run/continuum/runc") async -> [String] {
        let prefix = node + "-"
        var found: [String] = await onOwnThread {
            var found: [String] = []
            let states = (try? FileManager.default.contentsOfDirectory(atPath: stateRoot)) ?? []
            found += states.filter { $0.hasPrefix(prefix) }.map { "runtime state \(stateRoot)/\($0)" }
            let controllers = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? []
            // v2: /sys/fs/cgroup/continuum; v1: one folder per controller.
            for base in ["/sys/fs/cgroup/continuum"] + controllers.map({ "/sys/fs/cgroup/\($0)/continuum" }) {
                let groups = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
                found += groups.filter { $0.hasPrefix(prefix) }.map { "cgroup \(base)/\($0)" }
            }
            return found
        }
        for process in await processes() where containerID(in: process.cgroups, node: node) != nil {
            found.append("process \(process.pid) (\(process.commandLine.joined(separator: " ").prefix(60)))")
        }
        return found
    }
}
