"""Which seed a submission is graded with: the teacher's table, the name, the files' own word."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nnscalar.errors import ConfigError
from nnscalar.exercises import Limits, all_exercises, student_seed
from nnscalar.exercises.grading import grade_all, write_grades
from nnscalar.exercises.seeds import (
    SeedChoice,
    choose_seed,
    id_candidates,
    match_student,
    read_seeds,
    seed_in_text,
)
from nnscalar.exercises.worksheet import write_worksheets

CLASS_SEED = 2024
ALL = list(enumerate(all_exercises(), start=1))
ITEMS = [item for item in ALL if item[0] in (1, 4, 5)]  # numbers only: no sandbox needed
LIMITS = Limits(time=2.0, memory_mb=256)


def test_ids_are_matched_forgivingly():
    assert id_candidates("alice_submission") == ["alice_submission", "alice"]
    assert id_candidates("Alice")[-1] == "alice"
    assert "bob" in id_candidates("Bob_12345_assignsubmission_file")
    ids = ["alice", "bob", "Carol.Smith"]
    assert match_student("alice", ids) == ("alice", "")
    assert match_student("Alice", ids)[0] == "alice"
    assert match_student("alice_submission", ids) == (
        "alice",
        "folder 'alice_submission' matched to student 'alice'",
    )
    assert match_student("carol_smith", ids)[0] == "Carol.Smith"
    assert match_student("dave", ids) == (
        None,
        "folder 'dave' matches no student in the seeds table",
    )
    assert match_student("al", ["AL", "al_"])[0] is None  # two fit: no guess


def test_the_seed_a_file_states():
    assert seed_in_text("# 5. Shared node (seed 123): replace each ?\nx = ?") == 123
    assert seed_in_text("x = 1\n") is None
    assert seed_in_text("from nnscalar.exercises import check, setup\n\nsetup(77)", True) == 77
    assert seed_in_text("setup(77, paths=['x'])", True) == 77


def test_choose_seed_rules():
    alice = student_seed(CLASS_SEED, "alice")
    table = {"alice": alice, "bob": 5}
    # the table wins; the folder's odd name and a stated seed that disagrees are warnings
    choice = choose_seed("Alice_submission", {alice: ["01.txt"]}, table)
    assert (choice.seed, choice.source) == (alice, "seeds.csv")
    assert choice.warnings == ("folder 'Alice_submission' matched to student 'alice'",)
    choice = choose_seed("bob", {alice: ["01.txt"]}, table)
    assert (choice.seed, choice.source) == (5, "seeds.csv")
    stated = f"the files state seed {alice} (01.txt)"
    assert choice.warnings == (f"{stated}; seeds.csv gives 5 for 'bob'",)
    # no row for the folder: not graded, whatever the files say
    choice = choose_seed("zed", {5: ["01.txt"]}, table)
    assert choice.seed is None and choice.warnings[0].startswith("seed unknown: folder 'zed'")
    # the name: a folder `Alice` is the id `alice` when the files' seed says so
    choice = choose_seed("Alice", {alice: ["01.txt"]}, class_seed=CLASS_SEED, from_name=True)
    assert (choice.seed, choice.source) == (alice, "name")
    assert choice.warnings == ("folder 'Alice' read as 'alice'",)
    # one class seed given, the files state a student's seed of that class: that one, warned
    choice = choose_seed("alice", {alice: ["01.txt"]}, class_seed=CLASS_SEED)
    assert (choice.seed, choice.source) == (alice, "name")
    assert choice.warnings == (
        f"--seed {CLASS_SEED} is the class seed: graded with the seed of 'alice', {alice}, as the "
        "files state (add --seed-from-name)",
    )
    # nothing but the files: their seed; files that disagree, or none at all: not graded
    assert choose_seed("x", {7: ["a.ipynb"]}) == choose_seed("x", {7: ["a.ipynb"]})
    assert choose_seed("x", {7: ["a.ipynb"]}).source == "notebook"
    assert choose_seed("x", {7: ["a.txt"], 8: ["b.txt"]}).seed is None
    assert choose_seed("x", {}).seed is None
    assert choose_seed("x", {}, class_seed=3) == SeedChoice(
        3,
        "--seed",
        (
            "the files state no seed: graded with --seed 3 as it is (worksheets give each "
            "student a seed of their own: --seeds seeds.csv or --seed-from-name)",
        ),
    )


def test_seeds_table_is_read_strictly(tmp_path):
    good = tmp_path / "seeds.csv"
    good.write_text("student,seed\nalice,12\nbob,13\n")
    assert read_seeds(good) == {"alice": 12, "bob": 13}
    bad = tmp_path / "bad.csv"
    bad.write_text("name;seed\nalice;12\n")
    with pytest.raises(ConfigError, match="student,seed"):
        read_seeds(bad)
    bad.write_text("student,seed\nalice,twelve\n")
    with pytest.raises(ConfigError, match="line 2"):
        read_seeds(bad)


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> tuple[Path, Path]:
    """The handout for alice, bob and carol; LMS-named folders with their perfect keys."""
    handout = tmp_path_factory.mktemp("handout")
    write_worksheets(handout, CLASS_SEED, ["alice", "bob", "carol"], ITEMS)
    subs = tmp_path_factory.mktemp("subs")
    shutil.copytree(handout / "keys" / "alice" / "answers", subs / "Alice")
    shutil.copytree(handout / "keys" / "bob" / "answers", subs / "bob_submission")
    shutil.copytree(handout / "keys" / "carol" / "answers", subs / "carol")
    for file in (subs / "carol").iterdir():  # carol deleted the header lines
        file.write_text("".join(file.read_text().splitlines(keepends=True)[1:]))
    return handout, subs


def _table(grades) -> dict[str, tuple]:
    return {g.student: (g.total if g.graded else None, g.seed_source) for g in grades}


def test_the_class_seed_alone_no_longer_fails_silently(course):
    _handout, subs = course
    grades = grade_all(subs, ITEMS, CLASS_SEED, limits=LIMITS, allow_unisolated=True)
    # alice and bob's files state their seed: graded right, with a warning; carol's state none:
    # she gets the class seed, and the table says where it came from
    table = _table(grades)
    assert (table["Alice"], table["bob_submission"]) == ((3.0, "name"), (3.0, "name"))
    assert table["carol"][1] == "--seed" and table["carol"][0] < 1  # her seed was not the class's
    assert all("--seed-from-name" in g.warnings[0] for g in grades)  # carol's too
    assert grades[2].warnings[0].startswith("the files state no seed: graded with --seed")


def test_seeds_csv_grades_every_lms_name(course, tmp_path):
    handout, subs = course
    seeds = read_seeds(handout / "seeds.csv")
    grades = grade_all(subs, ITEMS, None, limits=LIMITS, allow_unisolated=True, seeds=seeds)
    assert _table(grades) == {
        "Alice": (3.0, "seeds.csv"),
        "bob_submission": (3.0, "seeds.csv"),
        "carol": (3.0, "seeds.csv"),
    }
    assert grades[1].warnings == ("folder 'bob_submission' matched to student 'bob'",)
    rows = list(csv.reader(write_grades(tmp_path, grades, ITEMS).open()))
    assert rows[0][2] == "seed from" and rows[2][2] == "seeds.csv"
    assert rows[2][-2] == "folder 'bob_submission' matched to student 'bob'"


def test_a_seed_that_cannot_be_told_is_not_graded(course, tmp_path):
    _handout, subs = course
    grades = grade_all(subs, ITEMS, None, limits=LIMITS, allow_unisolated=True)
    carol = grades[2]
    assert (carol.graded, carol.seed, carol.seed_source) == (False, None, "unknown")
    assert carol.problems().startswith("not graded: seed unknown: the files state none")
    rows = list(csv.reader(write_grades(tmp_path, grades, ITEMS).open()))
    assert rows[3][:7] == ["carol", "", "unknown", "", "", "", ""]  # blank, not 0
    assert rows[1][3:7] == ["1.0", "1.0", "1.0", "3.0"]  # alice: her files' own seed


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nnscalar", *args], capture_output=True, text=True, timeout=120
    )


def test_check_reads_the_seed_from_the_file(course):
    _handout, subs = course
    file = subs / "Alice" / "05-shared-node.txt"
    done = _cli("exercises", "check", "5", str(file))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"(seed {student_seed(CLASS_SEED, 'alice')})" in done.stdout
    wrong = _cli("exercises", "check", "5", str(file), "--seed", "0")
    assert wrong.returncode == 1 and "says seed" in wrong.stdout
    headless = _cli("exercises", "check", "5", str(subs / "carol" / "05-shared-node.txt"))
    assert headless.returncode == 1 and "no seed" in headless.stderr


def test_grade_command_shows_where_seeds_came_from(course, tmp_path):
    handout, subs = course
    out = tmp_path / "g"
    args = ["grade", str(subs), "--seeds", str(handout / "seeds.csv"), "--out", str(out)]
    done = _cli(*args, "--exercises", "1,4,5", "--no-isolation")
    assert done.returncode == 0, done.stderr
    assert "Seed warnings" in done.stdout and "matched to student 'bob'" in done.stdout
    bare = _cli("grade", str(subs), "--exercises", "1,4,5", "--no-isolation", "--out", str(out))
    assert "not graded" in bare.stdout and "seed unknown" in bare.stdout


def test_grade_writes_junit_xml(course, tmp_path):
    import xml.etree.ElementTree as ET

    _handout, subs = course
    junit = tmp_path / "grades.xml"
    done = _cli(
        "grade",
        str(subs),
        "--exercises",
        "1,4,5",
        "--no-isolation",
        "--out",
        str(tmp_path / "g"),
        "--junit",
        str(junit),
    )
    assert done.returncode == 0, done.stderr
    suites = ET.parse(junit).getroot()
    table = {s.get("name"): (s.get("tests"), s.get("failures"), s.get("skipped")) for s in suites}
    # no --seed: alice and bob graded by the seeds their files state, carol's cannot be told
    assert table == {
        "Alice": ("3", "0", "0"),
        "bob_submission": ("3", "0", "0"),
        "carol": ("3", "0", "3"),
    }
    skipped = suites.find("testsuite[@name='carol']/testcase/skipped")
    assert skipped is not None and "seed unknown" in skipped.get("message")
