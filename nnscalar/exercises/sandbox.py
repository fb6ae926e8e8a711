"""Run students' code in a separate process with a time limit, a memory limit and no network.

One child process checks every job of one submission in turn, streaming one result line per job;
when student code kills its process (a hard loop, `os._exit`, a segfault), the job it was on is
reported as such and a fresh child carries on with the rest. The checker itself never hangs.
"""

from __future__ import annotations

import json
import os
import secrets
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Job", "Limits", "Outcome", "run_jobs"]

_STARTUP = 10.0  # seconds a child may take to start Python and import nnscalar
_GRACE = 1.0  # seconds past a job's limit before the parent kills the child
_MAX_STRAY = 64_000  # bytes of output written around the checker's back that are kept
_STATUSES = ("ok", "crash", "exit", "timeout", "memory", "blocked")


@dataclass(frozen=True)
class Limits:
    """What one job may use: seconds of time (None: the exercise's own limit), megabytes of
    memory, characters of output kept."""

    time: float | None = None
    memory_mb: int = 512
    output_chars: int = 4000


@dataclass(frozen=True)
class Job:
    """One exercise to check on one student file: the exercise id, the source text, the seed."""

    exercise: str
    source: str
    filename: str
    seed: int
    time_limit: float = 5.0  # the exercise's own limit; `Limits.time` overrides it


@dataclass(frozen=True)
class Outcome:
    """How a job ended: status 'ok' with the probed `data`, or why not (`error`), and the output.

    Statuses: ok, crash, exit, timeout, memory, blocked (a process or the network was refused).
    """

    status: str
    data: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    output: str = ""


def run_jobs(
    jobs: Sequence[Job], limits: Limits | None = None, paths: Sequence[str | Path] = ()
) -> list[Outcome]:
    """Check every job in a sandboxed child; one outcome per job, in order, whatever the code does.

    `paths` are the teacher's exercise folders the child loads besides the built-in exercises.
    """
    limits = limits or Limits()
    outcomes: list[Outcome] = []
    while len(outcomes) < len(jobs):
        outcomes.extend(_run_child(jobs[len(outcomes) :], limits, [str(p) for p in paths]))
    return outcomes


def _child_env() -> dict[str, str]:
    package_root = Path(__file__).resolve().parents[2]
    return {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(package_root),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
        "LANG": "C.UTF-8",
    }


def _run_child(jobs: Sequence[Job], limits: Limits, paths: list[str]) -> list[Outcome]:
    """Run jobs in one child until they are done or the child dies; returns at least one outcome."""
    token = secrets.token_hex(16)
    times = [limits.time or j.time_limit for j in jobs]
    payload = json.dumps(
        {
            "token": token,
            "paths": paths,
            "limits": {"memory_mb": limits.memory_mb, "output_chars": limits.output_chars},
            "jobs": [
                {
                    "exercise": j.exercise,
                    "source": j.source,
                    "filename": j.filename,
                    "seed": j.seed,
                    "time": t,
                }
                for j, t in zip(jobs, times)
            ],
        }
    ).encode("utf-8")
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="nnscalar-sandbox-") as cwd:
        proc = subprocess.Popen(
            [sys.executable, "-s", "-B", "-m", "nnscalar.exercises.runner"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=_child_env(),
            start_new_session=True,
        )
        try:
            _send(proc, payload)
            _collect(proc, token, times, limits, outcomes)
        finally:
            _kill(proc)
    return outcomes


def _send(proc: subprocess.Popen, payload: bytes) -> None:
    assert proc.stdin is not None
    try:
        proc.stdin.write(payload)
        proc.stdin.close()
    except BrokenPipeError:
        pass  # the child died at start-up: _collect reports how


def _collect(
    proc: subprocess.Popen, token: str, times: list[float], limits: Limits, outcomes: list[Outcome]
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
    while len(outcomes) < len(times):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            outcomes.append(_timeout(times[len(outcomes)], stray, limits))
            return
        if not selector.select(remaining):
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            proc.wait()
            outcomes.append(_died(proc.returncode, times[len(outcomes)], stray, limits))
            return
        buffer += chunk
        while b"\n" in buffer and len(outcomes) < len(times):
            line, buffer = buffer.split(b"\n", 1)
            if line.startswith(marker):
                outcomes.append(_outcome(line[len(marker) :], stray, limits))
                stray.clear()
                if len(outcomes) < len(times):
                    deadline = time.monotonic() + times[len(outcomes)] + _GRACE
            elif line:
                _keep(stray, line + b"\n")
        if len(buffer) > _MAX_STRAY and marker not in buffer:
            _keep(stray, buffer)
            buffer = b""


def _keep(stray: bytearray, text: bytes) -> None:
    stray += text[: max(0, _MAX_STRAY - len(stray))]


def _outcome(text: bytes, stray: bytearray, limits: Limits) -> Outcome:
    output = _clip(stray.decode("utf-8", "replace"), limits)
    try:  # student code can reach the token, so a result line is checked, never trusted
        record = json.loads(text)
        status, data = record["status"], record.get("data") or {}
        error, printed = str(record.get("error", "")), str(record.get("output", ""))
        if status not in _STATUSES or not isinstance(data, dict):
            raise ValueError(status)
    except (ValueError, KeyError, TypeError, AttributeError):
        return Outcome("crash", error="the checker's result line was garbled", output=output)
    return Outcome(status, data, error, printed + output)


def _clip(text: str, limits: Limits) -> str:
    if len(text) <= limits.output_chars:
        return text
    return text[: limits.output_chars] + f"\n… ({len(text) - limits.output_chars} more characters)"


def _timeout(seconds: float, stray: bytearray, limits: Limits) -> Outcome:
    return Outcome(
        "timeout",
        error=f"time limit: the code ran longer than {seconds:g} s and was "
        "stopped (an infinite loop, or far too much work?)",
        output=_clip(stray.decode("utf-8", "replace"), limits),
    )


def _died(code: int, seconds: float, stray: bytearray, limits: Limits) -> Outcome:
    output = _clip(stray.decode("utf-8", "replace"), limits)
    if code in (-signal.SIGXCPU, -signal.SIGKILL):
        if code == -signal.SIGXCPU:
            return _timeout(seconds, stray, limits)
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


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()
