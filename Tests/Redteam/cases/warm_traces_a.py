# expect: any
# next: warm_traces_b.py
# Leaves traces an earlier task should not be able to pass on: CPU time and many processes, closed
# loopback TCP connections (TIME_WAIT) and UDP traffic.
import os, socket, time
end = time.process_time() + 0.3
while time.process_time() < end:
    pass
for _ in range(50):
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(64)
for _ in range(20):
    c = socket.create_connection(server.getsockname())
    s, _ = server.accept()
    c.close()  # the side that closes first keeps TIME_WAIT
    s.close()
print("left traces")
