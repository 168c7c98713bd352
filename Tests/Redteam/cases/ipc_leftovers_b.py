# expect: blocked
# Runs right after ipc_leftovers_a.py in the same slot: none of its IPC objects may remain.
import os
left = []
for kind in ("shm", "sem", "msg"):
    rows = open(f"/proc/sysvipc/{kind}").read().splitlines()[1:]
    left += [(kind, r.split()[0]) for r in rows]
try:
    left += [("mqueue", n) for n in os.listdir("/dev/mqueue")]
except OSError:
    pass
print("ESCAPED leftovers", left) if left else print("BLOCKED")
