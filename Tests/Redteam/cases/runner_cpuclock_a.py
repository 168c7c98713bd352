# expect: any
# next: runner_cpuclock_b.py
# Leaves a trace in the CPU time of the runner (PID 1) and the zygote, which later tasks can read
# with clock_gettime on their process CPU clocks (no permission check, no /proc needed): it makes
# the runner drain 12 MiB of output (the zygote's grows with every task and sweep it forks).
import os
b = b"." * (1 << 20)
for _ in range(12):
    os.write(1, b)
