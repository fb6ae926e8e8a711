"""Worksheets, notebooks and answer keys: one seed, one exercise, in every format."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from markdown_it import MarkdownIt
from nbclient import NotebookClient

from nnscalar.errors import ConfigError
from nnscalar.exercises import all_exercises, check_files, student_seed
from nnscalar.exercises.worksheet import (
    answer_file_name,
    notebook,
    read_students,
    write_worksheets,
)

ITEMS = list(enumerate(all_exercises(), start=1))
CLASS_SEED = 2024


@pytest.fixture(scope="module")
def handout(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("handout")
    write_worksheets(out, CLASS_SEED, ["alice", "bob"], ITEMS)
    return out


def test_files_per_student_and_a_separate_key(handout):
    alice = handout / "students" / "alice"
    for name in ("worksheet.md", "worksheet.html", "worksheet.ipynb"):
        assert (alice / name).is_file()
    assert sorted(p.name for p in (alice / "answers").iterdir()) == sorted(
        answer_file_name(n, e) for n, e in ITEMS
    )
    assert (handout / "keys" / "alice" / "answer_key.html").is_file()
    assert not (alice / "answer_key.md").exists()
    seeds = (handout / "seeds.csv").read_text().splitlines()
    assert seeds == [
        "student,seed",
        f"alice,{student_seed(CLASS_SEED, 'alice')}",
        f"bob,{student_seed(CLASS_SEED, 'bob')}",
    ]


def test_every_format_shows_the_same_exercise(handout):
    seed = student_seed(CLASS_SEED, "alice")
    folder = handout / "students" / "alice"
    markdown = (folder / "worksheet.md").read_text()
    book = json.loads((folder / "worksheet.ipynb").read_text())
    statements = [c["source"] for c in book["cells"] if c["id"].endswith("-statement")]
    page = (folder / "worksheet.html").read_text()
    for (_, exercise), cell in zip(ITEMS, statements):
        statement = exercise.statement(seed)
        assert statement in markdown
        assert statement in cell
        assert MarkdownIt("commonmark").render(statement) in page
    assert page.count("<svg") == sum(e.graph is not None for _, e in ITEMS)
    assert markdown != (handout / "students" / "bob" / "worksheet.md").read_text()


def test_the_answer_key_agrees_with_the_worksheet(handout):
    seed = student_seed(CLASS_SEED, "bob")
    key = handout / "keys" / "bob"
    items = [(e, key / "answers" / answer_file_name(n, e), seed) for n, e in ITEMS]
    results = check_files(items)
    assert [r.passed for r in results] == [True] * len(ITEMS), [str(r) for r in results]
    text = (key / "answer_key.md").read_text()
    assert text.count("Worked solution:") == sum(e.worked is not None for _, e in ITEMS)
    assert "dL/dx = dL/da · y + dL/db · 1 = " in text  # the shared node, in its own names
    assert (key / "graphs" / "04-expression-gradients-key.svg").is_file()


def test_the_templates_are_not_answered_yet(handout):
    seed = student_seed(CLASS_SEED, "alice")
    number, exercise = ITEMS[0]
    path = handout / "students" / "alice" / "answers" / answer_file_name(number, exercise)
    result = check_files([(exercise, path, seed)])[0]
    assert (result.error, result.score, result.unanswered) == ("", 0, 1)
    assert str(result).splitlines()[1] == "  ?    z: not answered: give a number for z"


def test_notebooks_are_valid_nbformat(handout):
    for path in (
        handout / "students" / "alice" / "worksheet.ipynb",
        handout / "keys" / "alice" / "answer_key.ipynb",
    ):
        nbformat.validate(nbformat.read(path, as_version=4))


def test_the_filled_notebook_runs_and_every_check_passes(tmp_path):
    seed = student_seed(CLASS_SEED, "carol")
    book = nbformat.from_dict(notebook("carol", seed, ITEMS, filled=True))
    client = NotebookClient(
        book, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    checks = [c for c in book.cells if c.get("id", "").endswith("-check")]
    assert len(checks) == len(ITEMS)
    for cell in checks:
        text = cell.outputs[0]["data"]["text/plain"]
        assert ": passed (" in text, text


def test_read_students(tmp_path):
    path = tmp_path / "ids.txt"
    path.write_text("alice\n\n# a comment\nbob  # late\n")
    assert read_students(path) == ["alice", "bob"]
    path.write_text("alice\nalice\n")
    with pytest.raises(ConfigError, match="line 2: 'alice' repeats line 1"):
        read_students(path)
    path.write_text("..\n")
    with pytest.raises(ConfigError, match=r"student id '\.\.' cannot name a folder"):
        read_students(path)


def test_the_answer_key_fits_an_a4_page_when_printed(handout, browser):
    page = browser.new_page(viewport={"width": 794, "height": 1123})  # A4 at 96 dpi
    page.emulate_media(media="print")
    page.goto((handout / "keys" / "alice" / "answer_key.html").as_uri())
    widths = page.evaluate(
        "() => [...document.querySelectorAll('pre')].map(p => [p.scrollWidth, p.clientWidth])"
    )
    assert len(widths) >= 14  # a reference answer and a worked solution per exercise
    assert [w for w in widths if w[0] > w[1]] == []  # no line runs off the page
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 794
    page.close()


def test_a_hostile_student_id_is_text_in_the_key_and_keys_are_private(tmp_path):
    student = '"><script>alert(2)</script>'
    items = ITEMS[:2]
    with pytest.raises(ConfigError, match=r"student id '\.\.' cannot name a folder"):
        write_worksheets(tmp_path / "x", CLASS_SEED, [".."], items)
    write_worksheets(tmp_path, CLASS_SEED, [student], items)
    (folder,) = (tmp_path / "keys").iterdir()
    page = (folder / "answer_key.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    for path in (tmp_path / "keys", folder, folder / "answer_key.html", tmp_path / "seeds.csv"):
        assert path.stat().st_mode & 0o077 == 0, path  # the teacher's only


def test_a_course_secret_makes_the_graded_variant_unguessable(tmp_path):
    from nnscalar.exercises.grading import grade_all
    from nnscalar.exercises.variants import course_secret, read_course_secret

    secret = read_course_secret(tmp_path / "course.secret", create=True)
    assert (tmp_path / "course.secret").stat().st_mode & 0o777 == 0o600
    assert read_course_secret(tmp_path / "course.secret") == secret and len(secret) == 64
    items = [ITEMS[0], ITEMS[5]]  # a numbers exercise and a code one
    seeds = write_worksheets(tmp_path / "out", CLASS_SEED, ["ann"], items, secret=secret)
    seed = seeds[0][1]
    exercise = ITEMS[0][1]
    with course_secret(secret):
        graded = exercise.solution(seed)
        statement = exercise.statement(seed)
    assert exercise.solution(seed) != graded  # the package and the printed seed: not the key
    assert exercise.statement(seed) != statement
    key = tmp_path / "out" / "keys" / "ann" / "answers"
    submissions = tmp_path / "subs"
    (submissions / "ann").mkdir(parents=True)
    for name in (answer_file_name(1, exercise), answer_file_name(6, ITEMS[5][1])):
        (submissions / "ann" / name).write_text((key / name).read_text())
    kwargs = {"limits": None, "seed_from_name": True, "allow_unisolated": True}
    (right,) = grade_all(submissions, items, CLASS_SEED, secret=secret, **kwargs)
    (public,) = grade_all(submissions, items, CLASS_SEED, **kwargs)
    assert (right.total, public.points(1)) == (2.0, 0.0)
    sheet = (tmp_path / "out" / "students" / "ann" / "worksheet.md").read_text()
    assert "it is checked when graded" in sheet and "exercises check" not in sheet
    book = json.loads((tmp_path / "out" / "students" / "ann" / "worksheet.ipynb").read_text())
    assert "check(1, answer)" not in json.dumps(book)
