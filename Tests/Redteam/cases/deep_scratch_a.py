# expect: any
# next: deep_scratch_b.py
# Leaves a file at the bottom of a folder chain in /tmp whose full path is longer than PATH_MAX
# (20 levels of 250-character names, made with relative paths). A wipe by full paths fails there with
# ENAMETOOLONG; the runner's walks by file descriptor (HardeningTests checks that the sandbox stays warm).
import os
fd = os.open("/tmp", os.O_RDONLY)
os.mkdir("deep", dir_fd=fd)
cur = os.open("deep", os.O_RDONLY, dir_fd=fd)
for i in range(20):
    name = chr(97 + i) * 250
    os.mkdir(name, dir_fd=cur)
    nxt = os.open(name, os.O_RDONLY, dir_fd=cur); os.close(cur); cur = nxt
with open(os.open("left-for-B", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=cur), "w") as f:
    f.write("planted by task A\n")
print("planted a file at depth 20 (path > 5000 bytes)")
