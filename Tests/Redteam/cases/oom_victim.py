# expect: failed
# timeout: 60
# stdout_json_equals_payload: true
# Tries to make the OOM killer pick the sandbox's runner instead of the task: lowers its own
# oom_score_adj to the runner's (which works where the host lacks CAP_SYS_RESOURCE), then holds
# memory in memfds, which count against no process's RSS. The task must be the one killed, so that
# its output is kept and it fails as `memory` (not as sandbox trouble, retried for free): its stdout
# is the payload, which is lost when the runner dies instead.
import json, os, sys
print(json.dumps(payload), flush=True)
lowered = []
for value in ("0", "-999", "-1000"):
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write(value)
        lowered.append(value)
    except OSError:
        pass
print("lowered oom_score_adj to", lowered, file=sys.stderr, flush=True)
held = []
while True:
    fd = os.memfd_create("hog")
    os.ftruncate(fd, 64 << 20)
    os.posix_fallocate(fd, 0, 64 << 20)
    held.append(fd)
