import Foundation
import Synchronization

/// Runs programs for tests without Foundation's `Process` (whose exit monitoring can hang on
/// Linux when called from Swift's cooperative pool): `posix_spawn` and `waitpid` on a thread
/// of their own, with the output collected in a temporary file.
public enum Shell {
    /// A program that exited non-zero or could not start.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs `executable` and returns its trimmed combined output; throws when it exits non-zero.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) async throws -> String {
        let (status, output) = await runStatus(executable, arguments, environment: environment)
        guard status == 0 else {
            throw Failure(description: "\(executable) \(arguments.joined(separator: " ")) exited with \(status): \(output)")
        }
        return output
    }

    /// Runs `executable` and returns its exit status (128 + signal when killed) and output.
    public static func runStatus(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) async -> (Int32, String) {
        await onOwnThread { runBlocking(executable, arguments, environment: environment) }
    }

    private static func runBlocking(_ executable: String, _ arguments: [String], environment: [String: String]?) -> (Int32, String) {
        let outputPath = NSTemporaryDirectory() + "continuum-test-\(UUID().uuidString).out"
        defer { unlink(outputPath) }
        let pid: pid_t
        do {
            pid = try spawn(executable, arguments, environment: environment ?? ProcessInfo.processInfo.environment,
                            outputPath: outputPath, append: false)
        } catch {
            return (127, error.description)
        }
        let exit = wait(for: pid)
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return (exit, output.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Starts `executable` with exactly `environment`, stdin from /dev/null, and stdout and
    /// stderr written to `outputPath` (appended, or the file truncated first).
    static func spawn(
        _ executable: String, _ arguments: [String], environment: [String: String], outputPath: String, append: Bool
    ) throws(Failure) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else { throw Failure(description: "cannot start \(executable): \(String(cString: strerror(spawned)))") }
        return pid
    }

    /// Waits for `pid` to end (blocking the calling thread) and returns its exit status, or
    /// 128 + the signal that killed it.
    static func wait(for pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}

/// A program running in the background (a node, say), started with `posix_spawn` and reaped by
/// a thread of its own, so nothing blocks Swift's cooperative pool. Its stdout and stderr go to
/// a log file. It is killed with SIGKILL if it is still running when this object goes away.
public final class BackgroundProcess: Sendable {
    public let pid: pid_t
    public let executable: String
    /// Where stdout and stderr go.
    public let logPath: String
    private let reaped: Reaped

    /// The exit status once reaped, shared with the reaping thread.
    private final class Reaped: Sendable {
        let status = Mutex<Int32?>(nil)
    }

    private init(pid: pid_t, executable: String, logPath: String) {
        self.pid = pid
        self.executable = executable
        self.logPath = logPath
        self.reaped = Reaped()
    }

    /// Starts `executable` with exactly `environment`, stdin from /dev/null, stdout and stderr
    /// appended to `logPath`.
    public static func spawn(
        _ executable: String, _ arguments: [String], environment: [String: String], logPath: String
    ) throws -> BackgroundProcess {
        let pid = try Shell.spawn(executable, arguments, environment: environment, outputPath: logPath, append: true)
        let process = BackgroundProcess(pid: pid, executable: executable, logPath: logPath)
        let reaped = process.reaped
        let child = pid
        let thread = Thread {
            let exit = Shell.wait(for: child)
            reaped.status.withLock { $0 = exit }
        }
        thread.start()
        return process
    }

    /// The exit status (128 + signal when killed), or nil while it runs.
    public var exitStatus: Int32? { reaped.status.withLock { $0 } }

    /// Sends `signal` unless the process has already been reaped.
    public func send(_ signal: Int32) {
        reaped.status.withLock { status in
            if status == nil { _ = kill(pid, signal) }
        }
    }

    /// Waits (without blocking a thread) until the process exits; nil if it still runs at the deadline.
    public func waitForExit(within limit: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + limit
        while true {
            if let status = exitStatus { return status }
            if ContinuousClock.now >= deadline || Task.isCancelled { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// What the process wrote so far.
    public var output: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    deinit {
        reaped.status.withLock { status in
            if status == nil {
                _ = kill(pid, SIGCONT)
                _ = kill(pid, SIGKILL)
            }
        }
    }
}

/// Runs `body` on a thread of its own and returns its result, so that blocking work (reading
/// /proc, the file system) stays off Swift's cooperative pool.
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}
