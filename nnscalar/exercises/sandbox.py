"""Run students' code in a separate process under the operating system's isolation, with a time
limit, a memory limit and no network.

One child process checks every job of one submission in turn, streaming one result line per job;
when student code kills its process (a hard loop, `os._exit`, a segfault), the job it was on is
reported as such and a fresh child carries on with the rest. The child is given no secret (only
the source and the inputs to call it on) and what it answers is validated here: types, sizes,
finite numbers. A wall-clock deadline per job kills the child's whole sandbox; `stop_all` (the
grader's SIGTERM/SIGINT) kills every child at once. The checker itself never hangs.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from . import isolation
from .runner import READY

__all__ = ["Job", "Limits", "Outcome", "run_jobs", "stop_all"]

_STARTUP = 10.0  # seconds a child may take to start Python and import nnscalar
_GRACE = 1.0  # seconds past a job's limit before the parent kills the child
_MAX_STRAY = 64_000  # bytes of output written around the checker's back that are kept
_MAX_LINE = 2_000_000  # bytes of one result line; more is an attack, not an answer
_MAX_ITEMS = 10_000  # numbers or texts in one list of a result
_MAX_TEXT = 300  # characters of one text of a result
MAX_TIME = 3600.0  # seconds: the longest limit a job may have
_STATUSES = ("ok", "crash", "exit", "timeout", "memory", "blocked")


@dataclass(frozen=True)
class Limits:
    """What one job may use: seconds of time (None: the exercise's own limit), megabytes of
    memory, characters of output kept; and the isolation asked for (see `isolation.MODES`)."""

    time: float | None = None
    memory_mb: int = 512
    output_chars: int = 4000
    isolation: str = "auto"

    def __post_init__(self) -> None:
        if self.time is not None and not (
            isinstance(self.time, (int, float)) and 0 < self.time <= MAX_TIME
        ):
            raise ConfigError(
                f"time limit {self.time!r} is not valid; valid: seconds above 0, at most "
                f"{MAX_TIME:g}"
            )
        if not 16 <= self.memory_mb <= 1_000_000:
            raise ConfigError(
                f"memory limit {self.memory_mb!r} MB is not valid; valid: 16 to 1000000"
            )
        if self.isolation not in isolation.MODES:
            valid = ", ".join(isolation.MODES)
            raise ConfigError(f"isolation {self.isolation!r} is not known; valid: {valid}")


@dataclass(frozen=True)
class Job:
    """One exercise to check on one student file: the exercise id, the source text, and what the
    child may know: for a code exercise the `inputs` its probe calls the code on, for numbers
    the names asked (`{"names": [...]}`)."""

    exercise: str
    source: str
    filename: str
    inputs: Any
    time_limit: float = 5.0  # the exercise's own limit; `Limits.time` overrides it
    kind: str = "code"


@dataclass(frozen=True)
class Outcome:
    """How a job ended: status 'ok' with the probed `data`, or why not (`error`), and the output.

    Statuses: ok, crash, exit, timeout, memory, blocked (a process or the network was refused).
    """

    status: str
    data: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    output: str = ""


_live: set[subprocess.Popen] = set()
_live_lock = threading.RLock()  # stop_all may run in a signal handler
_stopping = threading.Event()


def stop_all() -> None:
    """Kill every running child and refuse to start new ones (the grader is being stopped)."""
    _stopping.set()
    with _live_lock:
        procs = list(_live)
    for proc in procs:
        _signal_group(proc)


def run_jobs(
    jobs: Sequence[Job], limits: Limits | None = None, paths: Sequence[str | Path] = ()
) -> list[Outcome]:
    """Check every job in a sandboxed child; one outcome per job, in order, whatever the code does.

    `paths` are the teacher's exercise folders the child loads besides the built-in exercises.
    """
    limits = limits or Limits()
    mode = isolation.choose(limits.isolation)
    if mode == "in-process":
        return [_run_here(job, limits, paths) for job in jobs]
    uid = isolation.next_uid() if os.geteuid() == 0 else None
    outcomes: list[Outcome] = []
    while len(outcomes) < len(jobs):
        if _stopping.is_set():
            stopped = Outcome("crash", error="grading was stopped before this ran")
            return outcomes + [stopped] * (len(jobs) - len(outcomes))
        rest = jobs[len(outcomes) :]
        outcomes.extend(_run_child(rest, limits, [str(p) for p in paths], mode, uid))
    return outcomes


def _run_here(job: Job, limits: Limits, paths: Sequence[str | Path]) -> Outcome:
    """Pyodide: the student's own code in the student's own tab (no process to start)."""
    from .loader import all_exercises
    from .runner import run_here

    exercise = None
    if job.kind == "code":
        exercise = next((e for e in all_exercises(paths) if e.id == job.exercise), None)
        if exercise is None or exercise.probe is None:
            return Outcome("crash", error=f"no code exercise {job.exercise!r}")
    spec = {"source": job.source, "filename": job.filename, "inputs": job.inputs}
    spec["time"] = limits.time or job.time_limit
    record = run_here(spec, exercise, limits.output_chars)  # validated as a child's answer is
    return _outcome(json.dumps(record).encode("utf-8"), bytearray(), limits)


def _child_env() -> dict[str, str]:
    package_root = Path(__file__).resolve().parents[2]
    return {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(package_root),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
        "LANG": "C.UTF-8",
    }


_BOOT = (
    "import sys; sys.path.insert(0, {lib!r}); from nnscalar.exercises.runner import main; main()"
)


def _run_child(
    jobs: Sequence[Job], limits: Limits, paths: list[str], mode: str, uid: int | None
) -> list[Outcome]:
    """Run jobs in one child until they are done or the child dies; returns at least one outcome."""
    token = secrets.token_hex(16)
    times = [limits.time or j.time_limit for j in jobs]
    isolated = mode == "bwrap"
    payload = json.dumps(
        {
            "token": token,
            "paths": isolation.sandbox_teacher_paths(paths) if isolated else paths,
            "limits": {
                "memory_mb": limits.memory_mb,
                "output_chars": limits.output_chars,
                "uid": uid,
                "isolated": isolated,
            },
            "jobs": [
                {
                    "exercise": j.exercise,
                    "kind": j.kind,
                    "source": j.source,
                    "filename": j.filename,
                    "inputs": j.inputs,
                    "time": t,
                }
                for j, t in zip(jobs, times)
            ],
        }
    ).encode("utf-8")
    cpu_limit = math.ceil(sum(times) + 5)
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="nnscalar-sandbox-") as cwd:
        if isolated:
            boot = _BOOT.format(lib=isolation.PACKAGE_MOUNT)
            python = isolation.python_executable()
            command = isolation.bwrap_command([python, "-I", "-B", "-c", boot], paths)
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        else:
            boot = "from nnscalar.exercises.runner import main; main()"
            command = [sys.executable, "-s", "-B", "-c", boot]
            env = _child_env()
        with _live_lock:
            if _stopping.is_set():
                return [Outcome("crash", error="grading was stopped before this ran")]
            proc = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                env=env,
                start_new_session=True,
            )
            _live.add(proc)
        try:
            _send(proc, payload)
            _collect(proc, token, times, limits, outcomes, cpu_limit, isolated)
        finally:
            _kill(proc)
            with _live_lock:
                _live.discard(proc)
    return outcomes


def _send(proc: subprocess.Popen, payload: bytes) -> None:
    assert proc.stdin is not None
    try:
        proc.stdin.write(payload)
        proc.stdin.close()
    except BrokenPipeError:
        pass  # the child died at start-up: _collect reports how


def _collect(
    proc: subprocess.Popen,
    token: str,
    times: list[float],
    limits: Limits,
    outcomes: list[Outcome],
    cpu_limit: int,
    isolated: bool,
) -> None:
    """Read result lines until every job has one or the child stops answering."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    marker = token.encode("ascii")
    selector = selectors.DefaultSelector()
    selector.register(fd, selectors.EVENT_READ)
    buffer = b""
    stray = bytearray()
    deadline = time.monotonic() + _STARTUP + times[0] + _GRACE
    started = False
    try:
        while len(outcomes) < len(times):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or _stopping.is_set():
                outcomes.append(_timeout(times[len(outcomes)], stray, limits))
                return
            if not selector.select(min(remaining, 0.5)):
                continue
            chunk = os.read(fd, 65536)
            if not chunk:  # the output closed: the child ended, or closed it and carries on
                code = _wait(proc, deadline)
                if code is None:
                    outcomes.append(_timeout(times[len(outcomes)], stray, limits))
                elif not started:  # no student code ran yet: the checker's own failure
                    outcomes.append(_not_started(code, stray, limits))
                else:
                    used = _cpu_seconds(proc)
                    outcomes.append(
                        _ended(code, used, cpu_limit, times[len(outcomes)], stray, limits, isolated)
                    )
                return
            buffer += chunk
            while b"\n" in buffer and len(outcomes) < len(times):
                line, buffer = buffer.split(b"\n", 1)
                if line == marker + READY.encode("ascii") and not started:
                    started = True
                elif line.startswith(marker):
                    outcomes.append(_outcome(line[len(marker) :], stray, limits))
                    stray.clear()
                    if len(outcomes) < len(times):
                        deadline = time.monotonic() + times[len(outcomes)] + _GRACE
                elif line:
                    _keep(stray, line + b"\n")
            if len(buffer) > _MAX_LINE:
                outcomes.append(
                    Outcome(
                        "crash",
                        error=f"the code wrote more than {_MAX_LINE} bytes on one line; "
                        "the checker stopped it",
                        output=_clip(stray.decode("utf-8", "replace"), limits),
                    )
                )
                return
            if len(buffer) > _MAX_STRAY and marker not in buffer:
                _keep(stray, buffer)
                buffer = b""
    finally:
        selector.close()


def _wait(proc: subprocess.Popen, deadline: float) -> int | None:
    """The child's exit code (its CPU time kept on `_usage`), or None when it is still running
    at the deadline."""
    while True:
        try:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        except ChildProcessError:
            return proc.wait()
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            _usage[proc.pid] = usage.ru_utime + usage.ru_stime
            return proc.returncode
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.01)


_usage: dict[int, float] = {}


def _cpu_seconds(proc: subprocess.Popen) -> float:
    """CPU time the ended child used (its sandbox's included), as far as the OS says."""
    return _usage.pop(proc.pid, 0.0)


def _keep(stray: bytearray, text: bytes) -> None:
    stray += text[: max(0, _MAX_STRAY - len(stray))]


def _clean(value: Any, depth: int = 0) -> Any:
    """A value of a result as the checker may use it: a finite float, a short text, None, or a
    list of those; anything else (NaN, huge, nested, another type) is a text saying what it was."""
    if value is None or isinstance(value, str):
        return value if value is None or len(value) <= _MAX_TEXT else value[:_MAX_TEXT] + "…"
    if isinstance(value, bool):
        return f"returned {value!r}, not a number"
    if isinstance(value, (int, float)):
        number = float(value) if abs(value) < 1e308 else math.inf
        return number if math.isfinite(number) else f"returned {value!r}, not a finite number"
    if isinstance(value, list) and depth == 0:
        if len(value) > _MAX_ITEMS:
            raise ValueError(f"a list of {len(value)} items (at most {_MAX_ITEMS})")
        return [_clean(v, 1) for v in value]
    return f"returned a {type(value).__name__}, not a number"


def _outcome(text: bytes, stray: bytearray, limits: Limits) -> Outcome:
    output = _clip(stray.decode("utf-8", "replace"), limits)
    try:  # student code runs in the child, so a result line is checked, never trusted
        record = json.loads(text)
        status, data = record["status"], record.get("data") or {}
        error, printed = str(record.get("error", "")), str(record.get("output", ""))
        if status not in _STATUSES or not isinstance(data, dict) or len(data) > 64:
            raise ValueError(status)
        data = {str(k)[:64]: _clean(v) for k, v in data.items()}
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return Outcome("crash", error="the checker's result line was garbled", output=output)
    room = Limits(output_chars=limits.output_chars + 100)  # the child's own clip note fits
    return Outcome(status, data, _clip(error, room), _clip(printed, room) + output)


def _clip(text: str, limits: Limits) -> str:
    if len(text) <= limits.output_chars:
        return text
    return text[: limits.output_chars] + f"\n… ({len(text) - limits.output_chars} more characters)"


def _timeout(seconds: float, stray: bytearray, limits: Limits, cpu: bool = False) -> Outcome:
    what = "used more CPU time than its limit allows" if cpu else f"ran longer than {seconds:g} s"
    return Outcome(
        "timeout",
        error=f"time limit: the code {what} and was "
        "stopped (an infinite loop, or far too much work?)",
        output=_clip(stray.decode("utf-8", "replace"), limits),
    )


def _not_started(code: int, stray: bytearray, limits: Limits) -> Outcome:
    """The child ended before any student code ran (bwrap or the checker failed to start)."""
    said = stray.decode("utf-8", "replace").strip().splitlines()
    return Outcome(
        "crash",
        error=f"the checker could not start (exit code {code}; not the student's doing): "
        + _clip(said[-1] if said else "no message", limits),
    )


def _ended(
    code: int,
    used: float,
    cpu_limit: float,
    seconds: float,
    stray: bytearray,
    limits: Limits,
    isolated: bool,
) -> Outcome:
    """Why the child ended: a kill after using its CPU seconds is a time limit, not memory."""
    outcome = _died(code, seconds, stray, limits, isolated)
    if outcome.status == "memory" and used >= cpu_limit - 0.5:
        return _timeout(seconds, stray, limits, cpu=True)
    return outcome


def _died(code: int, seconds: float, stray: bytearray, limits: Limits, isolated: bool) -> Outcome:
    output = _clip(stray.decode("utf-8", "replace"), limits)
    if isolated and code > 128 and code - 128 in {s.value for s in signal.Signals}:
        code = -(code - 128)  # bwrap reports a signal as 128 + its number
    if code in (-signal.SIGXCPU, -signal.SIGKILL):
        if code == -signal.SIGXCPU:
            return _timeout(seconds, stray, limits, cpu=True)
        return Outcome(
            "memory",
            error="the code was killed, most likely for using more than "
            f"{limits.memory_mb} MB of memory",
            output=output,
        )
    if code < 0:
        name = signal.Signals(-code).name
        return Outcome(
            "crash", error=f"the code crashed the Python interpreter ({name})", output=output
        )
    return Outcome(
        "exit",
        error=f"the code ended the checker's process with exit code {code} "
        "(os._exit?); a solution must return, not exit",
        output=output,
    )


def _signal_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        _signal_group(proc)
    proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()
