"""Which core runs: the compiled one when it was built, else the readable engine (NNSCALAR_PURE set,
or the extension missing); and an install without a C compiler still succeeds."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import nnscalar

ROOT = Path(__file__).resolve().parent.parent
SHOW = "import nnscalar; i = nnscalar.engine_info(); print(i['core'], '|', i['reason'])"


def run_python(code: str, **env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=True,
    )
    return result.stdout.strip()


def test_nnscalar_pure_forces_the_readable_engine():
    shown = run_python(SHOW + "; print(nnscalar.Value is nnscalar.engine.Value)", NNSCALAR_PURE="1")
    assert shown == "readable | NNSCALAR_PURE is set\nTrue"


def test_a_missing_extension_falls_back_to_the_readable_engine():
    hide = "import sys; sys.modules['nnscalar._core_c'] = None; "  # import of it fails
    shown = run_python(hide + SHOW, NNSCALAR_PURE="")
    assert shown == "readable | the compiled core was not built"


def test_the_compiled_core_runs_when_built():
    pytest.importorskip("nnscalar._core", reason="the compiled core is not built here")
    shown = run_python(SHOW + "; print(nnscalar.Value is nnscalar._core.Value)", NNSCALAR_PURE="")
    assert shown == "compiled | built and importable\nTrue"


def test_engine_info_names_the_module_that_runs():
    info = nnscalar.engine_info()
    module = sys.modules[info["module"]]
    assert nnscalar.Value is module.Value
    assert info["core"] == ("compiled" if info["module"] == "nnscalar._core" else "readable")


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler for the control case")
@pytest.mark.parametrize(
    ("env", "built", "note"),
    [
        ({"CC": "false"}, False, True),  # a compiler that fails: one line, no failure
        ({"NNSCALAR_PURE_BUILD": "1"}, False, False),  # the pure package on purpose
        ({}, True, False),
    ],
    ids=["no compiler", "pure build", "compiler"],
)
def test_setup_builds_the_core_when_it_can_and_succeeds_when_it_cannot(tmp_path, env, built, note):
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "nnscalar", tmp_path / "nnscalar", ignore=shutil.ignore_patterns("*.so"))
    result = subprocess.run(
        [sys.executable, "setup.py", "-q", "build_ext", "--inplace"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "NNSCALAR_PURE_BUILD": "", **env},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert bool(list((tmp_path / "nnscalar").glob("_core_c*.so"))) == built
    line = "nnscalar: the compiled core was not built"
    assert (line in result.stderr) == note
    if note:
        assert (
            result.stderr.count(line) == 1 and "the readable engine will be used" in result.stderr
        )
