# expect: completed
# Runs right after inflight_memory_a.py in the same slot: it gets its whole scratch space and its whole
# memory limit (512 MiB by default), not what the previous task left pinned in flight.
import os
st = os.statvfs("/tmp")
free, total = st.f_bavail * st.f_frsize >> 20, st.f_blocks * st.f_frsize >> 20
odd = []
if free < total - 16:
    odd.append(f"the previous task still holds {total - free} MiB of scratch")
hold = bytearray(400 << 20)  # OOM-killed (a memory failure) if the previous task's 200 MiB memfd is still charged
for i in range(0, len(hold), 4096):
    hold[i] = 1
print("ESCAPED", odd) if odd else print("BLOCKED: full scratch space and memory")
