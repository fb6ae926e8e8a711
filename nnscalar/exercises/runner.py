"""The sandboxed child: `main()` reads jobs on stdin, runs each, answers on stdout.

The boundary is the operating system's (bubblewrap, see `isolation`); this process holds no
secret: it gets the student's source and the inputs to call their functions on, and answers
with plain JSON that the parent checks. Before any student code runs it limits itself (memory,
CPU time, file size, processes), gives up root for the uid the parent chose, and installs an
audit hook that refuses processes, sockets and changes to files outside its scratch folder
(defence in depth only: code in this process can undo it). Student output is captured per job;
each result goes to stdout on its own line behind the parent's framing token.
"""

from __future__ import annotations

import io
import json
import linecache
import math
import os
import re
import signal
import stat
import sys
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .loader import all_exercises
from .model import Exercise

_BLOCKED_PREFIXES = ("os.exec", "os.spawn", "os.posix_spawn", "socket.", "ctypes.dlopen")
# Modules that start processes or load C code without an audit event of their own.
_BLOCKED_MODULES = ("_posixsubprocess", "subprocess", "multiprocessing", "_ctypes", "ctypes")
_NOBODY = 65534
READY = "ready"  # the line (behind the token) that says the checker started and is confined
# Where Python and nnscalar are loaded from: the dropped uid must be able to read them.
_NEEDED = (os.path.dirname(os.__file__), str(Path(__file__).resolve().parents[2]))
_BLOCKED = {
    "os.fork",
    "os.forkpty",
    "os.system",
    "os.kill",
    "os.killpg",
    "subprocess.Popen",
    "pty.spawn",
    "resource.setrlimit",
    "resource.prlimit",
    "signal.pthread_kill",
}


# Events that change files, and how many of their first arguments are paths.
_FILE_CHANGES = {
    "os.remove": 1,
    "os.rmdir": 1,
    "os.mkdir": 1,
    "os.rename": 2,
    "os.link": 2,
    "os.symlink": 2,
    "os.truncate": 1,
    "os.chmod": 1,
    "os.chown": 1,
    "os.utime": 1,
    "shutil.rmtree": 1,
}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_SCRATCH = os.path.realpath(os.getcwd())  # the parent starts the child in a fresh temp folder


class _TimeLimit(BaseException):
    """Raised in student code when its time is up (a BaseException: `except Exception` skips it)."""


class _Refused(PermissionError):
    """An operation the sandbox does not allow: starting a process, opening a socket."""


class _Capped(io.StringIO):
    """Captured output that keeps its first `limit` characters and drops the rest."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.dropped = 0

    def write(self, text: str) -> int:
        room = self.limit - self.tell()
        if room > 0:
            super().write(text[:room])
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def text(self) -> str:
        extra = f"\n… ({self.dropped} more characters)" if self.dropped else ""
        return self.getvalue() + extra


def _writes_outside(event: str, args: tuple) -> str:
    """The path outside the checker's scratch folder that `event` would change, if any."""
    if event == "open":
        path, mode, flags = args
        writing = (mode and set(str(mode)) & set("wax+")) or flags & _WRITE_FLAGS
        paths = [path] if writing else []
    elif event in _FILE_CHANGES:
        paths = [a for a in args[: _FILE_CHANGES[event]]]
    else:
        return ""
    for path in paths:
        if isinstance(path, int) or path is None:  # an open descriptor: already allowed once
            continue
        full = os.path.realpath(os.fsdecode(path))
        if os.path.commonpath([full, _SCRATCH]) != _SCRATCH:
            return full
    return ""


def _audit(event: str, args: tuple) -> None:
    outside = _writes_outside(event, args)
    if outside:
        raise _Refused(
            f"{event} on {outside!r} was refused: code in the checker may only change files in "
            "its own scratch folder"
        )
    if event == "import" and args[0] in _BLOCKED_MODULES:
        raise _Refused(
            f"import {args[0]} was refused: starting processes and loading C "
            "libraries is not allowed in the checker"
        )
    if event in _BLOCKED or event.startswith(_BLOCKED_PREFIXES):
        what = "the network" if event.startswith("socket.") else "starting processes"
        raise _Refused(f"{event} was refused: {what} is not allowed in the checker")


def _confine(limits: Mapping[str, Any], seconds: float) -> None:
    import resource  # POSIX only: Pyodide runs jobs with `run_here`, never confined

    memory = int(limits["memory_mb"]) * 1024 * 1024
    cpu = math.ceil(seconds + 5)
    uid = limits.get("uid")
    # a uid of its own in its own PID namespace may start a few processes; otherwise none
    processes = 8 if uid is not None and limits.get("isolated") else 0
    for name, soft, hard in (
        (resource.RLIMIT_AS, memory, memory),
        (resource.RLIMIT_CPU, cpu, cpu + 2),  # SIGXCPU first (a time limit), SIGKILL later
        (resource.RLIMIT_FSIZE, 1024 * 1024, 1024 * 1024),
        (resource.RLIMIT_CORE, 0, 0),
        (resource.RLIMIT_NPROC, processes, processes),
    ):
        resource.setrlimit(name, (soft, hard))
    if os.geteuid() == 0:
        target = uid if uid is not None else _NOBODY
        if limits.get("isolated") or all(_open_to_all(Path(p)) for p in _NEEDED):
            # root ignores RLIMIT_NPROC and may signal other checkers: become a uid of its own
            os.setgroups([])
            os.setgid(target)
            os.setuid(target)
    for name in _BLOCKED_MODULES:
        sys.modules.pop(name, None)
    sys.addaudithook(_audit)


def _open_to_all(path: Path) -> bool:
    """Whether any user may read `path` (a folder), so `nobody` can still import from it."""
    folders = [path, *path.parents]
    searchable = all(f.stat().st_mode & stat.S_IXOTH for f in folders)
    return searchable and bool(path.stat().st_mode & stat.S_IROTH)


def _student_trace(exc: BaseException, filename: str) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    lines = [f"line {f.lineno}, in {f.name}: {f.line}" for f in frames]
    lines.append(f"{type(exc).__name__}: {exc}")
    return "\n".join(lines)


def _numbers(namespace: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """The answer's names that are numbers (from module level or an `answer` dict)."""
    answer = namespace.get("answer")
    found = dict(answer) if isinstance(answer, dict) else {}
    found.update({n: namespace[n] for n in names if n in namespace})
    data: dict[str, Any] = {}
    for name in names:
        value = found.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            data[name] = float(value)
        elif value is not None:  # None: a notebook's blank answer, reported as missing
            data[name] = repr(value)[:80]
    return data


_IMPORT = re.compile(r"^\s*(?:import\s+([A-Za-z_][\w.]*)|from\s+([A-Za-z_][\w.]*)\s+import\b)")


def _unavailable(exc: BaseException, filename: str) -> str:
    """`import numpy is not available here: …` when `exc` came from an import line the student
    wrote (numpy itself refused for loading C libraries, or missing); '' otherwise."""
    line = 0
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    match = _IMPORT.match(linecache.getline(filename, line)) if line else None
    if match is None:
        return ""
    module = match.group(1) or match.group(2)
    return (
        f"line {line}: import {module} is not available here: use plain Python and nnscalar "
        "(the checker runs no C libraries, processes or network)"
    )


def _run(job: Mapping[str, Any], exercise: Exercise | None, output_chars: int) -> dict[str, Any]:
    """Run one job; a numbers answer (`exercise` None) gives the names listed in its inputs."""
    out = _Capped(output_chars)
    namespace: dict[str, Any] = {"__name__": "__student__", "__file__": job["filename"]}
    record: dict[str, Any] = {"status": "ok"}
    old_out, old_err = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = out
    timer = hasattr(signal, "setitimer") and sys.platform != "emscripten"
    if timer:
        signal.setitimer(signal.ITIMER_REAL, job["time"])
    source = job["source"]
    # so that tracebacks quote the student's lines
    linecache.cache[job["filename"]] = (len(source), None, source.splitlines(True), job["filename"])
    try:
        exec(compile(source, job["filename"], "exec"), namespace)
        if exercise is None:
            record["data"] = _numbers(namespace, tuple(job["inputs"]["names"]))
        else:
            record["data"] = exercise.probe(namespace, job["inputs"])
        json.dumps(record["data"])
    except _TimeLimit:
        record = {
            "status": "timeout",
            "error": f"time limit: the code ran longer than "
            f"{job['time']:g} s and was stopped (an infinite loop, or far too much work?)",
        }
    except SystemExit as exc:
        record = {
            "status": "exit",
            "error": f"the code called sys.exit({exc.code!r}); a solution "
            "must define its answer and return, not exit",
        }
    except MemoryError:
        record = {
            "status": "memory",
            "error": "memory limit: the code tried to use more than "
            "the memory allowed (a huge list or string?)",
        }
    except _Refused as exc:
        record = {"status": "blocked", "error": _unavailable(exc, job["filename"]) or str(exc)}
    except SyntaxError as exc:
        record = {"status": "crash", "error": f"SyntaxError on line {exc.lineno}: {exc.msg}"}
    except ModuleNotFoundError as exc:
        error = _unavailable(exc, job["filename"]) or _student_trace(exc, job["filename"])
        record = {"status": "crash", "error": error}
    except BaseException as exc:  # the student's exception, whatever it is, is the report
        record = {"status": "crash", "error": _student_trace(exc, job["filename"])}
    finally:
        if timer:
            signal.setitimer(signal.ITIMER_REAL, 0)
        sys.stdout, sys.stderr = old_out, old_err
    record["output"] = out.text()
    return record


def run_here(job: Mapping[str, Any], exercise: Exercise | None, output_chars: int) -> dict:
    """Run one job in this very process (Pyodide: the browser tab is the student's sandbox)."""
    return _run(job, exercise, output_chars)


def _alarm(signum: int, frame: object) -> None:
    raise _TimeLimit


def main() -> None:
    """Read the jobs, confine this process, run each job and print its result line."""
    request = json.loads(sys.stdin.buffer.read())
    limits = request["limits"]
    token = request["token"]
    needed = {job["exercise"] for job in request["jobs"] if job["kind"] == "code"}
    exercises = {e.id: e for e in all_exercises(request["paths"])} if needed else {}
    _confine(limits, sum(job["time"] for job in request["jobs"]))
    signal.signal(signal.SIGALRM, _alarm)
    stdout = sys.stdout
    stdout.write("\n" + token + READY + "\n")  # from here on, what happens is the student's
    stdout.flush()
    for job in request["jobs"]:
        exercise = exercises.get(job["exercise"]) if job["kind"] == "code" else None
        if job["kind"] == "code" and (exercise is None or exercise.probe is None):
            record = {"status": "crash", "error": f"no code exercise {job['exercise']!r}"}
        else:
            record = _run(job, exercise, int(limits["output_chars"]))
        stdout.write("\n" + token + json.dumps(record) + "\n")
        stdout.flush()


if __name__ == "__main__":
    main()
