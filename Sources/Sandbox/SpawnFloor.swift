#if canImport(Glibc)
import Glibc
#endif

/// The floor the warm pool is measured against (`continuum-bench sandbox`): a new, bare process a
/// task. Public so that the benchmark spawns the way the sandboxes' runtime is spawned (`Posix.spawn`:
/// close-on-exec pipes, every other descriptor closed).
public enum SpawnFloor {
    /// Runs `/usr/bin/python3 -I -c code argument` (the interpreter sandboxed scripts run on) with
    /// stdin and stderr on `/dev/null`, reads its stdout to the end through a pipe and waits for it;
    /// returns its exit code (128 + the signal that ended it). Blocks: call it on a thread of its
    /// own, never on the cooperative pool.
    public static func runPython(code: String, argument: String) throws -> Int32 {
        let pipe = try Posix.pipe()
        let null: Int32
        do {
            null = try Posix.open("/dev/null", O_RDWR)
        } catch {
            [pipe.read, pipe.write].forEach(Posix.close)
            throw error
        }
        let pid: pid_t
        do {
            pid = try Posix.spawn([BundleBuilder.python, "-I", "-c", code, argument], environment: ["LANG=C.UTF-8"],
                                  stdin: null, stdout: pipe.write, stderr: null)
        } catch {
            [pipe.read, pipe.write, null].forEach(Posix.close)
            throw error
        }
        Posix.close(pipe.write)
        Posix.close(null)
        let drained = Result { try Posix.drain(pipe.read) }
        Posix.close(pipe.read)
        let status = Posix.wait(pid)
        try drained.get()
        return Posix.exitCode(status)
    }
}
