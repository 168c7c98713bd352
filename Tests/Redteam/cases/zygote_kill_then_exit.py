# expect: failed
# exit_code: 3
# Kills its parent (the zygote), then exits 3. The script's own exit status is what must be recorded:
# killing the zygote must not turn the task's failure into sandbox trouble that is retried for free.
import os, signal, sys, time
try:
    os.kill(os.getppid(), signal.SIGKILL)
except OSError:
    pass
time.sleep(0.1)
sys.exit(3)
