/// The parts of the OCI runtime specification (config.json) that Continuum writes.
/// Field names follow the specification; optional fields left nil are omitted from the JSON.
struct OCISpec: Codable, Equatable {
    var ociVersion = "1.0.2"
    var process: Process
    var root: Root
    var hostname: String?
    var mounts: [Mount]
    var linux: Linux

    struct Process: Codable, Equatable {
        var terminal = false
        var user: User
        var args: [String]
        var env: [String]
        var cwd: String
        var capabilities: Capabilities
        var rlimits: [Rlimit]
        var noNewPrivileges: Bool
        var oomScoreAdj: Int?
    }

    struct User: Codable, Equatable {
        var uid: UInt32
        var gid: UInt32
        var additionalGids: [UInt32]?
    }

    struct Capabilities: Codable, Equatable {
        var bounding: [String] = []
        var effective: [String] = []
        var inheritable: [String] = []
        var permitted: [String] = []
        var ambient: [String] = []
    }

    struct Rlimit: Codable, Equatable {
        var type: String
        var hard: UInt64
        var soft: UInt64
    }

    struct Root: Codable, Equatable {
        var path: String
        var readonly: Bool
    }

    struct Mount: Codable, Equatable {
        var destination: String
        var type: String
        var source: String
        var options: [String]
    }

    struct Linux: Codable, Equatable {
        var namespaces: [Namespace]
        var cgroupsPath: String
        var resources: Resources
        var seccomp: Seccomp?
        /// Kernel parameters of the sandbox's own namespaces (`net.*` for its network namespace).
        var sysctl: [String: String]?
        var maskedPaths: [String]
        var readonlyPaths: [String]
    }

    struct Namespace: Codable, Equatable {
        var type: String
    }

    struct Resources: Codable, Equatable {
        var devices: [DeviceRule]
        var memory: Memory
        var cpu: CPU
        var pids: Pids
    }

    struct DeviceRule: Codable, Equatable {
        var allow: Bool
        var access: String
    }

    struct Memory: Codable, Equatable {
        var limit: Int64
        var swap: Int64
    }

    struct CPU: Codable, Equatable {
        var quota: Int64
        var period: UInt64
    }

    struct Pids: Codable, Equatable {
        var limit: Int64
    }

    struct Seccomp: Codable, Equatable {
        var defaultAction: String
        var defaultErrnoRet: UInt32?
        var architectures: [String]
        var syscalls: [SyscallRule]
    }

    struct SyscallRule: Codable, Equatable {
        var names: [String]
        var action: String
        var errnoRet: UInt32?
        var args: [ArgRule]?
    }

    struct ArgRule: Codable, Equatable {
        var index: UInt
        var value: UInt64
        var valueTwo: UInt64?
        var op: String
    }
}
