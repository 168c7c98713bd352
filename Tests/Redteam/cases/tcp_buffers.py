# expect: any
# max_seconds: 60
# Queues data in unread loopback TCP connections. Socket buffers are kernel memory: they must be
# charged to the sandbox (and bounded by it), never to the host. The sandbox's memory limit is
# 512 MiB by default; queuing more than that means the buffers escaped it.
import errno, os, select, socket
LIMIT = 512 << 20
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(512)
chunk = b"x" * (1 << 20)
queued, pairs = 0, []
stalled = 0
while queued <= LIMIT + (32 << 20) and len(pairs) < 400 and stalled < 20:
    c = socket.socket()
    c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 << 20)
    c.connect(server.getsockname())
    s, _ = server.accept()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 20)
    c.setblocking(False)
    pairs.append((c, s))
    before = queued
    for _ in range(200):
        try:
            queued += c.send(chunk)
        except BlockingIOError:
            if not select.select([], [c], [], 0.02)[1]:
                break
        except OSError:
            break
    stalled = stalled + 1 if queued - before < (1 << 20) else 0
print(f"queued {queued >> 20} MiB in {len(pairs)} connections")
print("ESCAPED socket buffers outside the memory limit") if queued > LIMIT else print("BLOCKED")
