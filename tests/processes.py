"""Which processes run under a given one (Linux /proc): for tests that no child outlives grading."""

from __future__ import annotations

import os
from pathlib import Path


def _fields(pid: int | str) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name: state, parent, ..."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def alive(pid: int) -> bool:
    """True while `pid` runs (a zombie, ended but not yet reaped, is not running)."""
    try:
        return _fields(pid)[0] != "Z"
    except (OSError, IndexError):
        return False


def descendants(root: int) -> list[int]:
    """Every running process under `root` (its children, theirs, ...)."""
    parents: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                state, parent = _fields(name)[:2]
            except (OSError, ValueError, IndexError):
                continue
            if state != "Z":
                parents[int(name)] = int(parent)
    found, frontier = [], [root]
    while frontier:
        here = frontier.pop()
        children = [pid for pid, parent in parents.items() if parent == here]
        found.extend(children)
        frontier.extend(children)
    return found


def command_line(pid: int) -> bytes:
    """The process's command line (arguments separated by NUL), b"" when it is gone."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def sandboxes(root: int) -> list[int]:
    """The bubblewrap sandboxes under `root`: the outer bwrap process of each."""
    found = []
    for pid in descendants(root):
        try:
            parent = _fields(pid)[1]
        except (OSError, IndexError):
            continue
        if command_line(pid).startswith(b"bwrap") and not command_line(parent).startswith(b"bwrap"):
            found.append(pid)
    return found
