# expect: blocked
# Runs right after autogroup_a.py in the same slot: it must start in an autogroup of nice 0.
import os
line = open("/proc/self/autogroup").read().strip()
nice = int(line.rsplit(" ", 1)[1])
print(f"ESCAPED: this task inherits the previous task's autogroup nice: {line!r}" if nice != 0
      else f"BLOCKED: {line!r}")
