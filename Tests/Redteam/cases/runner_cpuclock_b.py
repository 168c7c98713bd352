# expect: blocked
# Runs after runner_cpuclock_a.py in the same slot: it must not see the CPU time of the runner or the
# zygote (hidepid=2 hides /proc/1/stat; clock_gettime(MAKE_PROCESS_CPUCLOCK(pid)) does not ask).
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
class TS(ctypes.Structure): _fields_ = [("s", ctypes.c_long), ("ns", ctypes.c_long)]
def cpu(pid):
    t = TS()
    if libc.clock_gettime(ctypes.c_int(((~pid) << 3) | 2), ctypes.byref(t)) != 0:
        return None
    return t.s + t.ns / 1e9
r, z = cpu(1), cpu(os.getppid())
print(f"ESCAPED: runner CPU {r:.3f} s, zygote CPU {z:.3f} s (readable; grows with earlier tasks' output and sweeps)"
      if r is not None else "BLOCKED: the runner's CPU clock is not readable")
