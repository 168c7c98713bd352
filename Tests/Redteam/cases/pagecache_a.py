# expect: any
# next: pagecache_b.py
# Writes a message into the host's page cache of a read-only /usr file that every sandbox of the node
# (and the host) shares: evicts the file (posix_fadvise DONTNEED), then reads one page for each 1 bit.
# A later task reads the bits with preadv2(RWF_NOWAIT), which says EAGAIN for pages not in the cache.
import os
def biggest(folder="/usr/lib"):
    best = (0, "")
    for root, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            try:
                if not os.path.islink(path):
                    best = max(best, (os.path.getsize(path), path))
            except OSError:
                pass
    return best[1]
fd = os.open(biggest(), os.O_RDONLY)
try:
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
except OSError as e:
    print("fadvise DONTNEED refused:", e.strerror)
for i, bit in enumerate("".join(f"{c:08b}" for c in b"hi B!")):
    if bit == "1":
        os.pread(fd, 1, (64 + i * 64) * 4096)  # 64 pages apart, beyond readahead
print("wrote the bits")
