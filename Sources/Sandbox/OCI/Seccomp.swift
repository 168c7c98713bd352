/// The sandbox's seccomp profile: deny by default (EPERM), allow a list of system calls that Python
/// programs use. It follows the approach of Docker's default profile and is stricter: no io_uring,
/// userfaultfd, keyrings, bpf, perf, namespaces, mounts, ptrace, cross-process memory access, kernel
/// modules, kexec, asynchronous I/O, time setting or `personality` changes; sockets only of the
/// families and protocols a Python program needs (unix; TCP and UDP over IPv4 and IPv6; netlink
/// routing), so that no other protocol's code is ever loaded; and the calls that change a process's
/// limits, scheduling or I/O class only for the caller itself, so that no task reaches its zygote.
enum SeccompProfile {
    static let EPERM: UInt32 = 1
    static let ENOSYS: UInt32 = 38

    /// clone(2) flags that create namespaces; clone is allowed only without them.
    static let namespaceFlags: UInt64 = 0x0002_0000 // CLONE_NEWNS
        | 0x0200_0000 // CLONE_NEWCGROUP
        | 0x0400_0000 // CLONE_NEWUTS
        | 0x0800_0000 // CLONE_NEWIPC
        | 0x1000_0000 // CLONE_NEWUSER
        | 0x2000_0000 // CLONE_NEWPID
        | 0x4000_0000 // CLONE_NEWNET

    static let AF_UNIX: UInt64 = 1, AF_INET: UInt64 = 2, AF_INET6: UInt64 = 10, AF_NETLINK: UInt64 = 16
    /// Internet socket types allowed (SOCK_STREAM, SOCK_DGRAM), compared under SOCK_TYPE_MASK so
    /// that SOCK_NONBLOCK and SOCK_CLOEXEC pass.
    static let internetSocketTypes: [UInt64] = [1, 2]
    static let socketTypeMask: UInt64 = 0xf
    /// Internet protocols allowed: the default for the type, IPPROTO_TCP, IPPROTO_UDP.
    static let internetProtocols: [UInt64] = [0, 6, 17]
    /// The only netlink protocol allowed: NETLINK_ROUTE (getaddrinfo and getifaddrs use it).
    static let netlinkRoute: UInt64 = 0

    /// Calls allowed only when their first argument is 0, meaning the caller itself: limits,
    /// scheduling policy, parameters and CPU affinity.
    static let selfOnly = ["prlimit64", "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler"]
    /// Clocks allowed to the clock calls: the fixed ones (CLOCK_REALTIME … CLOCK_TAI are 0 to 11). A
    /// negative id names another process's or thread's CPU clock, which no permission check guards:
    /// a task would read the runner's and the zygote's CPU time, and with it earlier tasks' work.
    static let clockCalls = ["clock_gettime", "clock_getres", "clock_nanosleep", "timer_create"]
    static let clockIDLimit: UInt64 = 16
    /// RWF_NOWAIT (preadv2/pwritev2 flag, argument 5) tells whether a page is in the page cache,
    /// which every sandbox of the host shares with the host; POSIX_FADV_DONTNEED (fadvise64's
    /// argument 3) and MADV_COLD/MADV_PAGEOUT (madvise's argument 2) evict shared file pages. Together
    /// they are an evict-and-probe channel between tasks and a probe of what other tenants load.
    static let RWF_NOWAIT: UInt64 = 0x8
    static let POSIX_FADV_DONTNEED: UInt64 = 4
    static let evictingAdvice: [UInt64] = [20, 21] // MADV_COLD, MADV_PAGEOUT

    /// `setpriority(PRIO_PROCESS, 0, …)` and `ioprio_set(IOPRIO_WHO_PROCESS, 0, …)`: the caller only.
    static let PRIO_PROCESS: UInt64 = 0, IOPRIO_WHO_PROCESS: UInt64 = 1

    /// `personality` values allowed (the ones Docker allows: querying and the default personas).
    static let personalities: [UInt64] = [0x0, 0x8, 0x20000, 0x20008, 0xffff_ffff]

    /// System calls that the profile must never allow; unit tests check it against `allowed`.
    static let denied: Set<String> = [
        "io_uring_setup", "io_uring_enter", "io_uring_register", "userfaultfd", "keyctl", "add_key",
        "request_key", "bpf", "perf_event_open", "unshare", "setns", "mount", "umount", "umount2", "fsopen",
        "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr", "pivot_root", "chroot",
        "ptrace", "process_vm_readv", "process_vm_writev", "kexec_load", "kexec_file_load", "init_module",
        "finit_module", "delete_module", "create_module", "kcmp", "pidfd_getfd", "open_by_handle_at",
        "name_to_handle_at", "fanotify_init", "quotactl", "quotactl_fd", "acct", "swapon", "swapoff", "reboot",
        "sethostname", "setdomainname", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "syslog",
        "vhangup", "lookup_dcookie", "iopl", "ioperm", "uselib", "memfd_secret", "process_madvise",
        "move_pages", "migrate_pages", "nfsservctl", "io_setup", "io_submit", "io_destroy", "io_getevents",
        "io_cancel", "io_pgetevents", "sysfs", "ustat", "_sysctl", "clone3", "personality", "clone", "socket",
        "socketpair", "prlimit64", "setpriority", "ioprio_set", "sched_setaffinity", "sched_setattr",
        "sched_setparam", "sched_setscheduler", "preadv2", "pwritev2", "fadvise64", "madvise", "clock_gettime",
        "clock_getres", "clock_nanosleep", "timer_create",
    ]

    /// System calls allowed without conditions.
    static let allowed: [String] = [
        "accept", "accept4", "access", "alarm", "arch_prctl", "bind", "brk", "capget", "capset", "chdir",
        "chmod", "chown", "close", "close_range",
        "connect", "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create", "epoll_create1",
        "epoll_ctl", "epoll_pwait", "epoll_pwait2", "epoll_wait", "eventfd", "eventfd2", "execve", "execveat",
        "exit", "exit_group", "faccessat", "faccessat2", "fallocate", "fchdir", "fchmod",
        "fchmodat", "fchmodat2", "fchown", "fchownat", "fcntl", "fdatasync", "fgetxattr", "flistxattr", "flock",
        "fork", "fremovexattr", "fsetxattr", "fstat", "fstatfs", "fsync", "ftruncate", "futex", "futex_waitv",
        "futimesat", "get_mempolicy", "get_robust_list", "getcpu", "getcwd", "getdents", "getdents64",
        "getegid", "geteuid", "getgid", "getgroups", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid",
        "getppid", "getpriority", "getrandom", "getresgid", "getresuid", "getrlimit", "getrusage", "getsid",
        "getsockname", "getsockopt", "gettid", "gettimeofday", "getuid", "getxattr", "inotify_add_watch",
        "inotify_init", "inotify_init1", "inotify_rm_watch", "ioctl", "ioprio_get", "kill",
        "lchown", "lgetxattr", "link", "linkat", "listen", "listxattr", "llistxattr", "lremovexattr", "lseek",
        "lsetxattr", "lstat", "mbind", "membarrier", "memfd_create", "mincore", "mkdir", "mkdirat",
        "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mprotect", "mq_getsetattr", "mq_notify",
        "mq_open", "mq_timedreceive", "mq_timedsend", "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv",
        "msgsnd", "msync", "munlock", "munlockall", "munmap", "nanosleep", "newfstatat", "open", "openat",
        "openat2", "pause", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "poll", "ppoll", "prctl",
        "pread64", "preadv", "pselect6", "pwrite64", "pwritev", "read",
        "readahead", "readlink", "readlinkat", "readv", "recvfrom", "recvmmsg", "recvmsg", "remap_file_pages",
        "removexattr", "rename", "renameat", "renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction",
        "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend",
        "rt_sigtimedwait", "rt_tgsigqueueinfo", "sched_get_priority_max", "sched_get_priority_min",
        "sched_getaffinity", "sched_getattr", "sched_getparam", "sched_getscheduler", "sched_rr_get_interval",
        "sched_yield", "seccomp",
        "select", "semctl", "semget", "semop", "semtimedop", "sendfile", "sendmmsg", "sendmsg", "sendto",
        "set_mempolicy", "set_robust_list", "set_thread_area", "set_tid_address", "setfsgid", "setfsuid",
        "setgid", "setgroups", "setitimer", "setpgid", "setregid", "setresgid", "setresuid",
        "setreuid", "setrlimit", "setsid", "setsockopt", "setuid", "setxattr", "shmat", "shmctl", "shmdt",
        "shmget", "shutdown", "sigaltstack", "signalfd", "signalfd4", "splice", "stat", "statfs",
        "statx", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time",
        "timer_delete", "timer_getoverrun", "timer_gettime", "timer_settime", "timerfd_create",
        "timerfd_gettime", "timerfd_settime", "times", "tkill", "truncate", "umask", "uname", "unlink",
        "unlinkat", "utime", "utimensat", "utimes", "vfork", "vmsplice", "wait4", "waitid", "write", "writev",
    ]

    static var architectures: [String] {
        #if arch(x86_64)
        ["SCMP_ARCH_X86_64"]
        #elseif arch(arm64)
        ["SCMP_ARCH_AARCH64"]
        #else
        []
        #endif
    }

    static func make() -> OCISpec.Seccomp {
        typealias Rule = OCISpec.SyscallRule
        var rules = [Rule(names: allowed, action: "SCMP_ACT_ALLOW")]
        rules.append(Rule(names: ["clone"], action: "SCMP_ACT_ALLOW",
                          args: [.init(index: 0, value: namespaceFlags, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ")]))
        // glibc falls back to clone(2) when clone3 says ENOSYS; clone3's flags cannot be inspected.
        rules.append(Rule(names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: ENOSYS))
        func arg(_ index: UInt, _ value: UInt64) -> OCISpec.ArgRule { .init(index: index, value: value, op: "SCMP_CMP_EQ") }
        rules.append(Rule(names: ["socket", "socketpair"], action: "SCMP_ACT_ALLOW", args: [arg(0, AF_UNIX)]))
        for family in [AF_INET, AF_INET6] {
            for type in internetSocketTypes {
                for proto in internetProtocols {
                    rules.append(Rule(names: ["socket"], action: "SCMP_ACT_ALLOW", args: [
                        arg(0, family), .init(index: 1, value: socketTypeMask, valueTwo: type, op: "SCMP_CMP_MASKED_EQ"),
                        arg(2, proto),
                    ]))
                }
            }
        }
        rules.append(Rule(names: ["socket"], action: "SCMP_ACT_ALLOW", args: [arg(0, AF_NETLINK), arg(2, netlinkRoute)]))
        rules.append(Rule(names: selfOnly, action: "SCMP_ACT_ALLOW", args: [arg(0, 0)]))
        rules.append(Rule(names: ["setpriority"], action: "SCMP_ACT_ALLOW", args: [arg(0, PRIO_PROCESS), arg(1, 0)]))
        rules.append(Rule(names: ["ioprio_set"], action: "SCMP_ACT_ALLOW", args: [arg(0, IOPRIO_WHO_PROCESS), arg(1, 0)]))
        rules.append(Rule(names: clockCalls, action: "SCMP_ACT_ALLOW",
                          args: [.init(index: 0, value: clockIDLimit, op: "SCMP_CMP_LT")]))
        rules.append(Rule(names: ["preadv2", "pwritev2"], action: "SCMP_ACT_ALLOW",
                          args: [.init(index: 5, value: RWF_NOWAIT, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ")]))
        rules.append(Rule(names: ["fadvise64"], action: "SCMP_ACT_ALLOW",
                          args: [.init(index: 3, value: POSIX_FADV_DONTNEED, op: "SCMP_CMP_NE")]))
        rules.append(Rule(names: ["madvise"], action: "SCMP_ACT_ALLOW",
                          args: evictingAdvice.map { .init(index: 2, value: $0, op: "SCMP_CMP_NE") }))
        for persona in personalities {
            rules.append(Rule(names: ["personality"], action: "SCMP_ACT_ALLOW",
                              args: [.init(index: 0, value: persona, op: "SCMP_CMP_EQ")]))
        }
        return OCISpec.Seccomp(defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: EPERM,
                               architectures: architectures, syscalls: rules)
    }
}
