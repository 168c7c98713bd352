# expect: blocked
# Runs after pagecache_a.py: page-cache residency of shared files must not be readable.
import errno, os
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
bits = ""
try:
    for i in range(40):
        try:
            os.preadv(fd, [bytearray(1)], (64 + i * 64) * 4096, os.RWF_NOWAIT)
            bits += "1"
        except BlockingIOError:
            bits += "0"
    msg = bytes(int(bits[j:j + 8], 2) for j in range(0, 40, 8))
    print(f"ESCAPED: preadv2(RWF_NOWAIT) reads residency; got {msg!r}")
except PermissionError:
    print("BLOCKED: RWF_NOWAIT refused")
