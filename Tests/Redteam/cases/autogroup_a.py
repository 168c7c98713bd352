# expect: any
# next: autogroup_b.py
# Writes nice 19 into /proc/self/autogroup. The autogroup belongs to the session, and every task
# runs in the session of the runner (PID 1, sid 1): the value sticks to the runner, the zygote and
# every later task of the slot. The zygote check compares per-process nice, not the autogroup's.
import os
print("sid", os.getsid(0), "before:", open("/proc/self/autogroup").read().strip())
with open("/proc/self/autogroup", "w") as f:
    f.write("19")
print("after:", open("/proc/self/autogroup").read().strip())
