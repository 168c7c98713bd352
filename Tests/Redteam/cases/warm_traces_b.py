# expect: completed
# Runs right after warm_traces_a.py in the same slot: it must see nothing of it (no connection of
# it in the network namespace, no CPU time or process count through the runner or the zygote),
# and nothing that names the host or the node (host name, node folders in the mount table, boot id).
import os
seen = []
for table in ("/proc/net/tcp", "/proc/net/tcp6", "/proc/net/udp", "/proc/net/udp6"):
    try:
        rows = open(table).read().splitlines()[1:]
    except OSError:
        continue
    if rows:
        seen.append((table, len(rows)))
for entry in os.listdir("/proc"):
    if entry.isdigit() and int(entry) != os.getpid():
        try:
            fields = open(f"/proc/{entry}/stat").read().rpartition(")")[2].split()
            seen.append(("process", entry, "cpu ticks", sum(int(x) for x in fields[11:15])))
        except OSError:
            pass
mounts = open("/proc/self/mountinfo").read()
host = payload.get("host_hostname", "")
if host and host in mounts:
    seen.append(("host name in mountinfo", host))
if "/nodes/" in mounts:
    seen.append(("node folder in mountinfo", [l.split()[3] for l in mounts.splitlines() if "/nodes/" in l][:2]))
try:
    boot_id = open("/proc/sys/kernel/random/boot_id").read().strip()
    if boot_id:
        seen.append(("boot id", boot_id))
except OSError:
    pass
print("ESCAPED sees", seen) if seen else print("BLOCKED")
