# expect: completed
# Runs right after survivor_leaderless_a.py in the same slot: nothing of it may be left, alive, stopped
# or half-dead, and nothing it planted may be imported.
import os, sys, time
time.sleep(0.3)
found = []
mine = {str(os.getpid())}
for entry in os.listdir("/proc"):
    if entry.isdigit() and entry not in mine:
        try:
            status = open(f"/proc/{entry}/status").read()
        except OSError:
            continue
        uid = [l.split()[1] for l in status.splitlines() if l.startswith("Uid:")]
        if uid and int(uid[0]) == os.getuid():
            found.append(("process", entry, status.splitlines()[2]))
found += [("file", name) for name in os.listdir("/tmp") if name not in ("main.py", "payload.json")]
import json
if not json.__file__.startswith("/usr/"):
    found.append(("module", json.__file__))
print("ESCAPED leftovers", found) if found else print("BLOCKED")
