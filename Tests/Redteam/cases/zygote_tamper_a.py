# expect: any
# next: zygote_tamper_b.py
# Tries to change how every later task in this slot starts by changing its parent, the zygote:
# rlimits, nice value, scheduling policy, CPU affinity and I/O class, and the same for every
# process of its uid or process group.
import ctypes, os, resource
libc = ctypes.CDLL(None, use_errno=True)
IOPRIO_SET = 251 if os.uname().machine == "x86_64" else 30
zygote = os.getppid()
changed = []


def attempt(name, call):
    try:
        if call() in (None, 0):
            changed.append(name)
    except OSError:
        pass


for limit, value in ((resource.RLIMIT_FSIZE, 64), (resource.RLIMIT_NOFILE, 8), (resource.RLIMIT_MSGQUEUE, 0),
                     (resource.RLIMIT_SIGPENDING, 1), (resource.RLIMIT_NPROC, 1), (resource.RLIMIT_STACK, 65536)):
    attempt(f"prlimit {limit}", lambda: resource.prlimit(zygote, limit, (value, value)) and None)
attempt("setpriority process", lambda: os.setpriority(os.PRIO_PROCESS, zygote, 17))
attempt("setpriority user", lambda: os.setpriority(os.PRIO_USER, os.getuid(), 17))
attempt("setpriority group", lambda: os.setpriority(os.PRIO_PGRP, os.getpgid(zygote), 17))
attempt("sched_setscheduler", lambda: os.sched_setscheduler(zygote, os.SCHED_BATCH, os.sched_param(0)))
attempt("sched_setaffinity", lambda: os.sched_setaffinity(zygote, {min(os.sched_getaffinity(0))}))
attempt("ioprio_set", lambda: libc.syscall(IOPRIO_SET, 1, zygote, 3 << 13))  # IOPRIO_CLASS_IDLE
attempt("ioprio_set user", lambda: libc.syscall(IOPRIO_SET, 3, os.getuid(), 3 << 13))
print("ESCAPED changed the zygote:", changed) if changed else print("BLOCKED")
