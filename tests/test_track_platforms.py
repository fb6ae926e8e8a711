"""The build track on the platforms: the Gradescope bundle unpacked into an /autograder-shaped
folder and the PrairieLearn question's grader run in a /grade-shaped folder, each on a correct
package, one with a typical mistake, the untouched skeleton and a hostile one: exact per-task
scores."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from nnscalar.cli import main
from nnscalar.exercises.variants import student_seed
from nnscalar.track import start

CLASS_SEED = 2024
SECRET = "a-course-secret-of-some-length"
ALL = [1.0] * 10
ASSIGN = [1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0]  # `=` instead of `+=`
NONE = [0.0] * 10
CRASH = "import os\nprint('{\"score\": 10}')\nos._exit(3)\n"


def _package(tmp: Path, seed: int, kind: str) -> Path:
    folder = tmp / kind / "mygrad"
    start(folder, seed=seed, solution=kind != "skeleton")
    engine = folder / "engine.py"
    if kind == "assign":
        old = "                parent.grad += local * node.grad\n"
        engine.write_text(engine.read_text().replace(old, old.replace("+=", "=")))
    if kind == "hostile":
        engine.write_text(CRASH)
    return folder


def _zip(folder: Path, to: Path) -> Path:
    with zipfile.ZipFile(to, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{folder.name}/{path.relative_to(folder)}")
    return to


# --- Gradescope ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bundle")
    (folder / "course.secret").write_text(SECRET + "\n")
    out = folder / "autograder.zip"
    args = ["gradescope", "build", "--track", "--seed", str(CLASS_SEED), "--out", str(out)]
    assert main([*args, "--course-secret", str(folder / "course.secret"), "--hidden", "10"]) == 0
    return out


def _autograder(tmp: Path, bundle: Path, email: str, place) -> dict:
    """Lay out /autograder as Gradescope does, `place` the hand-in, run run_autograder."""
    root = tmp / "autograder"
    with zipfile.ZipFile(bundle) as z:
        z.extractall(root / "source")
    (root / "submission").mkdir(parents=True)
    (root / "results").mkdir()
    place(root / "submission")
    metadata = {"id": 1, "users": [{"email": email, "id": 7, "name": "A Student"}]}
    (root / "submission_metadata.json").write_text(json.dumps(metadata))
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), NNSCALAR_PYTHON=sys.executable)
    done = subprocess.run(
        ["bash", str(root / "source" / "run_autograder")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads((root / "results" / "results.json").read_text())


def test_the_track_bundle_says_what_to_grade(bundle: Path) -> None:
    with zipfile.ZipFile(bundle) as z:
        config = json.loads(z.read("config.json"))
        assert set(z.namelist()) == {"setup.sh", "run_autograder", "config.json", "course.secret"}
    assert config["track"] == list(range(1, 11)) and config["exercises"] == []
    assert config["class_seed"] == CLASS_SEED and config["visibility"] == {"10": "hidden"}


def test_gradescope_grades_each_kind_of_package(tmp_path: Path, bundle: Path) -> None:
    seed = student_seed(CLASS_SEED, "alice")
    packages = {kind: _package(tmp_path / "p", seed, kind) for kind in ("solution", "assign")}
    packages["skeleton"] = _package(tmp_path / "p", seed, "skeleton")
    packages["hostile"] = _package(tmp_path / "p", seed, "hostile")

    def nested(kind):  # the package folder itself, one level down
        return lambda to: shutil.copytree(packages[kind], to / "mygrad")

    def zipped(kind):
        return lambda to: _zip(packages[kind], to / "mygrad.zip")

    def flat(kind):  # the package's files uploaded one by one
        return lambda to: [shutil.copy(p, to) for p in packages[kind].iterdir() if p.is_file()]

    runs = {
        "solution": nested("solution"),
        "assign": zipped("assign"),
        "skeleton": flat("skeleton"),
        "hostile": flat("hostile"),
    }
    expected = {"solution": ALL, "assign": ASSIGN, "skeleton": NONE, "hostile": NONE}
    for kind, place in runs.items():
        results = _autograder(tmp_path / kind, bundle, "alice@uni.edu", place)
        assert [t["score"] for t in results["tests"]] == expected[kind], kind
        assert results["score"] == sum(expected[kind]) and results["max_score"] == 10.0
        assert [t["number"] for t in results["tests"]] == [str(n) for n in range(1, 11)]
        assert [t["visibility"] for t in results["tests"]] == ["visible"] * 9 + ["hidden"]
        assert results["output"].startswith(
            f"alice: {sum(expected[kind]):g} of 10 tasks (seed {seed}"
        )
    assert "`=` instead of `+=`" in _last_run(tmp_path / "assign")["tests"][3]["output"]
    assert "NotImplementedError" in _last_run(tmp_path / "skeleton")["tests"][0]["output"]
    assert "exit code 3" in _last_run(tmp_path / "hostile")["tests"][0]["output"]


def _last_run(tmp: Path) -> dict:
    return json.loads((tmp / "autograder" / "results" / "results.json").read_text())


def test_gradescope_without_a_package_says_why(tmp_path: Path, bundle: Path) -> None:
    results = _autograder(tmp_path, bundle, "bob@uni.edu", lambda to: (to / "a.txt").write_text(""))
    assert results["score"] == 0.0
    assert results["tests"][0]["output"].startswith(
        "no engine.py here or one folder down, and no .zip (found: a.txt)"
    )


# --- PrairieLearn -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def question(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("questions")
    (out / "course.secret").write_text(SECRET + "\n")
    args = ["prairielearn", "export", "--track", "--out", str(out), "--image", "me/grader:1"]
    assert main([*args, "--course-secret", str(out / "course.secret"), "--timeout", "90"]) == 0
    return out / "build-track"


def test_the_question_folder(question: Path) -> None:
    info = json.loads((question / "info.json").read_text())
    assert info["gradingMethod"] == "External"
    assert info["externalGradingOptions"] == {
        "enabled": True,
        "image": "me/grader:1",
        "entrypoint": "/grade/tests/run.sh",
        "timeout": 90,
    }
    html = (question / "question.html").read_text()
    assert (
        '<pl-file-upload file-names="__init__.py, engine.py, nn.py, train.py, gradcheck.py">'
        in html
    )
    assert "nnscalar build start --seed {{params.seed}}" in html
    assert "<pl-external-grader-results></pl-external-grader-results>" in html
    config = json.loads((question / "tests" / "config.json").read_text())
    assert config == {"tasks": list(range(1, 11)), "secret": "course.secret"}
    assert (question / "tests" / "course.secret").stat().st_mode & 0o077 == 0
    assert os.access(question / "tests" / "run.sh", os.X_OK)
    namespace: dict = {}
    exec((question / "server.py").read_text(), namespace)  # plain Python, no nnscalar needed
    data = {"params": {}, "variant_seed": "z1"}
    namespace["generate"](data)
    assert data["params"]["seed"] == int("z1", 36)


def _job(tmp: Path, question: Path, seed: int, place, python: str = sys.executable) -> dict:
    """A /grade-shaped job folder: tests/ from the question, data.json, the upload."""
    root = tmp / "grade"
    shutil.copytree(question / "tests", root / "tests")
    (root / "data").mkdir()
    (root / "data" / "data.json").write_text(json.dumps({"params": {"seed": seed}}))
    (root / "student").mkdir()
    place(root / "student")
    env = dict(os.environ, NNSCALAR_GRADE_ROOT=str(root), NNSCALAR_PYTHON=python)
    done = subprocess.run(
        ["bash", str(root / "tests" / "run.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp,
    )
    assert done.returncode == 0, done.stderr
    return json.loads((root / "results" / "results.json").read_text())


def test_prairielearn_grades_each_kind_of_package(tmp_path: Path, question: Path) -> None:
    seed = 4321
    expected = {"solution": ALL, "assign": ASSIGN, "skeleton": NONE, "hostile": NONE}
    for kind, scores in expected.items():
        package = _package(tmp_path / "p", seed, kind)

        def upload(to: Path, package: Path = package) -> None:  # pl-file-upload: files, flat
            for name in ("__init__.py", "engine.py", "nn.py", "train.py", "gradcheck.py"):
                shutil.copy(package / name, to / name)

        results = _job(tmp_path / kind, question, seed, upload)
        assert results["gradable"] is True, kind
        assert [t["points"] for t in results["tests"]] == [int(s) for s in scores], kind
        assert [t["max_points"] for t in results["tests"]] == [1] * 10
        assert results["score"] == sum(scores) / 10
        assert results["message"] == f"{sum(scores):g} of 10 tasks passed (seed {seed})"
        if kind == "assign":
            assert (
                "`=` instead of `+=`"
                in results["tests"][3]["message"] + results["tests"][3]["output"]
            )
        if kind == "hostile":
            assert "exit code 3" in results["tests"][0]["message"]


def test_prairielearn_without_a_package_is_not_gradable(tmp_path: Path, question: Path) -> None:
    results = _job(tmp_path, question, 5, lambda to: (to / "notes.txt").write_text("hi"))
    assert results == {
        "gradable": False,
        "score": 0.0,
        "format_errors": [
            "no engine.py here or one folder down, and no .zip (found: notes.txt); hand in the "
            "package folder `nnscalar build start` wrote"
        ],
    }


def test_prairielearn_image_without_nnscalar_is_told(tmp_path: Path, question: Path) -> None:
    python = shutil.which("python3", path="/usr/bin:/bin")
    check = subprocess.run([python or "python3", "-c", "import nnscalar"], cwd=tmp_path)
    if python is None or check.returncode == 0:
        pytest.skip("no Python without nnscalar here")
    results = _job(tmp_path, question, 5, lambda to: None, python=python)
    assert results["gradable"] is False
    assert results["format_errors"][0].startswith("The grading image has no nnscalar")
