# expect: completed
# Runs right after warm_state_a.py in the same slot: it starts as a first task would.
import os, resource, signal, socket, sys
odd = []
old = os.umask(0o022)
if old != 0o022:
    odd.append(("umask", oct(old)))
if os.getcwd() != "/tmp":
    odd.append(("cwd", os.getcwd()))
for name in ("PYTHONPATH", "LD_PRELOAD"):
    if name in os.environ:
        odd.append(("env", name))
for sig in (signal.SIGTERM, signal.SIGCHLD, signal.SIGALRM):
    if signal.getsignal(sig) != signal.SIG_DFL:
        odd.append(("signal", sig.name, signal.getsignal(sig)))
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    odd.append(("signal", "SIGINT ignored"))
if signal.pthread_sigmask(signal.SIG_BLOCK, []):
    odd.append(("blocked signals", signal.pthread_sigmask(signal.SIG_BLOCK, [])))
if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < 1024 or resource.getrlimit(resource.RLIMIT_FSIZE)[0] < 1 << 20:
    odd.append(("rlimits", resource.getrlimit(resource.RLIMIT_NOFILE), resource.getrlimit(resource.RLIMIT_FSIZE)))
if os.getpriority(os.PRIO_PROCESS, 0) != 0:
    odd.append(("nice", os.getpriority(os.PRIO_PROCESS, 0)))
if (os.cpu_count() or 1) > 1 and len(os.sched_getaffinity(0)) == 1:
    odd.append(("affinity", os.sched_getaffinity(0)))
fds = sorted(int(fd) for fd in os.listdir("/proc/self/fd"))
if fds[:3] != [0, 1, 2] or len(fds) > 4:  # 0-2 and the descriptor listdir itself holds
    odd.append(("descriptors", fds, [os.readlink(f"/proc/self/fd/{fd}") for fd in fds if fd > 2 and os.path.exists(f"/proc/self/fd/{fd}")]))
for folder in ("/tmp", "/dev/shm", "/dev/mqueue"):
    left = sorted(set(os.listdir(folder)) - {"main.py", "payload.json"})
    if left:
        odd.append(("files", folder, left))
probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    probe.connect("\0continuum-warm-state")
    odd.append(("abstract socket", "still listening"))
except OSError:
    pass
if any("elsewhere" in p for p in sys.path):
    odd.append(("sys.path", sys.path))
print("ESCAPED inherited", odd) if odd else print("BLOCKED")
