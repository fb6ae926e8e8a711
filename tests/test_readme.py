"""README's Python examples run as written and print what their comments say."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def expected_prints(block: str) -> list[list[str]] | None:
    """The numbers promised in `print(...)  # 1.23...` comments, as prefixes; None when some
    print has no such comment (then the block is only run)."""
    rows = []
    for line in block.splitlines():
        if "print(" in line and not line.startswith("print("):
            return None  # prints inside loops or functions: output lines do not map one to one
        if line.startswith("print("):
            comment = line.split("#", 1)[1] if "#" in line else ""
            numbers = re.findall(r"-?\d+\.\d+(?=\.\.\.)", comment)
            if not numbers:
                return None
            rows.append(numbers)
    return rows or None


def test_every_python_example_runs_and_prints_its_promised_numbers(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = python_blocks()
    assert blocks, "README has no python examples"
    checked = 0
    for block in blocks:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, "README.md", "exec"), {"__name__": "__readme__"})
        expected = expected_prints(block)
        if expected is None:
            continue
        printed = out.getvalue().splitlines()
        assert len(printed) == len(expected), block
        for line, prefixes in zip(printed, expected):
            numbers = line.replace(",", " ").split()
            assert all(n.startswith(p) for p, n in zip(prefixes, numbers)), (line, prefixes)
            checked += 1
    assert checked >= 3  # the engine example's three lines at least
