"""Forgiving answers files: the one-line format `show` prints, `?` as not answered, each line on
its own, a hint for a decimal comma, refusals that name what the student wrote (issue 16)."""

from __future__ import annotations

import pytest

from nnscalar.errors import ParseError
from nnscalar.exercises import all_exercises, check_files
from nnscalar.exercises.answers import parse_answers, read_answer_lines
from nnscalar.exercises.worksheet import answers_text

SHARED = all_exercises()[4]  # 5. shared-node; seed 24: dL_da -2, dL_db 1.25, dL_dx 6.25, …
SEED = 24


def _check(tmp_path, text: str, exercise=SHARED, seed: int = SEED, name: str = "a.txt"):
    path = tmp_path / name
    path.write_text(text)
    return check_files([(exercise, path, seed)])[0]


def test_the_one_line_format_show_prints_is_accepted(tmp_path):
    assert "`dL_da = ...`, `dL_db = ...`" in SHARED.statement(SEED)  # what a student copies
    line = "Answer: `dL_da = -2`, `dL_db = 1.25`, `dL_dx = 6.25`, `dL_dy = 1`, `dL_dz = 1.25`\n"
    assert _check(tmp_path, line).passed
    assert _check(
        tmp_path, "dL_da = -2, dL_db = 1.25; dL_dx = 25/4, dL_dy = 1, dL_dz = 1.25"
    ).passed


def test_a_question_mark_is_not_answered_not_an_error(tmp_path):
    template = answers_text(5, SHARED, SEED)
    assert "dL_da = ?" in template
    result = _check(tmp_path, template)
    assert (result.error, result.score, result.unanswered) == ("", 0, 5)
    assert str(result).splitlines()[0] == "shared-node: not yet (0/5, 5 not answered)"
    assert "not a number" not in str(result)
    half = template.replace("dL_da = ?", "dL_da = -2").replace("dL_dz = ?", "dL_dz =")
    result = _check(tmp_path, half)
    assert (result.score, result.unanswered) == (1, 4)


def test_one_bad_line_costs_only_its_part_and_a_decimal_comma_gets_a_hint(tmp_path):
    text = "dL_da = -2\ndL_db = 1,25\ndL_dx = 6.25\ndL_dy = 1\ndL_dz = 1.25\n"
    result = _check(tmp_path, text)
    assert (result.error, result.score, result.max_score) == ("", 4, 5)
    (bad,) = [p for p in result.parts if not p.ok]
    assert bad.name == "dL_db"
    assert bad.message.startswith("a.txt, line 2, column 9: the value of dL_db is not a number")
    assert bad.message.endswith("(a decimal comma? write 1.25)")
    stray = _check(tmp_path, text.replace("dL_db = 1,25", "dL_db = 1.25\nthe rest: see below"))
    assert stray.passed and "line 3, column 1: expected `name = number`" in stray.note


def test_the_lines_are_read_one_by_one():
    found = read_answer_lines("a = 1, b = ?\nc = 2 +\na = 3\nd = x\n", "f")
    assert found.answers == {}
    assert found.unanswered == ["b"]
    assert set(found.errors) == {"a", "c", "d"}
    assert found.errors["a"] == "f, line 3: 'a' is given twice"
    assert "uses the name 'x'" in found.errors["d"]
    assert parse_answers("z = −1.5  # minus sign as typed\n") == {"z": -1.5}
    with pytest.raises(ParseError, match="line 1, column 5"):
        parse_answers("z = 1,5\n")


@pytest.mark.parametrize(
    ("source", "module"),
    [("import numpy as np\n", "numpy"), ("from ctypes import CDLL\n", "ctypes")],
)
def test_a_refused_import_names_what_the_student_wrote(tmp_path, source, module):
    result = _check(tmp_path, source + "x = 1\n", all_exercises()[5], 1, "op.py")
    assert result.error.startswith(
        f"line 1: import {module} is not available here: use plain Python and nnscalar"
    )
    assert "ctypes was refused" not in result.error
