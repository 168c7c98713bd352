# expect: blocked
# Runs right after locked_scratch_a.py in the same slot.
import os
left = sorted(set(os.listdir("/tmp")) - {"main.py", "payload.json"})
print("ESCAPED leftovers", left) if left else print("BLOCKED")
