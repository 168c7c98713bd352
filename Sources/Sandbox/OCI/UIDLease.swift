#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The uids of one sandbox: its runner's and zygote's, and its tasks'. Each is also the gid.
struct SandboxIdentity: Sendable, Equatable {
    var runnerUID: UInt32
    var taskUID: UInt32

    init(runnerUID: UInt32, taskUID: UInt32) {
        self.runnerUID = runnerUID
        self.taskUID = taskUID
    }

    /// Pair `k` of the range that starts at `base`.
    init(base: UInt32, pair: Int) {
        runnerUID = base + 2 * UInt32(pair)
        taskUID = runnerUID + 1
    }
}

/// A host-wide lease of one uid pair: a `flock` on `<folder>/<k>.lock`, held for as long as the
/// sandbox lives and let go by the kernel if the node dies. Every node whose work root is the same
/// folder leases from the same pairs, so no two live sandboxes on the host share a uid.
final class UIDLease: Sendable {
    let identity: SandboxIdentity
    private let fd: Mutex<Int32?>

    private init(identity: SandboxIdentity, fd: Int32) {
        self.identity = identity
        self.fd = Mutex(fd)
    }

    /// Takes the first free pair, looking from a random one on; does file I/O (call it off the
    /// cooperative pool). Throws when every pair is held.
    static func acquire(folder: String, base: UInt32, pairs: Int) throws -> UIDLease {
        let start = Int.random(in: 0..<pairs)
        for step in 0..<pairs {
            let pair = (start + step) % pairs
            let fd = try Posix.open("\(folder)/\(pair).lock", O_RDWR | O_CREAT, 0o600)
            if flock(fd, LOCK_EX | LOCK_NB) == 0 {
                return UIDLease(identity: SandboxIdentity(base: base, pair: pair), fd: fd)
            }
            Posix.close(fd)
        }
        throw SandboxError.startFailed("all \(pairs) sandbox uid pairs of this host are in use by live sandboxes: "
                                       + "raise CONTINUUM_SANDBOX_UID_PAIRS")
    }

    /// Lets the pair go; call it once nothing of the sandbox runs any more. Idempotent.
    func release() {
        fd.withLock { held in
            if let fd = held { Posix.close(fd) }
            held = nil
        }
    }

    deinit { release() }
}
