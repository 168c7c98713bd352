# expect: blocked
# socketpair(2) is refused for every family but AF_UNIX before the kernel looks the family up (which
# loads protocol modules on a kernel that has them), and socket(2) refuses protocols other than TCP
# and UDP for the internet families (SCTP, DCCP, UDP-Lite, raw IP) and netlink other than routing.
import errno, socket
reached = []
for name, family in (("AF_INET", 2), ("AF_INET6", 10), ("AF_NETLINK", 16), ("AF_PACKET", 17), ("AF_ALG", 38),
                     ("AF_TIPC", 30), ("AF_VSOCK", 40), ("AF_BLUETOOTH", 31), ("AF_KEY", 15), ("AF_RDS", 21)):
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM, socket.SOCK_SEQPACKET):
        try:
            a, b = socket.socketpair(family, kind)
            a.close(); b.close()
            reached.append(f"socketpair {name} opened")
        except OSError as e:
            if e.errno != errno.EPERM:
                reached.append(f"socketpair {name}/{kind} reached the kernel ({errno.errorcode.get(e.errno)})")
for name, family, kind, proto in (("SCTP", 2, socket.SOCK_STREAM, 132), ("SCTP6", 10, socket.SOCK_SEQPACKET, 132),
                                  ("DCCP", 2, 6, 33), ("UDPLITE", 2, socket.SOCK_DGRAM, 136),
                                  ("L2TP", 2, socket.SOCK_DGRAM, 115), ("netlink audit", 16, socket.SOCK_RAW, 9),
                                  ("netlink crypto", 16, socket.SOCK_RAW, 21), ("netlink uevent", 16, socket.SOCK_DGRAM, 15)):
    try:
        socket.socket(family, kind, proto).close()
        reached.append(f"socket {name} opened")
    except OSError as e:
        if e.errno != errno.EPERM:
            reached.append(f"socket {name} reached the kernel ({errno.errorcode.get(e.errno)})")
print("ESCAPED", reached) if reached else print("BLOCKED")
