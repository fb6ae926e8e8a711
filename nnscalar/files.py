"""Atomic file writes: a crash mid-save leaves the old file or the new one, never half of one;
and capped reads of files someone else handed in (no symbolic links, no devices, no giants)."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from pathlib import Path

from .errors import ConfigError

__all__ = ["read_limited", "write_atomic"]


def write_atomic(path: str | Path, content: str | bytes, mode: int | None = None) -> Path:
    """Write `content` (text as UTF-8) to `path` via a temp file in the same folder + os.replace.

    `mode` (e.g. 0o600 for an answer key) sets the permissions; by default an existing file keeps
    its own and a new one gets what the umask gives. Only a regular file is ever replaced: a
    symbolic link, a device, a FIFO or a folder at `path` is a ConfigError. Raises OSError (a
    missing folder, no permission) with the temp file cleaned up; temp files left by a killed
    writer are removed by the next write.
    """
    path = Path(path)
    _refuse_special(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    final_mode = _file_mode(path) if mode is None else mode
    _remove_stale_temps(path)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    fd, named = _open_temp(path.parent, tmp)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fchmod(f.fileno(), final_mode)
            os.fsync(f.fileno())
            if not named:  # an anonymous file gets its name only now, just before the rename
                _name(f.fileno(), tmp)
        _refuse_special(path)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def _open_temp(folder: Path, tmp: Path) -> tuple[int, bool]:
    """An anonymous file in `folder` (O_TMPFILE: a kill leaves nothing), else the named `tmp`."""
    flag = getattr(os, "O_TMPFILE", 0)
    if flag and Path("/proc/self/fd").is_dir():
        try:
            return os.open(folder, flag | os.O_WRONLY, 0o600), False
        except OSError as exc:  # a file system without anonymous files: use a named one
            if exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
                raise
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    return os.open(tmp, flags, 0o600), True


def _name(fd: int, tmp: Path) -> None:
    """Give the anonymous file `fd` the name `tmp` (linkat through /proc, following the link)."""
    folder = os.open("/proc/self/fd", os.O_RDONLY)
    try:
        os.link(str(fd), tmp, src_dir_fd=folder, follow_symlinks=True)
    finally:
        os.close(folder)


def _refuse_special(path: Path) -> None:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISREG(info.st_mode):
        return
    kind = (
        "symbolic link"
        if stat.S_ISLNK(info.st_mode)
        else "folder"
        if stat.S_ISDIR(info.st_mode)
        else "FIFO"
        if stat.S_ISFIFO(info.st_mode)
        else "device"
        if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)
        else "special file"
    )
    raise ConfigError(
        f"{str(path)!r} is a {kind}, not a regular file: nnscalar does not replace it; "
        "give the path of a new or ordinary file"
    )


def _remove_stale_temps(path: Path) -> None:
    """Remove `.name.<pid>.<hex>.tmp` files of this destination whose writer is gone."""
    pattern = re.compile(rf"^\.{re.escape(path.name)}\.(\d+)\.[0-9a-f]{{8}}\.tmp$")
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return
    for entry in entries:
        match = pattern.match(entry.name)
        if match and not _alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


def _alive(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":  # Windows' kill(pid, 0) would end the process
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _file_mode(path: Path) -> int:
    """The existing file's permissions, else what the umask gives a new file."""
    with contextlib.suppress(OSError):
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def read_limited(path: str | Path, max_bytes: int) -> bytes:
    """The bytes of the regular file at `path`, refusing a symbolic link (the last part of the
    path), a device or FIFO, and a file over `max_bytes`; the refusal is a ConfigError."""
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if os.path.islink(path):
            raise ConfigError(f"{path.name}: is a symbolic link; hand in the file itself") from None
        raise ConfigError(f"{path.name}: cannot be read: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"{path.name}: is not a regular file")
        if info.st_size > max_bytes:
            raise ConfigError(f"{path.name}: is {info.st_size} bytes; at most {max_bytes} are read")
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ConfigError(f"{path.name}: is over {max_bytes} bytes; at most {max_bytes} are read")
    return data
