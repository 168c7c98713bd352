"""Continuum's in-sandbox runner: PID 1 of a warm sandbox, one task at a time.

Started as `/usr/bin/python3 -I -S /continuum/runner.py TASK_UID TASK_GID` by the OCI runtime, as its
own unprivileged uid with only CAP_SETUID, CAP_SETGID and CAP_SETPCAP, which it uses once: to empty the
bounding set and start the zygote as the task uid. Then it drops every capability. It talks to the node over its stdin (requests) and
stdout (replies), nothing else.

Frames (both directions): a 4-byte big-endian length N, N bytes of UTF-8 JSON (the header), then the
raw byte sections whose lengths the header names, in the order given below.

  runner -> node, once at start:   {"op": "ready", "zygote": PID}
  node -> runner:                  {"op": "run", "id": S, "code": N1, "payload": N2,
                                    "stdout_cap": B, "stderr_cap": B, "output_limit": B}
                                   + N1 bytes of Python source + N2 bytes of payload JSON
  runner -> node:                  {"op": "result", "exit_code": I|null, "signal": I|null,
                                    "stdout": N1, "stderr": N2, "stdout_truncated": bool,
                                    "stderr_truncated": bool, "output_limit": bool,
                                    "anomaly": S|null, "duration_ms": F}
                                   + N1 bytes of stdout + N2 bytes of stderr
EOF on stdin makes the runner exit; the runtime then removes the sandbox.

Security design:
- Three kinds of process: the runner (PID 1, runner uid, no capabilities once started), the zygote
  (task uid) and task children (task uid, forked from the zygote). Tasks cannot signal, trace or read
  the runner: another uid, and PID 1 of the namespace.
- The zygote is forked before any task arrives and never sees a payload or an output. Each task runs
  in a fresh child forked from it, which reads its code and payload from its own pipe and writes them
  to scratch as `/tmp/main.py` and `/tmp/payload.json`; no task can read what an earlier one left in a
  parent's memory.
- Runner and zygote are not dumpable (PR_SET_DUMPABLE 0): a task running as the zygote's uid can read
  neither its memory nor its file descriptors through /proc. A task that kills or stops the zygote
  only gets the sandbox recycled (an anomaly) or timed out.
- The task child raises its own oom_score_adj to 1000 so that the OOM killer picks the task.
- stdout and stderr are kept up to their caps; past the caps the runner keeps draining and discards.
  When stdout plus stderr pass `output_limit` bytes the task is killed and reported with output_limit.
- The task is over when its process exits: the runner then drains what is already in the pipes for at
  most DRAIN_SECONDS and stops, even if a grandchild still holds the pipes.
- After every task the zygote SIGKILLs every other process of the task uid until none is left,
  removes the SysV IPC objects and empties the scratch folders; the runner reaps the dead and checks
  that nothing but itself and the zygote is left. Anything odd is reported as an anomaly, and the node
  then recycles the sandbox.
"""
import ctypes
import json
import os
import select
import signal
import socket
import struct
import sys
import time

FRAME = struct.Struct(">I")
INPUT = struct.Struct(">QQ")
SCRATCH = ("/tmp", "/dev/shm", "/dev/mqueue")
SCRIPT = "/tmp/main.py"
PAYLOAD = "/tmp/payload.json"
DRAIN_SECONDS = 0.05
KILL_SECONDS = 3.0
CHUNK = 65536
PR_SET_DUMPABLE = 4
PR_CAPBSET_DROP = 24

libc = ctypes.CDLL(None, use_errno=True)


class CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def drop_capabilities():
    header = CapHeader(0x20080522, 0)
    if libc.capset(ctypes.byref(header), (CapData * 2)()) != 0:
        raise OSError(ctypes.get_errno(), "capset")


def empty_bounding_set():
    for cap in range(64):
        libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)


def set_dumpable(flag):
    libc.prctl(PR_SET_DUMPABLE, flag, 0, 0, 0)


def read_exact(fd, n):
    parts = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise EOFError
        parts.append(chunk)
        n -= len(chunk)
    return b"".join(parts)


def read_frame(fd):
    (size,) = FRAME.unpack(read_exact(fd, FRAME.size))
    return json.loads(read_exact(fd, size))


def write_all(fd, data):
    data = memoryview(data)
    while data:
        data = data[os.write(fd, data):]


def write_frame(fd, header, *sections):
    head = json.dumps(header).encode()
    write_all(fd, b"".join([FRAME.pack(len(head)), head, *sections]))


# ---------------------------------------------------------------- the task child (forked by the zygote)

def task_child(in_fd, out_fd, err_fd):
    os.dup2(out_fd, 1)
    os.dup2(err_fd, 2)
    os.close(out_fd)
    os.close(err_fd)
    set_dumpable(1)
    with open("/proc/self/oom_score_adj", "w") as f:
        f.write("1000")
    code_len, payload_len = INPUT.unpack(read_exact(in_fd, INPUT.size))
    source = read_exact(in_fd, code_len)
    raw_payload = read_exact(in_fd, payload_len)
    os.close(in_fd)
    for path, data in ((SCRIPT, source), (PAYLOAD, raw_payload)):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        write_all(fd, data)
        os.close(fd)
    import builtins
    import io
    import types
    sys.stdin = sys.__stdin__ = open(os.devnull, encoding="utf-8")
    sys.stdout = sys.__stdout__ = io.TextIOWrapper(
        io.BufferedWriter(io.FileIO(1, "w", closefd=False)), encoding="utf-8", errors="surrogateescape")
    sys.stderr = sys.__stderr__ = io.TextIOWrapper(
        io.BufferedWriter(io.FileIO(2, "w", closefd=False)), encoding="utf-8", errors="backslashreplace",
        line_buffering=True)
    os.chdir("/tmp")
    code = 1
    try:
        payload = json.loads(raw_payload)
        del raw_payload
        main = types.ModuleType("__main__")
        main.__dict__.update(__file__=SCRIPT, __builtins__=builtins, payload=payload)
        sys.modules["__main__"] = main
        sys.argv = [SCRIPT, PAYLOAD]
        sys.path.insert(0, "/tmp")
        exec(compile(source, SCRIPT, "exec"), main.__dict__)
        code = 0
    except SystemExit as e:
        code = exit_status(e)
    except BaseException as e:
        tb = e.__traceback__.tb_next if e.__traceback__ else None  # hide the runner's own frame
        sys.excepthook(type(e), e.with_traceback(tb), tb)
        code = 1
    os._exit(finish(code))


def exit_status(e):
    if e.code is None:
        return 0
    if isinstance(e.code, int):
        return e.code & 0xFF
    print(e.code, file=sys.stderr)
    return 1


def finish(code):
    """What the interpreter does at exit: join non-daemon threads, run atexit, flush."""
    try:
        if "threading" in sys.modules:
            sys.modules["threading"]._shutdown()
        import atexit
        atexit._run_exitfuncs()
    except SystemExit as e:
        code = exit_status(e)
    except BaseException:
        sys.excepthook(*sys.exc_info())
        code = code or 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    return code


# ---------------------------------------------------------------- the zygote (task uid)

def zygote(sock, uid, gid):
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    drop_capabilities()
    set_dumpable(0)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    import site
    sys.path += [p for p in site.getsitepackages() if os.path.isdir(p)]  # dist-packages, without running .pth files
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(sock, 64, 3)
        except OSError:
            os._exit(1)
        if msg == b"T" and len(fds) == 3:
            pid = os.fork()
            if pid == 0:
                sock.close()
                task_child(*fds)
            for fd in fds:
                os.close(fd)
            sock.send(b"P%d" % pid)
            sock.send(b"X%d" % watch(sock, pid))
        elif msg == b"C":
            try:
                problems = clean_up()
            except Exception as e:  # the runner must hear about it rather than lose the zygote
                problems = [f"cleanup failed: {e!r}"]
            sock.send(b"D" + json.dumps(problems).encode())
        else:
            os._exit(0)


def watch(sock, pid):
    """Waits for the task child to end, killing it when the runner says K; returns its wait status."""
    pidfd = os.pidfd_open(pid)
    poller = select.poll()
    poller.register(pidfd, select.POLLIN)
    poller.register(sock.fileno(), select.POLLIN)
    try:
        while True:
            for fd, _ in poller.poll():
                if fd == pidfd:
                    return os.waitpid(pid, 0)[1]
                msg = sock.recv(64)
                if msg == b"K" or not msg:
                    try_kill(pid)
                if not msg:
                    poller.unregister(fd)
    finally:
        os.close(pidfd)


def clean_up():
    """Kills every other process of the task uid, then empties scratch and SysV IPC."""
    problems = []
    if not kill_others({1, os.getpid()}):
        problems.append("task processes survived SIGKILL")
    remove_sysv_ipc(problems)
    for folder in SCRATCH:
        wipe(folder, problems)
    return problems


def running(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rpartition(b")")[2].split()[0] != b"Z"
    except (OSError, IndexError):
        return False


def others_running(keep):
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in keep and running(p)]


def kill_others(keep):
    deadline = time.monotonic() + KILL_SECONDS
    while True:
        others = others_running(keep)
        if not others:
            return True
        for pid in others:
            try_kill(pid)
        if time.monotonic() > deadline:
            return False
        time.sleep(0.0005)


def remove_sysv_ipc(problems):
    for kind, ctl in (("shm", libc.shmctl), ("sem", libc.semctl), ("msg", libc.msgctl)):
        try:
            with open(f"/proc/sysvipc/{kind}") as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            ident = int(row.split()[1])
            result = ctl(ident, 0, 0) if kind == "sem" else ctl(ident, 0, None)  # IPC_RMID is 0
            if result != 0:
                problems.append(f"SysV {kind} {ident} could not be removed")


def wipe(folder, problems):
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                remove_tree(entry.path)
            else:
                os.unlink(entry.path)
        except OSError as e:
            problems.append(f"could not remove {entry.path}: {e.strerror}")


def remove_tree(path):
    """Removes a folder the task may have made unreadable or unwritable (it is the zygote's uid)."""
    os.chmod(path, 0o700)
    for entry in os.scandir(path):
        if entry.is_dir(follow_symlinks=False):
            remove_tree(entry.path)
        else:
            os.unlink(entry.path)
    os.rmdir(path)


def try_kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


# ---------------------------------------------------------------- the runner (PID 1, runner uid)

class Capture:
    def __init__(self, fd, cap):
        self.fd, self.cap, self.data, self.total, self.open = fd, cap, bytearray(), 0, True

    def read(self):
        try:
            chunk = os.read(self.fd, CHUNK)
        except BlockingIOError:
            return
        if not chunk:
            self.open = False
            return
        room = self.cap - len(self.data)
        if room > 0:
            self.data += chunk[:room]
        self.total += len(chunk)


class ZygoteFailed(Exception):
    pass


class NodeGone(Exception):
    """The node closed our stdin (it exited or was killed): no one will enforce the deadline."""


class Runner:
    def __init__(self, uid, gid):
        empty_bounding_set()
        self.sock, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.zygote = os.fork()
        if self.zygote == 0:
            self.sock.close()
            zygote(child, uid, gid)
        child.close()
        drop_capabilities()

    def ask(self, prefix):
        reply = self.sock.recv(65536)
        if not reply.startswith(prefix):
            raise ZygoteFailed("the zygote died" if not reply else "the zygote sent " + repr(reply[:40]))
        return reply[1:]

    def stop_task(self):
        """Asks the zygote to SIGKILL the task child: the runner's uid may not signal it."""
        try:
            self.sock.send(b"K")
        except OSError:
            pass

    def run(self, req, body):
        started = time.monotonic()
        problems = []
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        in_r, in_w = os.pipe()
        for fd in (out_r, err_r):
            os.set_blocking(fd, False)
        out = Capture(out_r, req["stdout_cap"])
        err = Capture(err_r, req["stderr_cap"])
        status = None
        limit_hit = False
        try:
            socket.send_fds(self.sock, [b"T"], [in_r, out_w, err_w])
            for fd in (in_r, out_w, err_w):
                os.close(fd)
            self.ask(b"P")
            try:
                write_all(in_w, INPUT.pack(req["code"], req["payload"]) + body)
            except BrokenPipeError:
                pass
            os.close(in_w)
            in_w = None
            status, limit_hit = self.collect(out, err, req["output_limit"])
        except (OSError, ZygoteFailed, ValueError) as e:
            problems.append(str(e) or e.__class__.__name__)
            self.stop_task()
        finally:
            for fd in (out_r, err_r, in_w):
                if fd is not None:
                    os.close(fd)
        problems += self.clean_up()
        header = {"op": "result", "exit_code": None, "signal": None,
                  "stdout": len(out.data), "stderr": len(err.data),
                  "stdout_truncated": out.total > len(out.data), "stderr_truncated": err.total > len(err.data),
                  "output_limit": limit_hit, "anomaly": "; ".join(problems) or None,
                  "duration_ms": (time.monotonic() - started) * 1000}
        if status is not None:
            if os.WIFEXITED(status):
                header["exit_code"] = os.WEXITSTATUS(status)
            elif os.WIFSIGNALED(status):
                header["signal"] = os.WTERMSIG(status)
        return header, bytes(out.data), bytes(err.data)

    def collect(self, out, err, limit):
        poller = select.poll()
        for fd in (out.fd, err.fd, self.sock.fileno()):
            poller.register(fd, select.POLLIN)
        poller.register(0, select.POLLHUP | select.POLLERR)
        status = drain_until = None
        limit_hit = False
        while out.open or err.open:
            timeout = None if drain_until is None else max(0, drain_until - time.monotonic()) * 1000
            events = poller.poll(timeout)
            for fd, revents in events:
                if fd == 0:
                    if revents & (select.POLLHUP | select.POLLERR):
                        raise NodeGone()
                    continue
                if fd == self.sock.fileno():
                    status = int(self.ask(b"X"))
                    drain_until = time.monotonic() + DRAIN_SECONDS
                    poller.unregister(fd)
                    continue
                capture = out if fd == out.fd else err
                capture.read()
                if not capture.open:
                    poller.unregister(fd)
            if limit and not limit_hit and out.total + err.total > limit:
                limit_hit = True
                self.stop_task()
            if drain_until is not None and time.monotonic() >= drain_until:
                break
        if status is None:
            status = int(self.ask(b"X"))
        return status, limit_hit

    def clean_up(self):
        """Has the zygote kill and wipe, reaps the dead, and checks that only runner and zygote are left."""
        problems = []
        try:
            self.sock.send(b"C")
            problems += json.loads(self.ask(b"D"))
        except (OSError, ZygoteFailed, ValueError) as e:
            problems.append(str(e) or e.__class__.__name__)
        reap()
        if not alive(self.zygote):
            problems.append("the zygote died")
        if others_running({1, self.zygote}):
            problems.append("processes outlived the task")
        return problems

    def serve(self):
        write_frame(1, {"op": "ready", "zygote": self.zygote})
        while True:
            try:
                req = read_frame(0)
            except EOFError:
                return
            if req.get("op") != "run":
                continue
            body = read_exact(0, req["code"] + req["payload"])
            try:
                header, stdout, stderr = self.run(req, body)
            except NodeGone:
                # Exiting ends the PID namespace, and with it the task and all it started.
                self.stop_task()
                return
            write_frame(1, header, stdout, stderr)


def reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def alive(pid):
    try:
        return os.waitpid(pid, os.WNOHANG) == (0, 0)
    except ChildProcessError:
        return False


def main():
    set_dumpable(0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    Runner(int(sys.argv[1]), int(sys.argv[2])).serve()


if __name__ == "__main__":
    main()
