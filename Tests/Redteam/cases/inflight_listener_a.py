# expect: any
# next: inflight_listener_b.py
# Puts a loopback TCP listener and an abstract unix listener "in flight": their fds are sent over a
# unix socketpair whose own ends are then sent into each other (an SCM_RIGHTS cycle), and every fd
# is closed. No process holds them, so kill(-1) and the /proc check see nothing; only the kernel's
# unix garbage collector could free them.
import os, socket, array
tcp = socket.socket(); tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind(("127.0.0.1", 47311)); tcp.listen(16)
ux = socket.socket(socket.AF_UNIX); ux.bind("\0redteam-inflight"); ux.listen(16)
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
a.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [tcp.fileno(), ux.fileno(), a.fileno(), b.fileno()]))])
for s in (tcp, ux, a, b): s.close()
print("left listeners in flight")
