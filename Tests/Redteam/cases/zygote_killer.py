# expect: any
# next: after_zygote_killed.py
# Kills its own parent (the zygote). Only this sandbox suffers: it is recycled, the next task runs normally.
import os, signal
os.kill(os.getppid(), signal.SIGKILL)
print("killed the zygote")
