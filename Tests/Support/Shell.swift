import Foundation

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
        await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: runBlocking(executable, arguments, environment: environment))
            }
            thread.start()
        }
    }

    private static func runBlocking(_ executable: String, _ arguments: [String], environment: [String: String]?) -> (Int32, String) {
        let outputPath = NSTemporaryDirectory() + "continuum-test-\(UUID().uuidString).out"
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else { return (127, "cannot start \(executable): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exit, output.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
