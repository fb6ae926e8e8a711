"""README's shell commands run as written in a fresh shell on a fresh copy of the repository.

The copy gets the tracked files only; its `.venv` borrows this test run's environment (no new
venv is built) and is marked installed, so `make demo` trains instead of installing. Each ```bash
block runs in a new `bash` with no virtualenv on PATH: the first block is the set-up exactly as
written (it activates `.venv` itself); the later ones start from README's "source
.venv/bin/activate", as a reader's new shell does.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
ACTIVATE = "source .venv/bin/activate"

# Commands that cannot run here, each with the reason. Everything else runs.
SKIPPED = {
    "make test": "runs this very suite",
    "csv:mydata.csv": "the reader's own data file",
    "grade submissions/": "the teacher's own folder of submissions",
    "make site": "needs npm; tests/test_site_browser.py builds the site and serves it",
    "http.server": "serves until stopped",
    "pytest mygrad/": "the skeleton's tests fail until the student's work is done",
    "check mygrad/": "as above; tests/test_build_track.py checks the skeleton and the solution",
    "build step mygrad/": "as above; tests/test_build_graph.py steps through the solution's graph",
    "build draw mygrad/": "as above; tests/test_build_graph.py draws the solution's graph",
}


def shell_blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def runnable(block: str) -> str:
    lines = [line for line in block.splitlines() if not any(s in line for s in SKIPPED)]
    return "\n".join(lines) + "\n"


def fresh_copy(target: Path) -> None:
    """The tracked files of the repository, and a `.venv` that is this environment, installed."""
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, files):
        source = ROOT / name.decode()
        if source.is_file():
            (target / source.relative_to(ROOT)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / source.relative_to(ROOT))
    venv = target / ".venv"
    venv.mkdir()
    for part in Path(sys.prefix).iterdir():
        if not part.name.startswith(".installed"):
            (venv / part.name).symlink_to(part)
    build = ("pyproject.toml", "setup.py", "nnscalar/_core_c.c")  # the Makefile's $(BUILD)
    checksum = subprocess.run(
        f"cat {' '.join(build)} | cksum", shell=True, cwd=target, capture_output=True, text=True
    ).stdout.split()[0]
    for name in build:
        os.utime(target / name, (0, 0))  # older than the stamps: make installs nothing
    for extras in ("base", "test"):
        (venv / f".installed-{extras}-{checksum}").touch()


def fresh_shell(home: Path) -> dict[str, str]:
    """A login-like environment: no virtualenv active, no venv on PATH."""
    path = os.pathsep.join(
        p for p in os.environ["PATH"].split(os.pathsep) if not (Path(p) / "activate").exists()
    )
    keep = {k: v for k, v in os.environ.items() if k in ("LANG", "LC_ALL", "TERM", "TMPDIR")}
    return {**keep, "PATH": path, "HOME": str(home), "MPLBACKEND": "Agg"}


@pytest.mark.skipif(shutil.which("make") is None, reason="README's set-up needs make")
def test_every_readme_shell_command_runs_in_a_fresh_shell(tmp_path):
    blocks = shell_blocks()
    assert blocks[0].splitlines()[:2] == [
        "make demo                     # creates .venv, installs nnscalar alone, trains the demo "
        "network",
        f"{ACTIVATE}     # in each new shell (or type .venv/bin/nnscalar instead of nnscalar)",
    ]
    clone, home = tmp_path / "clone", tmp_path / "home"
    clone.mkdir()
    home.mkdir()
    fresh_copy(clone)
    env = fresh_shell(home)
    assert subprocess.run(["bash", "-c", "command -v nnscalar"], env=env).returncode == 1
    for number, block in enumerate(blocks):
        script = runnable(block) if number == 0 else f"{ACTIVATE}\n{runnable(block)}"
        run = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", script],
            cwd=clone,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert run.returncode == 0, (script, run.stdout[-3000:], run.stderr[-3000:])
        if number == 0:
            # the set-up trained the demo and activated the venv; nnscalar pointed onwards
            assert "nnscalar tour" in run.stdout and "nnscalar train" in run.stdout
            for name in ("model.json", "network.png", "neuron.png", "decision_boundary.png"):
                assert (clone / "out" / "demo" / name).is_file(), name
    # what the first screen promised exists
    assert (clone / "walk.html").is_file() and (clone / "tour.html").is_file()
    assert (clone / "net.svg").is_file() and (clone / "handout").is_dir()
