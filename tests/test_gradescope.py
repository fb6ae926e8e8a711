"""The Gradescope bundle, unpacked into an /autograder-shaped folder and run on submissions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from nnscalar.exercises import all_exercises, student_seed
from nnscalar.exercises.gradescope import build_bundle
from nnscalar.exercises.worksheet import answer_file_name, write_worksheets

SEED = 2024
ALL = list(enumerate(all_exercises(), start=1))
NUMBERS = [1, 5, 6]  # numbers and code
ITEMS = [item for item in ALL if item[0] in NUMBERS]


@pytest.fixture(scope="module")
def handout(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("handout")
    write_worksheets(root, SEED, ["alice", "bob"], ITEMS)
    return root


@pytest.fixture(scope="module")
def bundle(tmp_path_factory, handout) -> Path:
    out = tmp_path_factory.mktemp("zip") / "autograder.zip"
    visibility = {6: "after_due_date"}
    build_bundle(out, SEED, NUMBERS, visibility=visibility, seeds_csv=handout / "seeds.csv")
    return out


def _autograder(tmp_path: Path, bundle: Path, email: str, files: dict[str, str]) -> dict:
    """Lay out /autograder as Gradescope does, run run_autograder, return results.json."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as z:
        z.extractall(root / "source")
    for name, text in files.items():
        (root / "submission" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "submission" / name).write_text(text)
    (root / "submission").mkdir(exist_ok=True)
    (root / "results").mkdir()
    metadata = {"id": 1, "users": [{"email": email, "id": 7, "name": "A Student"}]}
    (root / "submission_metadata.json").write_text(json.dumps(metadata))
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), NNSCALAR_PYTHON=sys.executable)
    done = subprocess.run(
        ["bash", str(root / "source" / "run_autograder")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads((root / "results" / "results.json").read_text())


def _key(handout: Path, student: str) -> dict[str, str]:
    folder = handout / "keys" / student / "answers"
    return {path.name: path.read_text() for path in folder.iterdir()}


def test_the_bundle_holds_what_gradescope_runs(bundle):
    with zipfile.ZipFile(bundle) as z:
        names = set(z.namelist())
        assert names == {"setup.sh", "run_autograder", "config.json", "seeds.csv"}
        assert (z.getinfo("run_autograder").external_attr >> 16) & 0o111
        assert "pip install" in z.read("setup.sh").decode()
        config = json.loads(z.read("config.json"))
    assert config["class_seed"] == SEED and config["exercises"] == NUMBERS


def test_a_correct_submission_scores_full_marks(tmp_path, bundle, handout):
    results = _autograder(tmp_path, bundle, "alice@uni.edu", _key(handout, "alice"))
    assert results["score"] == 3.0
    assert [(t["name"], t["score"], t["max_score"]) for t in results["tests"]] == [
        ("1. The weighted input Z", 1.0, 1.0),
        (f"5. {ALL[4][1].title}", 1.0, 1.0),
        (f"6. {ALL[5][1].title}", 1.0, 1.0),
    ]
    assert [t["visibility"] for t in results["tests"]] == ["visible", "visible", "after_due_date"]
    assert [t["number"] for t in results["tests"]] == ["1", "5", "6"]
    assert f"seed {student_seed(SEED, 'alice')}, from seeds.csv" in results["output"]


def test_wrong_partial_and_crashing_submissions(tmp_path, bundle, handout):
    files = _key(handout, "bob")
    files[answer_file_name(1, ALL[0][1])] = "z = 1000\n"  # wrong
    text = files[answer_file_name(5, ALL[4][1])].splitlines()
    files[answer_file_name(5, ALL[4][1])] = "\n".join(text[:3]) + "\n"  # 2 of 5 parts
    files[answer_file_name(6, ALL[5][1])] = "raise RuntimeError('boom')\n"  # crashes
    results = _autograder(tmp_path, bundle, "Bob@uni.edu", files)
    scores = [t["score"] for t in results["tests"]]
    assert scores == [0.0, 0.4, 0.0] and results["score"] == 0.4
    assert "expected" in results["tests"][0]["output"]
    assert "3 not answered" in results["tests"][1]["output"]
    assert "RuntimeError: boom" in results["tests"][2]["output"]


def test_a_student_not_in_the_seeds_table_is_not_graded_against_a_guess(tmp_path, bundle, handout):
    results = _autograder(tmp_path, bundle, "mallory@uni.edu", _key(handout, "alice"))
    assert results["score"] == 0.0
    assert "seed unknown: folder 'mallory' matches no student" in results["output"]


def test_a_broken_layout_still_writes_results(tmp_path, bundle):
    results = _autograder(tmp_path, bundle, "", {})
    assert results["score"] == 0.0 and "could not grade" in results["output"]


def test_the_build_command_writes_the_zip(tmp_path):
    out = tmp_path / "autograder.zip"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "nnscalar",
            "gradescope",
            "build",
            "--seed",
            "2024",
            "--hidden",
            "13",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    config = json.loads(zipfile.ZipFile(out).read("config.json"))
    assert config["visibility"] == {"13": "hidden"} and len(config["exercises"]) == len(ALL)


def test_the_training_exercise_feeds_the_leaderboard():
    from nnscalar.exercises.gradescope import _results
    from nnscalar.exercises.grading import Grade
    from nnscalar.exercises.model import CheckResult, Part

    number, training = next(item for item in ALL if item[1].id == "train-to-accuracy")
    part = Part("test accuracy", True, "46 of 50 test points right", 0.9, 0.92)
    grade = Grade("alice", 5, {number: CheckResult(training.id, (part,))})
    results = _results(grade, [(number, training)], {str(number): "hidden"})
    assert results["leaderboard"] == [{"name": "held-out accuracy", "value": 0.92, "order": "desc"}]
    assert results["tests"][0]["visibility"] == "hidden" and results["score"] == 1.0
