# expect: any
# next: inflight_memory_b.py
# Pins 200 MiB of memfd pages and a 100 MiB unlinked file in /tmp (scratch) beyond its own end: the
# fds go into an SCM_RIGHTS cycle (a unix socketpair sent into itself), so no process holds them.
import array, os, socket
chunk = b"\xa5" * (1 << 20)
m = os.memfd_create("pin")
for _ in range(200):
    os.write(m, chunk)
f = os.open("/tmp/.pinned", os.O_RDWR | os.O_CREAT, 0o600)
for _ in range(100):
    os.write(f, chunk)
os.unlink("/tmp/.pinned")
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
a.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [m, f, a.fileno(), b.fileno()]))])
for fd in (m, f):
    os.close(fd)
a.close()
b.close()
print("pinned 200 MiB of memfd and 100 MiB of scratch in flight")
