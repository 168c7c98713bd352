#!/usr/bin/env python3
"""Runs Continuum's own hostile scripts (Tests/Redteam/cases) and checks that each is contained.

A case is a Python file whose leading comment lines are its header. Keys:
  # expect: blocked | failed | completed | any
        blocked: the task prints a line starting with BLOCKED, or fails; never ESCAPED.
  # next: OTHER.py           OTHER.py runs right after it in the same sandbox slot (same folder)
  # payload: JSON            the payload; tcp_ports, udp_ports and host_hostname are added
  # payload_size_bytes: N    a generated payload of about N bytes instead
  # timeout: S               the task's own time limit, seconds
  # exit_code: N             the task's exit code must be N
  # max_seconds: S           the case (its whole chain) must end within S seconds
  # max_output_bytes: N      stored stdout plus stderr must not exceed N bytes
  # forbid_in_output: TEXT   TEXT must not appear in stdout or stderr (repeatable)
  # stdout_json_equals_payload: true   stdout parses as JSON equal to the payload
An unknown key, a malformed value, a `next:` that does not exist, or a key that only the first case
of a chain can use (payload, payload_size_bytes, timeout, max_seconds) on a later one fails the
case: a header the harness cannot read or use would otherwise check nothing.

Whatever the cases did, a last task (health.py beside this file) must still run in the slot.

Usage: run.py --continuum PATH [--via exec|submit] [--cases DIR ...] [--only TEXT] [--skip TEXT]
  exec    `continuum exec FILE [NEXT...] --payload-file P [--timeout S]`: one JSON result per file.
  submit  `continuum submit --file FILE --payload-file P --wait [--timeout S]` against the node the
          environment names (run it with one slot, so that `next:` chains share a sandbox).
The last line reads "N passed, M failed"; the exit status is 0 only when every case passed and at
least one ran. `run.py --self-test` checks the judge against results that must fail.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTATIONS = ("blocked", "failed", "completed", "any")
KEYS = {
    "expect": lambda v: _one_of(v, EXPECTATIONS),
    "next": str,
    "payload": json.loads,
    "payload_size_bytes": int,
    "timeout": float,
    "exit_code": int,
    "max_seconds": float,
    "max_output_bytes": int,
    "stdout_json_equals_payload": lambda v: _one_of(v, ("true",)) == "true",
}


# Keys that belong to a whole chain, so only its first case may carry them.
CHAIN_KEYS = {"payload", "payload_size_bytes", "timeout", "max_seconds"}


class HeaderError(Exception):
    pass


def _one_of(value, allowed):
    if value not in allowed:
        raise ValueError(f"expected one of {', '.join(allowed)}")
    return value


def read_header(path):
    """The case's header as typed values; raises HeaderError naming the file, key and value."""
    spec = {"expect": "any", "forbid_in_output": []}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.startswith("#"):
                break
            key, sep, value = line[1:].strip().partition(":")
            key, value = key.strip(), value.strip()
            if not sep or " " in key:
                continue  # prose
            if key == "forbid_in_output":
                spec[key].append(value)
                continue
            if key not in KEYS:
                raise HeaderError(f"{os.path.basename(path)}:{number}: unknown header key {key!r}")
            try:
                spec[key] = KEYS[key](value)
            except ValueError as e:
                raise HeaderError(f"{os.path.basename(path)}:{number}: {key}: {value!r}: {e}")
    if "next" in spec and not os.path.isfile(os.path.join(os.path.dirname(path), spec["next"])):
        raise HeaderError(f"{os.path.basename(path)}: next: {spec['next']} does not exist")
    return spec


class Listeners:
    """Live TCP and UDP listeners on the host's loopback that no task may reach."""

    def __init__(self):
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(16)
        self.tcp.settimeout(0.5)
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.udp.settimeout(0.5)
        threading.Thread(target=self._accept, daemon=True).start()
        threading.Thread(target=self._echo, daemon=True).start()

    def _accept(self):
        while True:
            try:
                self.tcp.accept()[0].close()
            except OSError:
                pass

    def _echo(self):
        while True:
            try:
                data, address = self.udp.recvfrom(256)
                self.udp.sendto(data, address)
            except OSError:
                pass

    def payload_fields(self):
        extra_tcp = [int(p) for p in os.environ.get("REDTEAM_TCP_PORTS", "").split(",") if p]
        extra_udp = [int(p) for p in os.environ.get("REDTEAM_UDP_PORTS", "").split(",") if p]
        return {
            "tcp_ports": [self.tcp.getsockname()[1], *extra_tcp],
            "udp_ports": [self.udp.getsockname()[1], *extra_udp],
            "host_hostname": socket.gethostname(),
        }


def payload_for(spec, listeners):
    if "payload_size_bytes" in spec:
        n = spec["payload_size_bytes"]
        return {"blob": "p" * (n - 64), "n": n}
    payload = spec.get("payload", {})
    if isinstance(payload, dict):
        payload = {**listeners.payload_fields(), **payload}
    return payload


def _payload_file(payload):
    f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8")
    json.dump(payload, f, ensure_ascii=False)
    f.close()
    return f.name


def _timeout_flag(timeout):
    return ["--timeout", f"{timeout:g}"] if timeout else []


def run_exec(continuum, files, payload, timeout):
    path = _payload_file(payload)
    try:
        p = subprocess.run([continuum, "exec", *files, "--payload-file", path, *_timeout_flag(timeout)],
                           capture_output=True, timeout=300)
    finally:
        os.unlink(path)
    results = [json.loads(line) for line in p.stdout.decode(errors="replace").splitlines()
               if line.startswith("{")]
    if len(results) != len(files):
        raise RuntimeError(f"`continuum exec` printed {len(results)} results for {len(files)} files "
                           f"(exit {p.returncode}): {p.stderr.decode(errors='replace')[-400:]}")
    return results


def run_submit(continuum, files, payload, timeout):
    results = []
    for file in files:
        path = _payload_file(payload)
        try:
            p = subprocess.run([continuum, "submit", "--file", file, "--payload-file", path, "--wait",
                                *_timeout_flag(timeout)], capture_output=True, timeout=300)
        finally:
            os.unlink(path)
        text = p.stdout.decode(errors="replace")
        if "{" not in text:
            raise RuntimeError(f"`continuum submit` printed no JSON (exit {p.returncode}): "
                               f"{p.stderr.decode(errors='replace')[-400:]}")
        results.append(json.loads(text[text.index("{"):]))
    return results


def judge(spec, result, payload, elapsed):
    """The reasons the case failed; empty when it passed."""
    problems = []
    out = result.get("output") or ""
    err = result.get("stderr") or ""
    status = result.get("status")
    lines = out.splitlines()
    escaped = [line for line in lines + err.splitlines() if line.startswith("ESCAPED")]
    if escaped:
        problems.append("the script reports: " + escaped[0][:300])
    if status not in ("completed", "failed"):
        problems.append(f"status must be completed or failed, got {status!r}")
    expect = spec["expect"]
    if expect == "blocked" and status != "failed" and not any(line.startswith("BLOCKED") for line in lines):
        problems.append(f"expected BLOCKED or a failed task, got status={status!r}")
    if expect == "failed" and status != "failed":
        problems.append(f"expected a failed task, got status={status!r}")
    if expect == "completed" and status != "completed":
        problems.append(f"expected a completed task, got status={status!r} error={result.get('error')!r} "
                        f"stderr={err[-300:]!r}")
    if "exit_code" in spec and result.get("exit_code") != spec["exit_code"]:
        problems.append(f"expected exit_code {spec['exit_code']}, got {result.get('exit_code')!r}")
    if "max_output_bytes" in spec and len(out.encode()) + len(err.encode()) > spec["max_output_bytes"]:
        problems.append(f"stored output is {len(out.encode()) + len(err.encode())} bytes, "
                        f"over {spec['max_output_bytes']}")
    for text in spec["forbid_in_output"]:
        if text in out or text in err:
            problems.append(f"output contains forbidden text {text!r}")
    if spec.get("stdout_json_equals_payload"):
        try:
            if json.loads(out) != payload:
                problems.append("stdout JSON differs from the payload: " + out[:200])
        except json.JSONDecodeError:
            problems.append("stdout is not JSON: " + out[:200])
    if "max_seconds" in spec and elapsed > spec["max_seconds"]:
        problems.append(f"took {elapsed:.1f} s, over {spec['max_seconds']:g} s")
    return problems


def self_test():
    """Every check of the judge must be able to fail."""
    base = {"expect": "any", "forbid_in_output": []}
    ok = {"status": "completed", "output": "fine\n", "stderr": "", "exit_code": 0}
    failing = [
        (base, {**ok, "output": "ESCAPED read the host\n"}),
        (base, {**ok, "stderr": "ESCAPED wrote the host\n"}),
        (base, {**ok, "status": "running"}),
        ({**base, "expect": "blocked"}, ok),
        ({**base, "expect": "failed"}, ok),
        ({**base, "expect": "completed"}, {**ok, "status": "failed"}),
        ({**base, "exit_code": 3}, ok),
        ({**base, "max_output_bytes": 2}, ok),
        ({**base, "forbid_in_output": ["fin"]}, ok),
        ({**base, "stdout_json_equals_payload": True}, ok),
        ({**base, "max_seconds": 0.5}, ok),
    ]
    assert not judge(base, ok, {}, 0), "a clean result must pass"
    for spec, result in failing:
        assert judge(spec, result, {"x": 1}, 1.0), f"the judge let through {spec} {result}"
    for bad in ("# expect: mostly\n", "# expcet: any\n", "# timeout: soon\n", "# next: missing.py\n"):
        with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
            f.write(bad)
        try:
            read_header(f.name)
            raise AssertionError(f"the header {bad!r} was accepted")
        except HeaderError:
            pass
        finally:
            os.unlink(f.name)
    print(f"self-test: {len(failing)} bad results and 4 bad headers rejected")


def chains(dirs, only, skip):
    """The cases to run, each with the cases it hands its slot to; raises HeaderError."""
    cases = {}
    for folder in dirs:
        for name in sorted(os.listdir(folder)):
            if name.endswith(".py"):
                cases[os.path.join(folder, name)] = read_header(os.path.join(folder, name))
    followers = {os.path.join(os.path.dirname(p), s["next"]) for p, s in cases.items() if "next" in s}
    for path, spec in cases.items():
        name = os.path.basename(path)
        if path in followers or (only and only not in name) or any(s in name for s in skip):
            continue
        chain = [(path, spec)]
        while "next" in chain[-1][1]:
            following = os.path.join(os.path.dirname(path), chain[-1][1]["next"])
            chain.append((following, cases.get(following) or read_header(following)))
            unused = CHAIN_KEYS & chain[-1][1].keys()
            if unused:
                raise HeaderError(f"{os.path.basename(following)}: {', '.join(sorted(unused))} only apply to "
                                  f"the first case of a chain ({name})")
        yield chain


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--continuum")
    parser.add_argument("--via", choices=("exec", "submit"), default="exec")
    parser.add_argument("--cases", action="append")
    parser.add_argument("--only")
    parser.add_argument("--skip", action="append", default=[])
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    if args.self_test:
        self_test()
        return 0
    if not args.continuum:
        parser.error("--continuum PATH is required")
    runner = run_exec if args.via == "exec" else run_submit
    listeners = Listeners()
    passed = failed = 0
    try:
        selected = list(chains(args.cases or [os.path.join(HERE, "cases")], args.only, args.skip))
    except HeaderError as e:
        print(f"FAIL header: {e}")
        print("0 passed, 1 failed")
        return 1
    health = os.path.join(HERE, "health.py")
    for chain in selected + [[(health, read_header(health))]]:
        payload = payload_for(chain[0][1], listeners)
        started = time.monotonic()
        try:
            results = runner(args.continuum, [path for path, _ in chain], payload, chain[0][1].get("timeout"))
        except Exception as e:  # every case is reported, whatever one of them did
            for path, _ in chain:
                print(f"FAIL {os.path.basename(path)}: {e}")
                failed += 1
            continue
        elapsed = time.monotonic() - started
        for (path, spec), result in zip(chain, results):
            problems = judge(spec, result, payload, elapsed)
            print(("FAIL " if problems else "ok   ") + os.path.basename(path)
                  + (": " + "; ".join(problems) if problems else ""))
            failed += bool(problems)
            passed += not problems
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 1 else 1


if __name__ == "__main__":
    sys.exit(main())
