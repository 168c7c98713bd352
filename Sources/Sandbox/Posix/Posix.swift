#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CSandboxShim
import Foundation

/// Thin, blocking wrappers over the system calls the sandbox needs. Call them only from
/// `Blocking` threads or a sandbox's own reader thread, never from the cooperative pool.
enum Posix {
    struct Failure: Error, CustomStringConvertible {
        var call: String
        var errno: Int32
        var description: String { "\(call) failed: \(String(cString: strerror(errno)))" }
    }

    /// A pipe whose two ends are close-on-exec.
    static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard CSandboxShim_pipe2(&fds, O_CLOEXEC) == 0 else { throw Failure(call: "pipe2", errno: errno) }
        return (fds[0], fds[1])
    }

    /// Spawns `argv` with the given descriptors as 0, 1 and 2, every other descriptor closed, default
    /// signal dispositions, an empty signal mask and a process group of its own.
    static func spawn(_ argv: [String], environment: [String], stdin: Int32, stdout: Int32, stderr: Int32,
                      extraFDs: [Int32] = []) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        for (offset, fd) in extraFDs.enumerated() {
            posix_spawn_file_actions_adddup2(&actions, fd, 3 + Int32(offset))
        }
        let closing = CSandboxShim_posix_spawn_file_actions_addclosefrom_np(&actions, 3 + Int32(extraFDs.count))
        guard closing == 0 else { throw Failure(call: "posix_spawn_file_actions_addclosefrom_np", errno: closing) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup($0) } + [nil]
        defer {
            cArgs.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attributes, cArgs, cEnv)
        guard rc == 0 else { throw Failure(call: "posix_spawn \(argv[0])", errno: rc) }
        return pid
    }

    /// Waits for `pid` to end and returns its raw wait status.
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -1 }
        }
        return status
    }

    /// The exit code of a raw wait status, or 128 + the signal that ended the process.
    static func exitCode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(call: "write", errno: errno)
            }
            offset += n
        }
    }

    /// Reads exactly `count` bytes; nil when the stream ends first.
    static func readExactly(_ fd: Int32, _ count: Int) throws -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + offset, count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(call: "read", errno: errno)
            }
            if n == 0 { return nil }
            offset += n
        }
        return buffer
    }

    /// Reads `fd` to its end, discarding what it reads.
    static func drain(_ fd: Int32) throws {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw Failure(call: "read", errno: errno) }
            if n == 0 { return }
        }
    }

    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0o644) throws -> Int32 {
        let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Failure(call: "open \(path)", errno: errno) }
        return fd
    }

    /// The contents of a small file (cgroup and proc files), or nil when it cannot be read.
    static func readFile(_ path: String) -> String? {
        guard let fd = try? open(path, O_RDONLY) else { return nil }
        defer { close(fd) }
        var result = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return nil }
            if n == 0 { break }
            result += chunk[0..<n]
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// Writes `text` to an existing file such as a cgroup control file.
    static func writeFile(_ path: String, _ text: String) throws {
        let fd = try open(path, O_WRONLY)
        defer { close(fd) }
        try writeAll(fd, Array(text.utf8))
    }

    /// Finds an executable: a path is taken as it is, a name is looked up in `PATH`.
    static func which(_ name: String, path: String?) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        let dirs = (path ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").split(separator: ":")
        for dir in dirs + ["/usr/sbin", "/sbin"] {
            let candidate = "\(dir)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}
