"""The command line as a user runs it: a subprocess."""

from __future__ import annotations

import subprocess
import sys

import nnscalar


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nnscalar", *args], capture_output=True, text=True, timeout=120
    )


def test_version():
    result = run("--version")
    assert result.returncode == 0
    info = nnscalar.core.engine_info()  # the subprocess inherits NNSCALAR_PURE, so it agrees
    what = "compiled core" if info["core"] == "compiled" else "readable engine"
    assert result.stdout.strip() == f"nnscalar {nnscalar.__version__}, {what} ({info['reason']})"


def test_help_lists_the_program():
    result = run("--help")
    assert result.returncode == 0
    assert "usage: nnscalar" in result.stdout


def test_unknown_command_is_a_usage_error():
    result = run("no-such-command")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_an_unreadable_file_is_an_error_message_not_a_traceback(tmp_path):
    missing = tmp_path / "no-such-model.json"
    result = run("draw", "--model", str(missing), "-o", str(tmp_path / "net.svg"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "no-such-model.json" in result.stderr
