#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import Synchronization

/// The default backend: each sandbox is an OCI container run in the foreground by an OCI runtime
/// binary (`runc` here; `crun`, `runsc` or a path through `CONTINUUM_SANDBOX_RUNTIME`).
///
/// Files: `<workRoot>/nodes/<node>.lock` (held while the node lives), `<workRoot>/nodes/<node>/`
/// with `bundles/<container id>/` and `root` (the name of the node's shared root), and
/// `<workRoot>/roots/<random>/` with `rootfs/` and `runner.py`: what a sandbox mounts, named so that
/// its mount table shows neither the node id nor the host name. The runtime's state is in
/// `stateRoot`. Containers and cgroups are named `<node>-<slot>-<random>` so leftovers of a dead
/// node can be found.
public final class OCIBackend: SandboxBackend {
    let configuration: SandboxConfiguration
    let runtimePath: String
    let cgroups: any CgroupHierarchy
    private let logger: Logger
    private let prefix: String
    /// The random name of this node's folder under `roots/`.
    private let rootName = (0..<2).map { _ in String(format: "%016llx", UInt64.random(in: 0...UInt64.max)) }.joined()
    private let lockFD = Mutex<Int32?>(nil)
    private let composition = Mutex<Rootfs.Composition?>(nil)

    /// Finds the runtime binary and the cgroup hierarchy on a `Blocking` thread (both probe the file
    /// system); throws `SandboxError.runtimeNotFound` when the runtime is missing.
    public init(configuration: SandboxConfiguration, logger: Logger) async throws {
        let runtime = configuration.runtime
        let (path, cgroups) = try await Blocking.run { () throws -> (String, any CgroupHierarchy) in
            guard let path = Posix.which(runtime, path: ProcessInfo.processInfo.environment["PATH"]) else {
                throw SandboxError.runtimeNotFound(runtime)
            }
            return (path, Cgroups.detect())
        }
        self.configuration = configuration
        self.runtimePath = path
        self.cgroups = cgroups
        self.logger = logger
        self.prefix = configuration.containerPrefix
    }

    var nodesDir: String { configuration.workRoot + "/nodes" }
    var nodeDir: String { "\(nodesDir)/\(prefix)" }
    /// Lock files of the host's uid pairs (see `UIDLease`).
    var uidsDir: String { configuration.workRoot + "/uids" }
    var rootsDir: String { configuration.workRoot + "/roots" }
    /// What sandboxes mount: the composed root and the runner.
    var sharedDir: String { "\(rootsDir)/\(rootName)" }
    var runnerFile: String { sharedDir + "/runner.py" }

    public func prepare() async throws {
        try await Blocking.run { [self] in
            signal(SIGPIPE, SIG_IGN)
            guard getuid() == 0 else {
                throw SandboxError.hostUnsuitable("\(configuration.runtime) needs root: run the node as root")
            }
            if configuration.image == nil, access(BundleBuilder.python, X_OK) != 0 {
                throw SandboxError.hostUnsuitable("\(BundleBuilder.python) is missing: apt-get install python3")
            }
            let fm = FileManager.default
            try fm.createDirectory(atPath: nodesDir, withIntermediateDirectories: true)
            try fm.createDirectory(atPath: configuration.stateRoot, withIntermediateDirectories: true)
            try fm.createDirectory(atPath: uidsDir, withIntermediateDirectories: true)
            try lockNode()
            removeLeftovers()
            try fm.createDirectory(atPath: nodeDir + "/bundles", withIntermediateDirectories: true)
            // The pointer first, so that a crash never leaves a shared root that nobody names.
            guard fm.createFile(atPath: nodeDir + "/root", contents: Data(rootName.utf8)) else {
                throw SandboxError.hostUnsuitable("cannot write \(nodeDir)/root")
            }
            try fm.createDirectory(atPath: sharedDir, withIntermediateDirectories: true)
            guard fm.createFile(atPath: runnerFile, contents: Data(PackageResources.runner_py),
                                attributes: [.posixPermissions: 0o644]) else {
                throw SandboxError.hostUnsuitable("cannot write \(runnerFile)")
            }
            if configuration.image == nil {
                let c = try Rootfs.compose(at: sharedDir + "/rootfs", configuration: configuration)
                composition.withLock { $0 = c }
            }
        }
    }

    public func startSandbox(slot: Int, onExit: @escaping @Sendable (String) -> Void) async throws -> any SandboxInstance {
        let id = "\(prefix)-\(slot)-\(String(UInt64.random(in: 0..<(1 << 40)), radix: 36))"
        let bundle = "\(nodeDir)/bundles/\(id)"
        let (lease, pid, input, output) = try await Blocking.run { [self] in
            let lease = try UIDLease.acquire(folder: uidsDir, base: configuration.uidBase, pairs: configuration.uidPairs)
            do {
                let (pid, input, output) = try launch(id: id, bundle: bundle, identity: lease.identity)
                return (lease, pid, input, output)
            } catch {
                lease.release()
                throw error
            }
        }
        let sandbox = OCISandbox(id: id, bundle: bundle, identity: lease.identity, runtimePID: pid, input: input, output: output,
                                 cgroups: cgroups, configuration: configuration, logger: logger, onExit: onExit,
                                 removeRemains: { [self] in
                                     removeRemains(of: id)
                                     lease.release()
                                 })
        do {
            try await sandbox.waitUntilReady(limit: .seconds(30))
        } catch {
            await sandbox.terminate()
            throw error
        }
        return sandbox
    }

    public func shutdown() async {
        _ = try? await Blocking.run { [self] in
            try? FileManager.default.removeItem(atPath: sharedDir)
            try? FileManager.default.removeItem(atPath: nodeDir)
            lockFD.withLock { fd in
                if let held = fd {
                    unlink("\(nodesDir)/\(prefix).lock")
                    Posix.close(held)
                    fd = nil
                }
            }
        }
    }

    /// Lets go of the node's lock and nothing else, as a crash would; tests use it to make leftovers.
    func releaseLockAsIfCrashed() {
        lockFD.withLock { fd in
            if let held = fd { Posix.close(held) }
            fd = nil
        }
    }

    /// The bundle's config.json for a container.
    func bundleBuilder(id: String, identity: SandboxIdentity) throws -> BundleBuilder {
        let root: String, binds: [String]
        if let image = configuration.image {
            (root, binds) = (image, [])
        } else if let c = composition.withLock({ $0 }) {
            (root, binds) = (c.root, c.binds)
        } else {
            throw SandboxError.startFailed("the sandbox backend was not prepared (call SandboxPool.start())")
        }
        return BundleBuilder(configuration: configuration, rootPath: root, hostBinds: binds,
                             runnerHostPath: runnerFile, cgroupsPath: cgroups.cgroupsPath(for: id), identity: identity)
    }

    /// Makes the sandbox's task cgroup, writes the bundle and spawns `runtime run` with pipes and the
    /// task cgroup's `cgroup.procs` as the runner's fd 3; returns the runtime's pid and our pipe ends.
    private func launch(id: String, bundle: String, identity: SandboxIdentity) throws -> (pid_t, Int32, Int32) {
        try FileManager.default.createDirectory(atPath: bundle, withIntermediateDirectories: true)
        try bundleBuilder(id: id, identity: identity).json().write(to: URL(fileURLWithPath: bundle + "/config.json"))
        let taskProcs: Int32
        do {
            taskProcs = try Posix.open(try cgroups.makeTaskCgroup(id: id, limits: BundleBuilder.taskCgroupLimits(configuration)),
                                       O_WRONLY | O_CLOEXEC)
        } catch {
            cgroups.remove(id: id)
            throw error
        }
        defer { Posix.close(taskProcs) }
        let stdin = try Posix.pipe()
        let stdout = try Posix.pipe()
        let log = try Posix.open(bundle + "/runtime.log", O_WRONLY | O_CREAT | O_APPEND)
        defer {
            Posix.close(stdin.read)
            Posix.close(stdout.write)
            Posix.close(log)
        }
        let pid: pid_t
        do {
            pid = try Posix.spawn([runtimePath, "--root", configuration.stateRoot, "run", "--preserve-fds", "1",
                                   "--bundle", bundle, id],
                                  environment: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                                  stdin: stdin.read, stdout: stdout.write, stderr: log, extraFDs: [taskProcs])
        } catch {
            Posix.close(stdin.write)
            Posix.close(stdout.read)
            cgroups.remove(id: id)
            throw SandboxError.startFailed("\(error)")
        }
        return (pid, stdin.write, stdout.read)
    }

    // MARK: - Ownership and leftovers

    private func lockNode() throws {
        let fd = try Posix.open("\(nodesDir)/\(prefix).lock", O_RDWR | O_CREAT, 0o600)
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            Posix.close(fd)
            throw SandboxError.nodeIDInUse(configuration.nodeID)
        }
        lockFD.withLock { $0 = fd }
    }

    /// Node prefixes whose owner is gone: their lock file is not held (or missing), and our own
    /// prefix, whose earlier owner must be dead since we hold its lock.
    private func deadNodes() -> [String] {
        var dead: Set<String> = [prefix]
        let names = (try? FileManager.default.contentsOfDirectory(atPath: nodesDir)) ?? []
        for name in names where name != prefix && name != "\(prefix).lock" {
            let node = name.hasSuffix(".lock") ? String(name.dropLast(5)) : name
            guard let fd = try? Posix.open("\(nodesDir)/\(node).lock", O_RDWR | O_CREAT, 0o600) else { continue }
            if flock(fd, LOCK_EX | LOCK_NB) == 0 {
                dead.insert(node)
                unlink("\(nodesDir)/\(node).lock")
            }
            Posix.close(fd)
        }
        return dead.sorted()
    }

    /// Removes containers, cgroups and folders that dead nodes left: what a crash leaves behind.
    func removeLeftovers() {
        let states = (try? FileManager.default.contentsOfDirectory(atPath: configuration.stateRoot)) ?? []
        for node in deadNodes() {
            let mine = node + "-"
            var removed = 0
            for id in states where id.hasPrefix(mine) {
                destroy(id)
                removed += 1
            }
            for id in cgroups.sandboxIDs(prefix: mine) {
                try? cgroups.killAll(id: id)
                cgroups.remove(id: id)
            }
            let folder = "\(nodesDir)/\(node)"
            if let name = Posix.readFile(folder + "/root"), !name.isEmpty, name.allSatisfy(\.isHexDigit) {
                try? FileManager.default.removeItem(atPath: "\(rootsDir)/\(name)")
            }
            try? FileManager.default.removeItem(atPath: folder)
            if removed > 0 {
                logger.notice("removed \(removed) leftover sandbox(es) of node \(node)")
            }
        }
    }

    /// Removes the runtime state and cgroups of sandbox `id` when they outlived it: `runc run`
    /// deletes them itself on a normal exit, so state still on disk means it was killed first.
    func removeRemains(of id: String) {
        guard FileManager.default.fileExists(atPath: "\(configuration.stateRoot)/\(id)") else { return }
        destroy(id)
    }

    /// Kills whatever still runs in sandbox `id`, then deletes its container and its cgroups.
    private func destroy(_ id: String) {
        try? cgroups.killAll(id: id)
        runRuntime(["delete", "--force", id])
        cgroups.remove(id: id)
    }

    private func runRuntime(_ args: [String]) {
        guard let null = try? Posix.open("/dev/null", O_RDWR) else { return }
        defer { Posix.close(null) }
        if let pid = try? Posix.spawn([runtimePath, "--root", configuration.stateRoot] + args,
                                      environment: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],
                                      stdin: null, stdout: null, stderr: null) {
            _ = Posix.wait(pid)
        }
    }
}
