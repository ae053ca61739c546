"""Core of the robustness suite: the Case record, running a case, classifying
its outcome, and the shared fixtures (models compiled once per run).

A case is a list of steps (argv lists, built lazily from the context) and an
expectation:

* ``error``:  the input is invalid; the run must end in a clean error: exit
  code 1, a line containing "error" on stderr naming the subject (one of
  ``mention``), no crash text, no signal, no timeout.  Exit 0 is a failure
  (the tool accepted garbage).
* ``ok``:     the input is valid; every step must exit 0 and ``check`` must
  return None (the result is right).
* ``either``: the input is legal but hostile (huge, degenerate, ...); a clean
  error as for ``error`` is fine, and so is exit 0 with a right result
  (``check``).

Steps run one after the other; the first step that exits non-zero is the
one classified.  A case may instead give ``func(ctx, case)``, a Python
callable returning a Result (for checks that need more than argv).
"""

import os
import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional

CRASH_MARKERS = [
    "LLVM ERROR", "Stack dump", "PLEASE submit", "Assertion", "assertion failed",
    "terminate called", "AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
    "ThreadSanitizer", "MemorySanitizer", "runtime error:", "Segmentation fault",
    "Illegal instruction", "Floating point exception", "core dumped", "Aborted",
    "double free", "free(): invalid", "malloc(): ", "corrupted size", "stack smashing",
    "Traceback (most recent call last)", "UNREACHABLE executed", "libc++abi",
]


@dataclass
class Result:
    rc: Optional[int]
    stdout: str
    stderr: str
    timed_out: bool = False
    seconds: float = 0.0
    argv: Optional[list] = None
    timeout: float = 0.0


@dataclass
class Case:
    name: str
    surface: str                       # onnx | mlir | cli | capi
    steps: Optional[Callable] = None   # ctx -> list of argv lists
    expect: str = "error"              # error | ok | either
    mention: List[str] = field(default_factory=list)
    check: Optional[Callable] = None   # (ctx, case, last Result) -> None | str
    func: Optional[Callable] = None    # (ctx, case) -> Result  (instead of steps)
    timeout: float = 60.0
    max_lines: int = 12                # stderr lines allowed for an error
    stdin: Optional[str] = None
    env: Optional[dict] = None
    note: str = ""
    needs: str = ""                    # fixtures used, space-separated (built first)


def signame(n):
    try:
        return signal.Signals(n).name
    except ValueError:
        return f"signal {n}"


def run_argv(argv, timeout, stdin=None, env=None, cwd=None):
    """Runs argv in its own process group; on timeout kills that group."""
    start = time.monotonic()
    full_env = dict(os.environ)
    full_env.setdefault("ASAN_OPTIONS", "detect_leaks=0")
    if env:
        full_env.update(env)
    p = subprocess.Popen([str(a) for a in argv], stdin=subprocess.PIPE if stdin is not None
                         else subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True, env=full_env, cwd=cwd)
    try:
        out, err = p.communicate(stdin.encode() if stdin is not None else None, timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = p.communicate()
        timed_out = True
    # Keep only the head and tail of huge outputs (an IR dump, a loop).
    def text(b):
        s = b.decode("utf-8", "replace")
        if len(s) > 200000:
            s = s[:100000] + "\n...[cut]...\n" + s[-100000:]
        return s
    return Result(p.returncode, text(out), text(err), timed_out,
                  time.monotonic() - start, list(argv), timeout)


def nonempty_lines(s):
    return [l for l in s.splitlines() if l.strip()]


def short(s, n=160):
    s = s.strip().replace("\t", " ")
    return s if len(s) <= n else s[:n - 3] + "..."


def first_line(res):
    lines = nonempty_lines(res.stderr) or nonempty_lines(res.stdout)
    return short(lines[0]) if lines else "(no output)"


def crash_line(res):
    for line in (res.stderr + "\n" + res.stdout).splitlines():
        for m in CRASH_MARKERS:
            if m in line:
                return short(line)
    return None


def describe(res):
    """What happened, in a few words (for reports and known-failures.txt)."""
    if res.timed_out:
        return f"hangs (killed after {res.timeout:g} s)"
    if res.rc is not None and res.rc < 0:
        c = crash_line(res)
        return f"killed by {signame(-res.rc)}" + (f": {c}" if c else "")
    c = crash_line(res)
    if c:
        return f"exit {res.rc}, crash text: {c}"
    return f"exit {res.rc}: {first_line(res)}"


def clean_error_problem(case, res):
    """None if res is a clean error naming the subject, else what is wrong."""
    if res.timed_out:
        return f"hangs (killed after {res.timeout:g} s)"
    if res.rc is None or res.rc < 0:
        return describe(res)
    c = crash_line(res)
    if c:
        return f"exit {res.rc} with crash text: {c}"
    if res.rc == 0:
        return None  # handled by the caller
    if res.rc != 1:
        return f"exit code {res.rc} (expected 1): {first_line(res)}"
    lines = nonempty_lines(res.stderr)
    if not lines:
        return "exit 1 with nothing on stderr"
    # The message: the first line saying "error", else the first line (tools
    # such as bitnet-run print "bitnet-run: <message>").
    err = [l for l in lines if "error" in l.lower()] or lines[:1]
    if case.mention and not any(m in res.stderr for m in case.mention):
        return f"message does not name {case.mention[0]!r}: {short(err[0])}"
    if len(lines) > case.max_lines:
        return f"error message spans {len(lines)} lines: {short(err[0])}"
    return None


def classify(ctx, case, res):
    """None when the case passes, else a one-line description."""
    if res.timed_out or res.rc is None or res.rc < 0:
        return describe(res)
    if res.rc == 0:
        c = crash_line(res)
        if c and case.expect != "ok":
            return f"exit 0 with crash text: {c}"
        if case.expect == "error":
            out = nonempty_lines(res.stdout)
            return "accepted invalid input (exit 0)" + (
                f", stdout: {short(out[0], 80)}" if out else "")
        if case.check:
            try:
                problem = case.check(ctx, case, res)
            except Exception as e:  # a checker that cannot read the result
                problem = f"result unreadable: {type(e).__name__}: {short(str(e), 120)}"
            if problem:
                return f"exit 0 with a wrong result: {problem}"
        return None
    if case.expect == "ok":
        return f"fails on a valid input: {describe(res)}"
    return clean_error_problem(case, res)


def run_case(ctx, case):
    if case.func is not None:
        return case.func(ctx, case)
    steps = case.steps(ctx)
    res = None
    deadline = time.monotonic() + case.timeout
    for argv in steps:
        left = max(1.0, deadline - time.monotonic())
        res = run_argv(argv, left, case.stdin, case.env, cwd=ctx.work)
        res.timeout = case.timeout
        if res.timed_out or res.rc != 0:
            return res
    return res


class Fixtures:
    """Artifacts built once per run (compiled models), by name, thread-safe:
    a case waiting for one blocks until it is built."""

    def __init__(self, builders):
        self.builders = builders
        self.locks = {k: threading.Lock() for k in builders}
        self.done = {}

    def get(self, ctx, name):
        with self.locks[name]:
            if name not in self.done:
                try:
                    self.done[name] = (self.builders[name](ctx), None)
                except Exception as e:
                    self.done[name] = (None, f"{type(e).__name__}: {e}")
            value, err = self.done[name]
        if err:
            raise FixtureError(f"fixture {name} failed: {err}")
        return value


class FixtureError(Exception):
    pass


def must(res, what):
    if res.timed_out or res.rc != 0:
        raise RuntimeError(f"{what}: {describe(res)}\n{res.stderr[-2000:]}")
    return res


SAFE = re.compile(r"[^A-Za-z0-9_.-]")


def safe_name(name):
    return SAFE.sub("_", name)
