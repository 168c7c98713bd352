# Runs past a short timeout: the task ends failed with error "timeout".
import time
time.sleep(60)
