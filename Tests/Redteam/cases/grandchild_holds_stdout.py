# expect: completed
# timeout: 120
# max_seconds: 30
# The script exits while a detached grandchild still holds its stdout: the task completes at once.
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(100)
    os._exit(0)
print("parent done")
