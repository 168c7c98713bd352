# expect: failed
# timeout: 2
# max_seconds: 30
# A script that ignores SIGTERM and whose children do too is still killed at its deadline.
import os, signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
for _ in range(3):
    if os.fork() == 0:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        while True:
            time.sleep(0.01)
while True:
    pass
