"""Grading the build track at scale: a folder of student packages (nested, zipped, LMS names),
each checked by the sandboxed hidden checks; exact per-task scores in grades.csv and results.json;
per-student variants from (course secret, seed)."""

from __future__ import annotations

import csv
import json
import shutil
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from nnscalar.cli import main
from nnscalar.errors import ConfigError
from nnscalar.exercises import isolation
from nnscalar.exercises.sandbox import Limits
from nnscalar.exercises.variants import course_secret, student_seed
from nnscalar.track import start
from nnscalar.track.grading import grade_track, looks_like_track, write_track_grades
from nnscalar.track.submission import find_package, stated_seed
from nnscalar.track.tasks import cases
from nnscalar.track.visible import visible_tests

SEED = 7
SECRET = "a-course-secret-of-some-length"
ALL = [1.0] * 10
# `=` instead of `+=`: tasks 4 and 5 name it; the networks built on backward fail too (a neuron
# has no node used twice, so task 6 still passes)
ASSIGN = [1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0]
NONE = [0.0] * 10
HOSTILE = """import os, pathlib
try:
    pathlib.Path({marker!r}).write_text("written by a student's package")
except OSError:
    pass
print('{{"token": "forged", "data": {{}}}}')
os._exit(3)
"""


def _isolation() -> str:
    return "bwrap" if isolation.bwrap_problem() == "" else "none"


@pytest.fixture(scope="module")
def solution(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("key") / "mygrad"
    start(folder, seed=SEED, solution=True)
    return folder


def _copy(solution: Path, to: Path) -> Path:
    shutil.copytree(solution, to)
    return to


def _assign_mistake(folder: Path) -> None:
    engine = folder / "engine.py"
    text = engine.read_text()
    old = "                parent.grad += local * node.grad\n"
    assert text.count(old) == 1
    engine.write_text(text.replace(old, old.replace("+=", "=")))


def _zip(folder: Path, to: Path, prefix: str) -> Path:
    with zipfile.ZipFile(to, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, prefix + str(path.relative_to(folder)))
    return to


@pytest.fixture(scope="module")
def submissions(tmp_path_factory: pytest.TempPathFactory, solution: Path) -> Path:
    """alice: the solution one folder down an LMS-named folder; bob: `=` for `+=`, at the top;
    carol: the untouched skeleton, zipped (mygrad/ inside); dave: a package that exits at import
    after trying to write outside its sandbox and forging the checker's answer."""
    root = tmp_path_factory.mktemp("subs")
    _copy(solution, root / "alice_1001_assignsubmission_file" / "mygrad")
    _assign_mistake(_copy(solution, root / "bob"))
    skeleton = tmp_path_factory.mktemp("skeleton") / "mygrad"
    start(skeleton, seed=SEED)
    _zip(skeleton, root / "carol.zip", "mygrad/")
    dave = _copy(solution, root / "dave")
    marker = root.parent / "written-by-dave"
    (dave / "engine.py").write_text(HOSTILE.format(marker=str(marker)) + "\n")
    return root


def _scores(grade) -> list[float]:
    return [grade.points(n) for n in range(1, 11)]


@pytest.fixture(scope="module")
def graded(submissions: Path):
    return grade_track(submissions, limits=Limits(isolation=_isolation()), allow_unisolated=True)


def test_each_student_gets_exact_per_task_scores(graded, submissions: Path) -> None:
    by = {g.student: g for g in graded}
    assert sorted(by) == ["alice_1001_assignsubmission_file", "bob", "carol", "dave"]
    assert _scores(by["alice_1001_assignsubmission_file"]) == ALL
    assert _scores(by["bob"]) == ASSIGN
    assert _scores(by["carol"]) == NONE
    assert _scores(by["dave"]) == NONE
    assert [g.total for g in graded] == [10.0, 4.0, 0.0, 0.0]
    assert [g.where for g in graded] == ["mygrad/", ".", "carol.zip:mygrad/", "."]
    assert all(g.seed == SEED and g.seed_source == "README.md" for g in graded[:3])


def test_the_diagnosis_names_the_mistake_and_the_crash(graded, submissions: Path) -> None:
    by = {g.student: g for g in graded}
    assert "`=` instead of `+=`" in by["bob"].diagnosis(1000)
    assert by["bob"].diagnosis(1000).endswith("also failed: 5, 7, 8, 9, 10")
    assert by["carol"].diagnosis(1000).startswith("1: your code raised")
    assert "NotImplementedError: task 1" in by["carol"].diagnosis(1000)
    assert "exit code 3" in by["dave"].diagnosis(1000)
    assert by["alice_1001_assignsubmission_file"].diagnosis() == ""


@pytest.mark.skipif(isolation.bwrap_problem() != "", reason="bubblewrap is not available")
def test_a_hostile_package_writes_nothing_outside_its_sandbox(graded, submissions) -> None:
    assert not (submissions.parent / "written-by-dave").exists()


def test_grades_csv_has_a_column_per_task_and_results_per_student(graded, tmp_path) -> None:
    path = write_track_grades(tmp_path / "grades", graded)
    rows = list(csv.reader(path.read_text().splitlines()))
    assert rows[0] == [
        "student",
        "seed",
        "seed from",
        *(f"task{n}" for n in range(1, 11)),
        "total",
        "max",
        "package",
        "warnings",
        "diagnosis",
    ]
    assert rows[1][:16] == ["alice_1001_assignsubmission_file", "7", "README.md"] + ["1"] * 10 + [
        "10",
        "10",
        "mygrad/",
    ]
    assert rows[2][3:15] == ["1", "1", "1", "0", "0", "1", "0", "0", "0", "0", "4", "10"]
    assert "`=` instead of `+=`" in rows[2][17]
    assert rows[3][3:15] == ["0"] * 11 + ["10"]
    bob = json.loads((tmp_path / "grades" / "bob" / "results.json").read_text())
    assert bob["score"] == 4.0 and bob["max_score"] == 10.0
    assert [t["score"] for t in bob["tests"]] == ASSIGN
    assert bob["tests"][3]["name"] == "Task 4: backward: the chain rule with +="
    assert "`=` instead of `+=`" in bob["tests"][3]["output"]
    report = (tmp_path / "grades" / "bob" / "report.txt").read_text()
    assert report.startswith("bob: 4 of 10 tasks (seed 7, from README.md)\npackage: .\n")


def test_seeds_csv_and_the_course_secret(submissions: Path, solution: Path, tmp_path) -> None:
    """The teacher's seeds come first; the README's seed, when it differs, is a warning."""
    table = {"alice": 123, "bob": SEED}
    with course_secret(None):
        grades = grade_track(
            submissions,
            [1, 4],
            seeds=table,
            secret=SECRET,
            limits=Limits(isolation=_isolation()),
            allow_unisolated=True,
        )
    by = {g.student: g for g in grades}
    alice = by["alice_1001_assignsubmission_file"]
    assert (alice.seed, alice.seed_source) == (123, "seeds.csv")
    assert alice.warnings == (
        "folder 'alice_1001_assignsubmission_file' matched to student 'alice'",
        "the files state seed 7 (README.md); seeds.csv gives 123 for 'alice'",
    )
    assert [alice.points(n) for n in (1, 4)] == [1.0, 1.0]  # keyed cases: still right
    assert [r.number for r in alice.results] == [1, 4]
    assert by["bob"].warnings == () and [by["bob"].points(n) for n in (1, 4)] == [1.0, 0.0]
    assert not by["carol"].graded and by["carol"].seed_source == "unknown"
    assert by["carol"].diagnosis().startswith("not graded: seed unknown: folder 'carol'")


def test_find_package_refuses_what_is_not_one_package(solution: Path, tmp_path: Path) -> None:
    two = tmp_path / "two"
    _copy(solution, two / "a")
    _copy(solution, two / "b")
    with pytest.raises(ConfigError, match=r"several packages handed in \(a/, b/\): hand in one"):
        find_package(two)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("hi")
    with pytest.raises(ConfigError, match=r"no engine.py here or one folder down.*notes.txt"):
        find_package(empty)
    linked = tmp_path / "linked"
    _copy(solution, linked)
    (linked / "engine.py").unlink()
    (linked / "engine.py").symlink_to(solution / "engine.py")
    with pytest.raises(ConfigError, match=r"engine\.py: is a symbolic link"):
        find_package(linked)
    deep = _zip(solution, tmp_path / "deep.zip", "a/b/")
    with pytest.raises(ConfigError, match=r"no engine.py at the top of the zip or one folder down"):
        find_package(deep)
    flat = find_package(_zip(solution, tmp_path / "flat.zip", ""))
    assert flat.where == "flat.zip:." and flat.stated == SEED
    assert flat.files["engine.py"] == (solution / "engine.py").read_text()


def test_the_readme_states_the_seed() -> None:
    assert stated_seed("# Build your own engine (your skeleton, seed 42)\n\ntext") == 42
    assert stated_seed("# Build your own engine (your skeleton)\n") is None
    assert stated_seed("") is None


def test_the_cli_picks_track_mode_by_itself_and_says_so(submissions, tmp_path, capsys) -> None:
    assert looks_like_track(submissions) == (4, 4)
    out = tmp_path / "grades"
    args = ["grade", str(submissions), "--tasks", "1-2", "--out", str(out), "--no-isolation"]
    assert main([*args, "--junit", str(tmp_path / "grades.xml")]) == 0
    captured = capsys.readouterr()
    assert "grading the build track, as with --track" in captured.err
    assert captured.err.splitlines()[-1] == "graded 4/4"  # no terminal: progress lines
    assert "build track (4 students)" in captured.out
    rows = list(csv.reader((out / "grades.csv").read_text().splitlines()))
    assert [row[3:6] for row in rows[1:]] == [["1", "1", "2"]] * 2 + [["0", "0", "0"]] * 2
    suites = ET.parse(tmp_path / "grades.xml").getroot()
    assert [(s.get("name"), s.get("tests"), s.get("failures")) for s in suites] == [
        ("alice_1001_assignsubmission_file", "2", "0"),
        ("bob", "2", "0"),
        ("carol", "2", "2"),
        ("dave", "2", "2"),
    ]
    failure = suites[2].find("testcase/failure")
    assert failure is not None and "NotImplementedError: task 1" in failure.get("message", "")
    assert main(["grade", "--track", str(submissions), "--exercises", "1"]) == 1
    assert "with --track give --tasks" in capsys.readouterr().err
    assert main(["grade", "--track", str(submissions), "--tasks", "11"]) == 1
    assert "--tasks: '11' is outside 1-10" in capsys.readouterr().err


# --- per-student variants ------------------------------------------------------------------


def test_hidden_cases_come_from_the_seed_and_the_course_secret() -> None:
    alice, bob = student_seed(2024, "alice"), student_seed(2024, "bob")
    for task in (2, 4, 6, 8, 10):
        practice = cases(task, alice)
        assert cases(task, alice) == practice  # the same student, the same numbers
        assert cases(task, bob) != practice  # another student, other numbers
        with course_secret(SECRET):
            graded = cases(task, alice)
            assert cases(task, alice) == graded
            assert cases(task, bob) != graded
        assert graded != practice  # the printed seed alone does not give the graded cases
        with course_secret("another-secret-of-a-course"):
            assert cases(task, alice) != graded


def test_visible_tests_take_their_numbers_from_the_seed(tmp_path: Path) -> None:
    assert visible_tests(3) == visible_tests(3)
    assert visible_tests(3)["test_task4.py"] != visible_tests(4)["test_task4.py"]
    assert main(["build", "start", "--out", str(tmp_path / "p"), "--seed", "3"]) == 0
    written = (tmp_path / "p" / "tests" / "test_task2.py").read_text()
    assert written == visible_tests(3, "p")["test_task2.py"]
    assert written != visible_tests(4, "p")["test_task2.py"]


def test_build_check_takes_the_seed_the_readme_states(solution: Path, capsys) -> None:
    assert main(["build", "check", "--task", "1", "--isolation", "none", str(solution)]) == 0
    assert f"seed {SEED}, as {solution}/README.md states" in capsys.readouterr().out


def test_no_package_and_no_seed_says_the_package_is_missing(tmp_path: Path) -> None:
    (tmp_path / "zed").mkdir()
    (tmp_path / "zed" / "notes.txt").write_text("hi")
    (grade,) = grade_track(tmp_path, [1], allow_unisolated=True)
    assert not grade.graded and grade.seed_source == "unknown"
    assert grade.diagnosis() == (
        "not graded: no engine.py here or one folder down, and no .zip (found: notes.txt); hand "
        "in the package folder `nnscalar build start` wrote"
    )
    assert (
        grade.warnings[1] == "seed unknown: the files state none; give --seeds seeds.csv or --seed"
    )


def test_a_zip_is_read_within_limits(tmp_path: Path) -> None:
    """A member that unpacks past 200 kB (it compresses to almost nothing), a zip that is no zip,
    a symbolic link inside: each is the reason."""
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mygrad/__init__.py", "")
        archive.writestr("mygrad/engine.py", " " * 300_000)
    with pytest.raises(ConfigError, match=r"mygrad/engine\.py is 300000 bytes; at most 200000"):
        find_package(bomb)
    (tmp_path / "fake.zip").write_text("not a zip")
    with pytest.raises(ConfigError, match=r"fake\.zip: not a readable zip"):
        find_package(tmp_path / "fake.zip")
    linked = tmp_path / "linked.zip"
    with zipfile.ZipFile(linked, "w") as archive:
        archive.writestr("__init__.py", "")
        info = zipfile.ZipInfo("engine.py")
        info.external_attr = (0o120777) << 16
        archive.writestr(info, "/etc/passwd")
    with pytest.raises(ConfigError, match=r"engine\.py is a symbolic link; zip the file itself"):
        find_package(linked)


def test_a_hand_in_over_the_cap_is_stopped_and_says_so(solution: Path, tmp_path: Path) -> None:
    """The whole hand-in has a wall-clock cap (a package that hangs in every task would otherwise
    take every task's time limit): over it, the row says so and its sandbox is gone."""
    _copy(solution, tmp_path / "subs" / "erin")
    slow = _copy(solution, tmp_path / "subs" / "fred")
    (slow / "engine.py").write_text("import time\ntime.sleep(600)\n")
    grades = grade_track(
        tmp_path / "subs",
        tasks=[1, 2],
        limits=Limits(isolation=_isolation()),
        allow_unisolated=True,
        submission_time=4.0,
    )
    assert [g.student for g in grades] == ["erin", "fred"]
    assert [grades[0].points(n) for n in (1, 2)] == [1.0, 1.0]
    assert not grades[1].graded
    assert grades[1].warnings == ("took longer than 4 s",)
    assert grades[1].diagnosis() == "not graded: took longer than 4 s"
    with pytest.raises(ConfigError, match="submission time limit 0 is not valid"):
        grade_track(tmp_path / "subs", submission_time=0, allow_unisolated=True)
