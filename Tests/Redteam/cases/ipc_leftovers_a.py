# expect: any
# next: ipc_leftovers_b.py
# Leaves SysV shared memory, a semaphore set, a message queue and a POSIX message queue behind.
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
made = [libc.shmget(0x5151, 4096, 0o1600), libc.semget(0x5252, 1, 0o1600), libc.msgget(0x5353, 0o1600)]
try:
    rt = ctypes.CDLL("librt.so.1", use_errno=True)
    rt.mq_open.restype = ctypes.c_int
    made.append(rt.mq_open(b"/continuum_leftover", os.O_CREAT | os.O_RDWR, 0o600, None))
except OSError:
    pass
print("made", made)
