# expect: any
# max_output_bytes: 16777216
# Flooding stderr is capped like stdout.
import sys
line = "e" * 1023 + "\n"
for _ in range(256 * 1024):
    sys.stderr.write(line)
