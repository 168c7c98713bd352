# expect: blocked
# Socket families with kernel attack surface and no use here (crypto, packet, vsock, bluetooth, key) are refused.
import socket
opened = []
for name, family in (("AF_ALG", 38), ("AF_PACKET", 17), ("AF_VSOCK", 40), ("AF_BLUETOOTH", 31), ("AF_KEY", 15),
                     ("AF_TIPC", 30), ("AF_RDS", 21), ("AF_XDP", 44)):
    for kind in (socket.SOCK_SEQPACKET, socket.SOCK_RAW, socket.SOCK_DGRAM, socket.SOCK_STREAM):
        try:
            socket.socket(family, kind).close()
            opened.append(name)
            break
        except OSError:
            pass
print("ESCAPED opened", opened) if opened else print("BLOCKED")
