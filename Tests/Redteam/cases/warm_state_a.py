# expect: any
# next: warm_state_b.py
# Changes every kind of state a process or its scratch can carry, hoping the next task in the slot
# inherits it: umask, working directory, environment, signal dispositions and mask, rlimits, nice,
# affinity, open descriptors, files in every scratch folder, an abstract unix socket, a POSIX queue.
import ctypes, os, resource, signal, socket
os.umask(0o777)
os.makedirs("/tmp/elsewhere", exist_ok=True)
os.chdir("/tmp/elsewhere")
os.environ["PYTHONPATH"] = "/tmp/elsewhere"
os.putenv("LD_PRELOAD", "/tmp/elsewhere/evil.so")
for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD, signal.SIGALRM):
    signal.signal(sig, signal.SIG_IGN)
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGUSR2})
resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
os.nice(10)
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
open("/tmp/elsewhere/evil.py", "w").write("print('ESCAPED imported')\n")
for folder in ("/dev/shm", "/dev/mqueue"):
    try:
        open(f"{folder}/left", "w").write("x")
    except OSError:
        pass
held = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
held.bind("\0continuum-warm-state")
held.listen(1)
os.set_inheritable(held.fileno(), True)
print("changed")
