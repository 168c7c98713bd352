# expect: completed
# Runs right after zygote_tamper_a.py in the same slot: it starts with the limits and scheduling of a
# fresh sandbox.
import ctypes, os, resource
libc = ctypes.CDLL(None, use_errno=True)
IOPRIO_GET = 252 if os.uname().machine == "x86_64" else 31
odd = []
if resource.getrlimit(resource.RLIMIT_FSIZE)[0] < 1 << 20:
    odd.append(("RLIMIT_FSIZE", resource.getrlimit(resource.RLIMIT_FSIZE)))
if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < 1024:
    odd.append(("RLIMIT_NOFILE", resource.getrlimit(resource.RLIMIT_NOFILE)))
if resource.getrlimit(resource.RLIMIT_MSGQUEUE)[0] < 8192:
    odd.append(("RLIMIT_MSGQUEUE", resource.getrlimit(resource.RLIMIT_MSGQUEUE)))
if resource.getrlimit(resource.RLIMIT_SIGPENDING)[0] < 16:
    odd.append(("RLIMIT_SIGPENDING", resource.getrlimit(resource.RLIMIT_SIGPENDING)))
if resource.getrlimit(resource.RLIMIT_STACK)[0] not in (resource.RLIM_INFINITY,) and resource.getrlimit(resource.RLIMIT_STACK)[0] < 1 << 20:
    odd.append(("RLIMIT_STACK", resource.getrlimit(resource.RLIMIT_STACK)))
if os.getpriority(os.PRIO_PROCESS, 0) != 0:
    odd.append(("nice", os.getpriority(os.PRIO_PROCESS, 0)))
if os.sched_getscheduler(0) != os.SCHED_OTHER:
    odd.append(("policy", os.sched_getscheduler(0)))
if (os.cpu_count() or 1) > 1 and len(os.sched_getaffinity(0)) == 1:
    odd.append(("affinity", os.sched_getaffinity(0)))
if libc.syscall(IOPRIO_GET, 1, 0) >> 13 == 3:
    odd.append(("ioprio", "idle"))
print("ESCAPED inherited", odd) if odd else print("BLOCKED")
