"""Continuum's in-sandbox runner: PID 1 of a warm sandbox, one task at a time.

Started as `/usr/bin/python3 -I -S /continuum/runner.py TASK_UID TASK_GID` by the OCI runtime, as its
own unprivileged uid with only CAP_SETUID, CAP_SETGID and CAP_SETPCAP. It empties the bounding set,
forks the zygote and drops every capability. It talks to the node over its stdin (requests) and
stdout (replies), nothing else. Its fd 3 is the `cgroup.procs` of the sandbox's task cgroup, opened
for writing by the node.

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
  (runner uid, CAP_SETUID and CAP_SETGID only) and task processes (task uid, no capabilities, in a
  session and so a scheduler autogroup of their own). Tasks can neither signal, trace, read,
  re-limit nor re-schedule the runner or the zygote: another uid, not dumpable, and /proc is mounted
  with hidepid=2 so that they do not even see them (the runner's gid is exempt). The seccomp profile
  also limits prlimit64, setpriority, sched_set* and ioprio_set to the caller itself. After every
  task the runner compares the zygote's limits, scheduling, CPU set, I/O class, umask and autogroup
  with what they were at start; any change is an anomaly, and the node recycles the sandbox.
- The zygote is forked before any task arrives and never sees a payload or an output. Each task runs
  in a fresh child forked from it. Before the child gets its input, the zygote writes its pid into
  fd 3: the child and everything it starts live in the task cgroup, a memory cgroup of their own
  whose limit is the task's, inside the sandbox's cgroup, which holds the runner and the zygote and
  has a reserve above it. So an OOM kill at the task's limit can only pick a task process. The
  child then reads its code and payload from its own pipe, becomes the task uid, drops every
  capability, raises its oom_score_adj to 1000 and writes the code and payload to scratch as
  `/tmp/main.py` and `/tmp/payload.json`.
- stdout and stderr are kept up to their caps; past the caps the runner keeps draining and discards.
  When stdout plus stderr pass `output_limit` bytes the task is killed and reported with output_limit.
- The task is over when its process exits: the runner then drains what is already in the pipes for at
  most DRAIN_SECONDS and stops, even if a grandchild still holds the pipes. Should the zygote die
  under a task, the task child is the runner's (PID 1 inherits orphans) and its own exit status is
  still what is reported.
- After every task the zygote, as the task uid for a moment (effective uid only), sends SIGKILL to
  every process it may signal (kill(-1): the whole task uid in this PID namespace, atomically with
  respect to fork), until the runner, which sees every process, finds none but itself and the
  zygote in any state: a zombie-looking thread group with a dead leader, a stopped, hidden or
  re-forking process all count. Only then does a last sweep remove the SysV IPC objects and POSIX
  queues and empty the scratch folders, and the runner waits until the network namespace holds no
  socket but its own pair with the zygote (sockets in flight in an SCM_RIGHTS cycle, which no
  process holds, are freed by the kernel's unix garbage collector, which closing a unix socket sets
  off). The node checks the outcome from outside as well: the sandbox cgroup's own count of tasks
  must be exactly the runner and the zygote. Anything odd is reported as an anomaly, and the node
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
CAP_SETGID, CAP_SETUID = 6, 7
ZYGOTE_CAPABILITIES = (1 << CAP_SETGID) | (1 << CAP_SETUID)
TASK_OOM_SCORE_ADJ = "1000"
TASK_CGROUP_FD = 3
RUNNER_SOCKETS = 2  # the runner's socketpair with the zygote
IOPRIO_GET = {"x86_64": 252, "aarch64": 31}.get(os.uname().machine)

libc = ctypes.CDLL(None, use_errno=True)


class CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def set_capabilities(mask=0):
    """Keeps exactly the capabilities in `mask` (effective and permitted; none inheritable, so no ambient)."""
    header = CapHeader(0x20080522, 0)
    data = (CapData * 2)()
    data[0].effective = data[0].permitted = mask
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")


def become_task_user(uid, gid):
    """From the zygote's uid and capabilities to the task uid with none, for good: for task children."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    set_capabilities(0)


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

def task_child(in_fd, out_fd, err_fd, uid, gid):
    os.setsid()  # a session, and so a scheduler autogroup, of its own: /proc/self/autogroup is per session
    os.close(TASK_CGROUP_FD)
    os.dup2(out_fd, 1)
    os.dup2(err_fd, 2)
    os.close(out_fd)
    os.close(err_fd)
    # The input comes once the zygote has put this process in the task cgroup.
    code_len, payload_len = INPUT.unpack(read_exact(in_fd, INPUT.size))
    source = read_exact(in_fd, code_len)
    raw_payload = read_exact(in_fd, payload_len)
    os.close(in_fd)
    become_task_user(uid, gid)
    set_dumpable(1)  # the task may read its own /proc/self
    with open("/proc/self/oom_score_adj", "w") as f:
        f.write(TASK_OOM_SCORE_ADJ)
    for path, data in ((SCRIPT, source), (PAYLOAD, raw_payload)):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        write_all(fd, data)
        os.close(fd)
    import builtins
    import io
    import types
    sys.stdin = sys.__stdin__ = open(0, encoding="utf-8", closefd=False)  # fd 0 is /dev/null
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


# ---------------------------------------------------------------- the zygote (runner uid)

def zygote(sock, uid, gid):
    set_capabilities(ZYGOTE_CAPABILITIES)
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
            try:
                pid = os.fork()
            except OSError as e:
                for fd in fds:
                    os.close(fd)
                sock.send(b"F" + f"the task could not be started: {e.strerror}".encode())
                continue
            if pid == 0:
                sock.close()
                task_child(*fds, uid, gid)
            for fd in fds:
                os.close(fd)
            try:
                os.write(TASK_CGROUP_FD, b"%d" % pid)
            except OSError as e:  # the child still waits for its input as the zygote's uid
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                sock.send(b"F" + f"the task could not be put in its cgroup: {e.strerror}".encode())
                continue
            sock.send(b"P%d" % pid)
            sock.send(b"X%d" % watch(sock, pid, uid, gid))
        elif msg in (b"S", b"W"):
            try:
                problems = sweep(uid, gid, wipe=msg == b"W")
            except Exception as e:  # the runner must hear about it rather than lose the zygote
                problems = [f"clean-up failed: {e!r}"]
            sock.send(b"D" + json.dumps(problems).encode())
        elif msg == b"K":
            continue  # a kill that came after its task ended
        else:
            os._exit(0)


def watch(sock, pid, uid, gid):
    """Waits for the task child to end, killing the task when the runner says K; returns its wait status."""
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
                    sweep(uid, gid, wipe=False)
                if not msg:
                    poller.unregister(fd)
    finally:
        os.close(pidfd)


def sweep(uid, gid, wipe):
    """SIGKILLs every process the task uid may signal, which is every task process and nothing else
    (kill(-1) spares PID 1 and the caller); with `wipe`, then removes SysV IPC objects and empties
    scratch. The zygote does it as the task uid for a moment, but only as its effective uid: its real
    and saved uid stay the runner's, so no task may signal, trace or re-limit it meanwhile (and the
    seccomp rules keep every limit and scheduling call to the caller). Returns what went wrong."""
    problems = []
    os.setresgid(-1, gid, -1)
    os.setresuid(-1, uid, -1)
    try:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if wipe:
            remove_sysv_ipc(problems)
            for folder in SCRATCH:
                wipe_folder(folder, problems)
    finally:
        os.setresuid(-1, os.getuid(), -1)
        os.setresgid(-1, os.getgid(), -1)
        set_dumpable(0)  # an id change makes a process dumpable when fs.suid_dumpable says so
    return problems


def others_present(keep):
    """Every process but `keep`, whatever its state: zombie-looking, stopped or hidden ones count."""
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in keep]


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


def wipe_folder(folder, problems):
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
    """Removes a folder however deep and whatever modes the task gave it (it owned it): walks it by
    file descriptor, one folder open at a time, so that no path grows past PATH_MAX."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    top = os.path.basename(path)
    here = os.open(os.path.dirname(path), flags)
    names = []  # the folders from `top` down to `here`
    try:
        sub = top
        while True:
            if sub is not None:
                os.chmod(sub, 0o700, dir_fd=here)
                below = os.open(sub, flags, dir_fd=here)
                os.close(here)
                here = below
                names.append(sub)
            sub = None
            for entry in list(os.scandir(here)):
                if entry.is_dir(follow_symlinks=False):
                    sub = entry.name
                    break
                os.unlink(entry.name, dir_fd=here)
            if sub is None:  # `here` is empty: go up and remove it
                above = os.open("..", flags, dir_fd=here)
                os.close(here)
                here = above
                os.rmdir(names.pop(), dir_fd=here)
                if not names:
                    return
    finally:
        os.close(here)


def zygote_profile(pid):
    """What no task may change in the zygote: rlimits, nice, priority and policy, CPU set, I/O class,
    umask and scheduler autogroup."""
    stat = read_text(f"/proc/{pid}/stat").rpartition(")")[2].split()
    umask = [l for l in read_text(f"/proc/{pid}/status").splitlines() if l.startswith("Umask:")]
    ioprio = libc.syscall(IOPRIO_GET, 1, pid) if IOPRIO_GET else None
    return {"limits": read_text(f"/proc/{pid}/limits"), "priority": stat[15], "nice": stat[16],
            "rt_priority": stat[37], "policy": stat[38], "cpus": sorted(os.sched_getaffinity(pid)),
            "ioprio": ioprio, "umask": umask, "autogroup": read_text(f"/proc/{pid}/autogroup")}


def sockets_left():
    """Sockets of the sandbox's network namespace (every family; the namespace's own count in
    /proc/net/sockstat) beyond the runner's pair with the zygote. A task can leave sockets, and the
    files, memfds and listeners sent with them, in flight in an SCM_RIGHTS cycle that no process
    holds: only the kernel's unix garbage collector frees them."""
    for line in read_text("/proc/net/sockstat").splitlines():
        if line.startswith("sockets: used "):
            return int(line.split()[2]) - RUNNER_SOCKETS
    raise ValueError("/proc/net/sockstat has no socket count")


def collect_unix_garbage():
    """Closing a unix socket is what makes the kernel collect unreachable in-flight ones."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    a.close()
    b.close()


def read_text(path):
    with open(path) as f:
        return f.read()


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
        set_capabilities(0)
        self.profile = zygote_profile(self.zygote)

    def ask(self, prefix):
        reply = self.sock.recv(65536)
        if reply.startswith(b"F"):
            raise ZygoteFailed(reply[1:].decode(errors="replace"))
        if not reply.startswith(prefix):
            raise ZygoteFailed("the zygote died" if not reply else "the zygote sent " + repr(reply[:40]))
        return reply[1:]

    def ask_zygote(self, request):
        """Sends a sweep request (S: kill, W: kill and wipe) and returns the problems the sweep met."""
        self.sock.send(request)
        return json.loads(self.ask(b"D"))

    def stop_task(self):
        """Asks the zygote to SIGKILL the task: the runner's uid may not signal it."""
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
            task = int(self.ask(b"P"))
            try:
                write_all(in_w, INPUT.pack(req["code"], req["payload"]) + body)
            except BrokenPipeError:
                pass
            os.close(in_w)
            in_w = None
            status, limit_hit = self.collect(task, out, err, req["output_limit"])
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

    def collect(self, task, out, err, limit):
        """Reads the task's output until it exited and its pipes are drained; returns its wait status."""
        poller = select.poll()
        for fd in (out.fd, err.fd, self.sock.fileno()):
            poller.register(fd, select.POLLIN)
        poller.register(0, select.POLLHUP | select.POLLERR)
        adopted = None
        status = drain_until = None
        limit_hit = False
        while status is None or ((out.open or err.open) and time.monotonic() < drain_until):
            timeout = None if drain_until is None else max(0, drain_until - time.monotonic()) * 1000
            for fd, revents in poller.poll(timeout):
                if fd == 0:
                    if revents & (select.POLLHUP | select.POLLERR):
                        raise NodeGone()
                elif fd == self.sock.fileno():
                    poller.unregister(fd)
                    try:
                        status = int(self.ask(b"X"))
                    except ZygoteFailed:
                        adopted = self.adopt(task)
                        poller.register(adopted, select.POLLIN)
                elif fd == adopted:
                    poller.unregister(fd)
                    os.close(adopted)
                    status = os.waitpid(task, 0)[1]
                else:
                    capture = out if fd == out.fd else err
                    capture.read()
                    if not capture.open:
                        poller.unregister(fd)
            if status is not None and drain_until is None:
                drain_until = time.monotonic() + DRAIN_SECONDS
            if limit and not limit_hit and out.total + err.total > limit:
                limit_hit = True
                self.stop_task()
        return status, limit_hit

    def adopt(self, task):
        """The zygote died under the task: once the zygote is reaped, its orphan, the task child, is
        the runner's child (PID 1 inherits orphans), so its own exit status can still be had."""
        try:
            os.waitpid(self.zygote, 0)
        except ChildProcessError:
            pass
        try:
            return os.pidfd_open(task)
        except OSError:
            raise ZygoteFailed("the zygote died, and the task's exit status with it") from None

    def clean_up(self):
        """Has the zygote's sweeps SIGKILL the task uid until no process but the runner and the zygote
        is left in any state, then kill once more and wipe, and waits until no socket of a task is
        left (in flight ones included); checks that the zygote is as it was."""
        problems = []
        deadline = time.monotonic() + KILL_SECONDS
        try:
            while others_present({1, self.zygote}):
                if time.monotonic() > deadline:
                    problems.append(f"task processes survived SIGKILL: {others_present({1, self.zygote})[:8]}")
                    break
                problems += self.ask_zygote(b"S")
                reap()
            problems += self.ask_zygote(b"W")
            while sockets_left():
                if time.monotonic() > deadline:
                    problems.append(f"{sockets_left()} sockets outlived the task")
                    break
                collect_unix_garbage()
                time.sleep(0.001)
        except (OSError, ZygoteFailed, ValueError) as e:
            problems.append(str(e) or e.__class__.__name__)
        reap()
        if not alive(self.zygote):
            problems.append("the zygote died")
        elif others_present({1, self.zygote}):
            problems.append("processes outlived the task")
        elif zygote_profile(self.zygote) != self.profile:
            problems.append("the zygote's limits, scheduling or umask changed")
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
    try:
        os.fstat(TASK_CGROUP_FD)
    except OSError:
        sys.exit("runner: fd 3 (the task cgroup's cgroup.procs) is missing")
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    Runner(int(sys.argv[1]), int(sys.argv[2])).serve()


if __name__ == "__main__":
    main()
