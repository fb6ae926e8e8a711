"""Where student code runs: which boundary the operating system gives it, and the command line.

On Linux with bubblewrap (`bwrap`) each child sees a read-only Python and nnscalar, a private
tmpfs scratch folder and nothing else of the machine, in its own PID, network, IPC and UTS
namespaces; run as root it also drops to a uid of its own. Other modes: `container` (the
platform's container is the boundary: Gradescope, PrairieLearn), `none` (a plain child process
with limits and an audit hook only), `in-process` (Pyodide: the browser tab is the sandbox).
"""

from __future__ import annotations

import functools
import itertools
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

from ..errors import ConfigError

__all__ = ["MODES", "bwrap_command", "choose", "next_uid", "warning"]

MODES = ("auto", "bwrap", "container", "none")
ENV = "NNSCALAR_ISOLATION"  # a platform's image sets `container` here
SCRATCH = "/work"  # the child's private folder inside the sandbox
SCRATCH_BYTES = 16 * 1024 * 1024
PACKAGE_MOUNT = "/sandbox/lib"  # where nnscalar (and a teacher's exercise folders) appear
_UID_BASE = 1_600_000_000  # per-submission uids, far above any real account
_uids = itertools.count(_UID_BASE + secrets.randbelow(10**8))


def next_uid() -> int:
    """A uid no other submission of this run has (used when the grader runs as root)."""
    return next(_uids)


def _platform() -> str:
    return sys.platform


def choose(requested: str = "auto") -> str:
    """The isolation this machine gives: `in-process` under Pyodide, else `requested`
    (`auto`: the NNSCALAR_ISOLATION setting, else bwrap when it works, else none)."""
    if _platform() == "emscripten":
        return "in-process"
    if requested not in MODES:
        raise ConfigError(f"isolation {requested!r} is not known; valid: {', '.join(MODES)}")
    if requested == "auto":
        requested = os.environ.get(ENV, "auto").strip() or "auto"
        if requested not in MODES:
            raise ConfigError(f"{ENV}={requested!r} is not valid; valid: {', '.join(MODES)}")
    if requested == "auto":
        return "bwrap" if bwrap_problem() == "" else "none"
    if requested == "bwrap" and bwrap_problem():
        raise ConfigError(f"isolation bwrap is not available: {bwrap_problem()}")
    return requested


def warning(mode: str) -> str:
    """The line a user must see about `mode` ('' for the real boundary)."""
    if mode == "container":
        return (
            "warning: student code runs without a sandbox of its own: the container this "
            "runs in must be the boundary (one per submission, as on Gradescope)"
        )
    if mode == "none":
        who = "root (or nobody, when Python is readable by all)" if os.geteuid() == 0 else "you"
        return (
            f"warning: no isolation (bubblewrap not available): student code runs as {who}, "
            f"with limits only; {bwrap_problem() or 'bwrap was not chosen'}"
        )
    return ""


@functools.lru_cache(maxsize=1)
def require_boundary(mode: str, allow_unisolated: bool) -> None:
    """Refuse to run other people's code without an isolation boundary, unless the teacher
    accepted the risk (`--no-isolation`)."""
    if mode == "none" and not allow_unisolated:
        raise ConfigError(
            "refusing to run other people's code without isolation: "
            f"{bwrap_problem() or 'isolation none was chosen'}. Install bubblewrap "
            "(apt-get install bubblewrap), grade inside a per-submission container "
            "(--isolation container), or accept the risk with --no-isolation"
        )


def bwrap_problem() -> str:
    """Why bubblewrap cannot be used here ('' when a trial sandbox ran)."""
    if not sys.platform.startswith("linux"):
        return f"bubblewrap needs Linux (this is {sys.platform})"
    if shutil.which("bwrap") is None:
        return "bwrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    command = bwrap_command(["/bin/true"], [])
    try:
        done = subprocess.run(command, capture_output=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap could not start: {exc}"
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip()[:200]
        return f"bwrap could not create a sandbox here ({reason or done.returncode})"
    return ""


def _python_home() -> Path:
    return Path(sys.base_prefix).resolve()


def python_executable() -> str:
    """The real interpreter (a venv's python is a link to it; the venv is not mounted)."""
    real = Path(sys.executable).resolve()
    home = _python_home()
    if home in real.parents:
        return str(real)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    return str(home / "bin" / version)


def package_dir() -> Path:
    """The folder of the nnscalar package (mounted read-only in the sandbox)."""
    return Path(__file__).resolve().parents[1]


def _system_mounts() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "lib", "lib32", "lib64", "sbin"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for name in ("ld.so.cache", "localtime"):  # the loader's cache; nothing else of /etc
        if (Path("/etc") / name).exists():
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    return args


def _parents(path: Path, made: set[str]) -> list[str]:
    """`--dir` for each missing parent, searchable by all (bwrap's own are private)."""
    args: list[str] = []
    for parent in reversed(path.parents):
        text = str(parent)
        if text == "/" or text in made or text.startswith(("/usr/", "/etc/")) or text == "/usr":
            continue
        made.add(text)
        args += ["--perms", "0755", "--dir", text]
    return args


def bwrap_command(command: list[str], teacher_paths: list[str]) -> list[str]:
    """The bwrap command line that runs `command` in a fresh sandbox (see the module doc)."""
    made: set[str] = set()
    args = ["bwrap", *_system_mounts()]
    home = _python_home()
    if not str(home).startswith("/usr/"):
        args += [*_parents(home, made), "--ro-bind", str(home), str(home)]
    mount = Path(PACKAGE_MOUNT)
    args += _parents(mount / "nnscalar", made)
    args += ["--ro-bind", str(package_dir()), str(mount / "nnscalar")]
    for i, path in enumerate(teacher_paths):
        args += ["--ro-bind", str(Path(path).resolve()), f"/sandbox/exercises/{i}"]
    args += ["--proc", "/proc", "--dev", "/dev"]
    # every tmpfs has a size: files written there are memory the sandbox would otherwise take
    args += ["--perms", "1777", "--size", str(1024 * 1024), "--tmpfs", "/dev/shm"]
    args += ["--perms", "1777", "--size", str(SCRATCH_BYTES), "--tmpfs", SCRATCH]
    args += ["--perms", "1777", "--size", str(1024 * 1024), "--tmpfs", "/tmp"]
    args += ["--chdir", SCRATCH, "--clearenv", "--die-with-parent", "--new-session"]
    namespaces = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
    if os.geteuid() == 0:  # the runner drops to its own uid; keep only what that needs
        args += [*namespaces, "--unshare-cgroup-try", "--cap-drop", "ALL"]
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        args += ["--unshare-all"]
    for name, value in (
        ("PATH", "/usr/bin:/bin"),
        ("PYTHONDONTWRITEBYTECODE", "1"),
        ("PYTHONIOENCODING", "utf-8"),
        ("LANG", "C.UTF-8"),
        ("HOME", SCRATCH),
    ):
        args += ["--setenv", name, value]
    return [*args, "--", *command]


def sandbox_teacher_paths(teacher_paths: list[str]) -> list[str]:
    """Where the teacher's exercise folders appear inside the sandbox."""
    return [f"/sandbox/exercises/{i}" for i in range(len(teacher_paths))]
