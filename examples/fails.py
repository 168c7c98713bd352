# Exits non-zero: the task ends failed with error "exit_code".
import sys
print("about to fail", file=sys.stderr)
sys.exit(3)
