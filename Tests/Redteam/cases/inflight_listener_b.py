# expect: blocked
# Runs right after inflight_listener_a.py in the same slot: its listeners must be gone.
import socket, time
hits = []
for name, fam, addr in (("tcp 127.0.0.1:47311", socket.AF_INET, ("127.0.0.1", 47311)),
                        ("abstract @redteam-inflight", socket.AF_UNIX, "\0redteam-inflight")):
    s = socket.socket(fam); s.settimeout(1)
    try:
        s.connect(addr); hits.append(name)
    except OSError as e:
        pass
    s.close()
b = socket.socket(); 
try:
    b.bind(("127.0.0.1", 47311)); b.listen(1)
except OSError as e:
    hits.append(f"bind 127.0.0.1:47311 fails: {e.strerror}")
b.close()
print(("ESCAPED: a listener of the previous task still accepts connections: " + ", ".join(hits)) if hits
      else "BLOCKED: nothing of the previous task listens")
