"""Grading a folder of submissions: sandboxed, in parallel, CSV and Gradescope results.json."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nnscalar.exercises import Limits, all_exercises, isolation, student_seed
from nnscalar.exercises.grading import find_submissions, grade_all, write_grades
from nnscalar.exercises.worksheet import answer_file_name, write_worksheets

CLASS_SEED = 11
ALL = list(enumerate(all_exercises(), start=1))
ITEMS = [item for item in ALL if item[0] in (1, 4, 5, 6)]  # a quick selection with code in it
LIMITS = Limits(time=2.0, memory_mb=256)


@pytest.fixture(scope="module")
def submissions(tmp_path_factory) -> Path:
    """perfect: the key's answers; sloppy: two wrong, one looping; nora: a notebook only."""
    handout = tmp_path_factory.mktemp("handout")
    write_worksheets(handout, CLASS_SEED, ["perfect", "sloppy", "nora"], ITEMS)
    root = tmp_path_factory.mktemp("submissions")
    shutil.copytree(handout / "keys" / "perfect" / "answers", root / "perfect" / "answers")
    sloppy = root / "sloppy"
    shutil.copytree(handout / "keys" / "sloppy" / "answers", sloppy)
    (sloppy / answer_file_name(1, ALL[0][1])).write_text("z = 1000\n")
    (sloppy / answer_file_name(6, ALL[5][1])).write_text("while True:\n    pass\n")
    (sloppy / answer_file_name(5, ALL[4][1])).unlink()
    shutil.copy(handout / "keys" / "nora" / "answer_key.ipynb", root / "nora.ipynb")
    return root


@pytest.fixture(scope="module")
def grades(submissions):
    # the grading logic is tested wherever bubblewrap is missing too (test_hostile needs it)
    return grade_all(
        submissions, ITEMS, CLASS_SEED, True, jobs=2, limits=LIMITS, allow_unisolated=True
    )


def test_submissions_are_found_by_name(submissions):
    assert [name for name, _ in find_submissions(submissions)] == ["nora", "perfect", "sloppy"]


def test_scores_per_student_and_exercise(grades):
    table = {g.student: [g.points(n) for n, _ in ITEMS] for g in grades}
    assert table == {
        "nora": [1.0, 1.0, 1.0, 1.0],
        "perfect": [1.0, 1.0, 1.0, 1.0],
        "sloppy": [0.0, 1.0, 0.0, 0.0],
    }
    sloppy = next(g for g in grades if g.student == "sloppy")
    assert sloppy.seed == student_seed(CLASS_SEED, "sloppy")
    assert sloppy.results[5].error == "no answer handed in"
    assert sloppy.results[6].error.startswith("time limit: the code ran longer than 2 s")
    assert sloppy.results[1].parts[0].message.startswith("expected ")


def test_csv_and_gradescope_results(grades, tmp_path):
    table = write_grades(tmp_path, grades, ITEMS)
    with open(table, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == [
        "student",
        "seed",
        "seed from",
        "1-weighted-input",
        "4-expression-gradients",
        "5-shared-node",
        "6-new-op-backward",
        "total",
        "max",
        "warnings",
        "problems",
    ]
    assert rows[3] == [
        "sloppy",
        str(student_seed(CLASS_SEED, "sloppy")),
        "name",
        "0.0",
        "1.0",
        "0.0",
        "0.0",
        "1.0",
        "4",
        "",
        "5: no answer handed in; 6: time limit: the code ran longer than 2 s and was stopped "
        "(an infinite loop, or far too much work?)",
    ]
    results = json.loads((tmp_path / "sloppy" / "results.json").read_text())
    assert (results["score"], results["max_score"]) == (1.0, 4.0)
    assert [
        set(t) >= {"name", "score", "max_score", "status", "output", "visibility"}
        for t in results["tests"]
    ] == [True] * 4
    first = results["tests"][0]
    assert (
        first["name"],
        first["score"],
        first["max_score"],
        first["status"],
        first["visibility"],
    ) == ("1. The weighted input Z", 0.0, 1.0, "failed", "visible")
    assert "expected" in first["output"]
    assert all(isinstance(t["output"], str) for t in results["tests"])


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nnscalar", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_grade_command(submissions, tmp_path):
    out = tmp_path / "grades"
    done = _cli(
        "grade",
        str(submissions),
        "--seed-from-name",
        "--seed",
        str(CLASS_SEED),
        "--exercises",
        "1,4-6",
        "--time-limit",
        "2",
        "--out",
        str(out),
        *(["--no-isolation"] if isolation.bwrap_problem() else []),
    )
    assert done.returncode == 0, done.stderr
    assert "sloppy" in done.stdout and "1/4" in done.stdout
    assert (out / "perfect" / "results.json").is_file()


def test_worksheet_and_exercises_commands(tmp_path):
    ids = tmp_path / "ids.txt"
    ids.write_text("ann\n")
    done = _cli(
        "worksheet",
        "--seed",
        "5",
        "--students",
        str(ids),
        "--out",
        str(tmp_path / "out"),
        "--exercises",
        "1-2",
    )
    assert done.returncode == 0, done.stderr
    seed = str(student_seed(5, "ann"))
    answers = tmp_path / "out" / "keys" / "ann" / "answers"
    passed = _cli("exercises", "check", "2", str(answers / "02-bias.txt"), "--seed", seed)
    assert passed.returncode == 0 and "bias: passed (2/2)" in passed.stdout
    blank = tmp_path / "out" / "students" / "ann" / "answers" / "02-bias.txt"
    failed = _cli("exercises", "check", "2", str(blank), "--seed", seed)
    assert failed.returncode == 1 and "(0/2, 2 not answered)" in failed.stdout
    hint = _cli("exercises", "hint", "5", "--level", "2")
    assert "Hint 2/3:" in hint.stdout and "Hint 3/3" not in hint.stdout
    shown = _cli("exercises", "show", "4", "--seed", seed, "--svg", str(tmp_path / "g.svg"))
    assert shown.returncode == 0 and (tmp_path / "g.svg").read_text().count("<svg") == 1
    listed = _cli(
        "exercises", "list", "--path", str(Path(__file__).parents[1] / "examples" / "exercises")
    )
    assert "sigmoid-gate" in listed.stdout and "spot-the-bug" in listed.stdout
    assert f"(seed {seed})" in passed.stdout  # a student sees which variant was checked


def test_limits_must_be_positive(tmp_path):
    for args in (
        ("exercises", "check", "1", "a.txt", "--time-limit", "0"),
        ("grade", str(tmp_path), "--jobs", "0"),
        ("grade", str(tmp_path), "--memory-mb", "-5"),
        ("grade", str(tmp_path), "--submission-time-limit", "0"),
    ):
        done = _cli(*args)
        assert done.returncode == 2 and "valid: " in done.stderr and "> 0" in done.stderr


def test_non_finite_limits_and_tolerances_are_usage_errors(tmp_path):
    for args in (
        ("exercises", "check", "1", "a.txt", "--time-limit", "inf"),
        ("grade", str(tmp_path), "--time-limit", "nan"),
        ("step", "x*y", "--at", "x=1,y=2", "--tolerance", "nan"),
        ("step", "x*y", "--at", "x=1,y=2", "--tolerance", "-0.1"),
        ("step", "x*y", "--at", "x=1,y=2", "--tolerance", "inf"),
    ):
        done = _cli(*args)
        assert done.returncode == 2 and "is not valid; valid: a number > 0" in done.stderr, args


def test_grade_without_isolation_needs_the_teachers_word(submissions, tmp_path):
    args = ["grade", str(submissions), "--exercises", "1", "--out", str(tmp_path / "g")]
    refused = _cli(*args, "--isolation", "none")
    assert refused.returncode == 1
    assert "refusing to run other people's code without isolation" in refused.stderr
    assert "--no-isolation" in refused.stderr and not (tmp_path / "g").exists()
    allowed = _cli(*args, "--no-isolation", "--time-limit", "2")
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stderr.startswith("warning: no isolation")


@pytest.mark.skipif(
    isolation.bwrap_problem() != "", reason="needs bubblewrap: apt-get install bubblewrap"
)
def test_exercises_check_contains_a_hostile_file(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("teacher")
    attack = tmp_path / "attack.py"
    attack.write_text(
        "import sys\nr = sys.modules['nnscalar.exercises.runner']\nr._SCRATCH = '/'\n"
        f"open({str(notes)!r}, 'w').write('PWNED')\nz = 5.5\n"
    )
    done = _cli("exercises", "check", "1", str(attack), "--seed", "1", "--time-limit", "2")
    assert done.returncode == 1 and "ERROR line 4, in <module>" in done.stdout
    assert notes.read_text() == "teacher"
    nan = tmp_path / "nan.py"
    nan.write_text("def local_derivative(a, out):\n    return float('nan')\n")
    done = _cli("exercises", "check", "6", str(nan), "--seed", "1")
    assert done.returncode == 1 and "returned nan, not a finite number" in done.stdout
