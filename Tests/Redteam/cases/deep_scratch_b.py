# expect: blocked
# Runs right after deep_scratch_a.py in the same slot: its scratch must be empty.
import os
print("ESCAPED: /tmp still holds the previous task's folder 'deep'" if os.path.exists("/tmp/deep")
      else "BLOCKED: /tmp is clean: " + repr(os.listdir("/tmp")))
