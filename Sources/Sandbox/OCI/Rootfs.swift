import Foundation

/// The read-only root shared by every sandbox of a node when no `CONTAINER_IMAGE` is set: empty
/// mount points for the host's `/usr` (and `/lib*`, `/bin`, `/sbin` when they are real folders),
/// the same symbolic links where the host has them (merged /usr), and a minimal `/etc` with the
/// sandbox user and no secrets. Building it does file I/O: call it from `Blocking`.
enum Rootfs {
    /// Host top-level entries that make up the root.
    static let hostEntries = ["usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32"]

    struct Composition: Sendable, Equatable {
        var root: String
        /// Host folders to bind-mount read-only.
        var binds: [String]
    }

    static func compose(at root: String, configuration c: SandboxConfiguration) throws -> Composition {
        let fm = FileManager.default
        let staging = root + ".new-\(getpid())"
        try? fm.removeItem(atPath: staging)
        try fm.createDirectory(atPath: staging, withIntermediateDirectories: true)
        var binds: [String] = []
        for name in hostEntries {
            let host = "/" + name
            if let target = try? fm.destinationOfSymbolicLink(atPath: host) {
                try fm.createSymbolicLink(atPath: "\(staging)/\(name)", withDestinationPath: target)
            } else if fm.fileExists(atPath: host) {
                try fm.createDirectory(atPath: "\(staging)/\(name)", withIntermediateDirectories: false)
                binds.append(host)
            }
        }
        for dir in ["etc", "dev", "proc", "continuum"] {
            try fm.createDirectory(atPath: "\(staging)/\(dir)", withIntermediateDirectories: false)
        }
        // runc gives a tmpfs the mode of the folder it covers: /tmp must be world-writable and sticky.
        try fm.createDirectory(atPath: "\(staging)/tmp", withIntermediateDirectories: false,
                               attributes: [.posixPermissions: 0o1777])
        try fm.setAttributes([.posixPermissions: 0o1777], ofItemAtPath: "\(staging)/tmp")
        _ = fm.createFile(atPath: "\(staging)/continuum/runner.py", contents: Data())
        for (name, text) in etcFiles(c) {
            _ = fm.createFile(atPath: "\(staging)/etc/\(name)", contents: Data(text.utf8),
                          attributes: [.posixPermissions: 0o644])
        }
        for name in ["ld.so.cache", "localtime"] {
            if let data = fm.contents(atPath: "/etc/" + name) {
                _ = fm.createFile(atPath: "\(staging)/etc/\(name)", contents: data, attributes: [.posixPermissions: 0o644])
            }
        }
        try? fm.removeItem(atPath: root)
        try fm.moveItem(atPath: staging, toPath: root)
        return Composition(root: root, binds: binds)
    }

    /// `/etc` of the composed root. passwd and group name every uid pair a sandbox may lease:
    /// `runner` and `sandbox` (their home is scratch, so `~` works for tasks).
    static func etcFiles(_ c: SandboxConfiguration) -> [(String, String)] {
        let identities = (0..<c.uidPairs).map { SandboxIdentity(base: c.uidBase, pair: $0) }
        let passwd = ["root:x:0:0:root:/root:/usr/sbin/nologin"]
            + identities.flatMap { [
                "runner:x:\($0.runnerUID):\($0.runnerUID):continuum runner:/nonexistent:/usr/sbin/nologin",
                "sandbox:x:\($0.taskUID):\($0.taskUID):sandbox:/tmp:/usr/sbin/nologin",
            ] }
            + ["nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin"]
        let group = ["root:x:0:"] + identities.flatMap { ["runner:x:\($0.runnerUID):", "sandbox:x:\($0.taskUID):"] }
            + ["nogroup:x:65534:"]
        return [
            ("passwd", passwd.joined(separator: "\n") + "\n"),
            ("group", group.joined(separator: "\n") + "\n"),
            ("hosts", "127.0.0.1\tlocalhost sandbox\n::1\tlocalhost ip6-localhost ip6-loopback\n"),
            ("hostname", "sandbox\n"),
            ("nsswitch.conf", "passwd: files\ngroup: files\nhosts: files\n"),
        ]
    }
}
