# expect: completed
# Runs right after zygote_killed.py in the same slot.
print("fine")
