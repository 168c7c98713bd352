# expect: blocked
# More dangerous system calls are refused: io_uring, userfaultfd, clone into new namespaces, setns,
# cross-process memory, kernel modules, kexec, the new mount API, pidfd_getfd.
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
ok = []
params = ctypes.create_string_buffer(120)
if libc.syscall(425, 8, params) >= 0:
    ok.append("io_uring_setup")
if libc.syscall(323, 0) >= 0:
    ok.append("userfaultfd")
for flag, name in ((0x10000000, "CLONE_NEWUSER"), (0x20000000, "CLONE_NEWPID"), (0x40000000, "CLONE_NEWNET")):
    pid = libc.syscall(56, flag | 17, 0, 0, 0, 0)  # clone(flags | SIGCHLD)
    if pid == 0:
        os._exit(0)
    if pid > 0:
        os.waitpid(pid, 0)
        ok.append("clone " + name)
fd = os.open("/proc/self/ns/net", os.O_RDONLY)
if libc.setns(fd, 0) == 0:
    ok.append("setns")
local = (ctypes.c_char * 8)()
iov = (ctypes.c_void_p * 2)(ctypes.addressof(local), 8)
if libc.syscall(310, os.getppid(), iov, 1, iov, 1, 0) >= 0:
    ok.append("process_vm_readv")
if libc.syscall(175, None, 0, b"") == 0 or ctypes.get_errno() not in (1,):
    ok.append("init_module")
if libc.syscall(246, 0, 0, None, 0) == 0 or ctypes.get_errno() not in (1,):
    ok.append("kexec_load")
if libc.syscall(430, b"tmpfs", 0) >= 0:
    ok.append("fsopen")
if libc.syscall(428, -100, b"/tmp", 1) >= 0:
    ok.append("open_tree")
pidfd = libc.syscall(434, os.getpid(), 0)
if pidfd >= 0 and libc.syscall(438, pidfd, 0, 0) >= 0:
    ok.append("pidfd_getfd")
print("ESCAPED", ok) if ok else print("BLOCKED")
