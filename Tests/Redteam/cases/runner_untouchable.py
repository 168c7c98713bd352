# expect: blocked
# The runner (PID 1, another uid) and the zygote (the task's parent) cannot be signalled, traced or read.
import ctypes, os, signal
libc = ctypes.CDLL(None, use_errno=True)
got = []
for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT, signal.SIGSTOP):
    try:
        os.kill(1, sig)
        got.append(f"kill(1, {sig.name})")
    except OSError:
        pass
for pid in (1, os.getppid()):
    for name in ("mem", "environ", "maps", "fd", "cwd/."):
        path = f"/proc/{pid}/{name}"
        try:
            if name in ("fd",):
                os.listdir(path)
            elif name == "cwd/.":
                os.listdir(path)
            else:
                with open(path, "rb") as f:
                    f.read(16)
            got.append(path)
        except OSError:
            pass
    if libc.ptrace(16, pid, None, None) == 0:  # PTRACE_ATTACH
        got.append(f"ptrace({pid})")
print("ESCAPED", got) if got else print("BLOCKED")
