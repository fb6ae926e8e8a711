"""Classroom exercises: statements, per-student variants, checkers, worksheets and grading.

In a notebook: `setup(seed)` once, then `check(3, answer)` with `answer` a dict of the names the
exercise asks for (numbers, or functions for a code exercise), or the path of an answers file.
A teacher prints a worked solution with `worked_solution(3)` (`exact=True`: every digit).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .chainrule import gradient_parts
from .checking import check_answer, check_files
from .loader import all_exercises, find, load_path
from .model import CheckResult, Exercise, Part, close, number_part
from .sandbox import Limits
from .variants import exercise_rng, pick, seed_of, student_seed

__all__ = [
    "CheckResult",
    "Exercise",
    "Limits",
    "Part",
    "all_exercises",
    "check",
    "check_answer",
    "check_files",
    "close",
    "exercise_rng",
    "find",
    "gradient_parts",
    "load_path",
    "number_part",
    "pick",
    "seed_of",
    "setup",
    "student_seed",
    "worked_solution",
]

_session: dict[str, Any] = {"seed": 0, "paths": ()}


def setup(seed: int | str, paths: Sequence[str | Path] = ()) -> None:
    """Remember the seed (and the teacher's exercise folders) that `check` uses from now on."""
    _session["seed"] = seed_of(seed)
    _session["paths"] = tuple(paths)


def check(
    number: int | str, answer: Mapping[str, Any] | str | Path, seed: int | str | None = None
) -> CheckResult:
    """Check an answer to exercise `number` (or id) for `seed` (default: the one `setup` set).

    A dict is checked here; a path to a `.py` file runs in the sandbox, any other file is read
    as `name = number` lines.
    """
    chosen = _session["seed"] if seed is None else seed_of(seed)
    _, exercise = find(number, all_exercises(_session["paths"]))
    if isinstance(answer, Mapping):
        return check_answer(exercise, answer, chosen)
    return check_files([(exercise, Path(answer), chosen)], paths=_session["paths"])[0]


def worked_solution(number: int | str, seed: int | str | None = None, exact: bool = False) -> str:
    """The worked solution of exercise `number` (or id) for `seed` (default: the one `setup`
    set), numbers rounded for people or, with `exact`, in full; "" for a code exercise."""
    from .worksheet import worked_lines

    chosen = _session["seed"] if seed is None else seed_of(seed)
    _, exercise = find(number, all_exercises(_session["paths"]))
    lines = worked_lines(exercise, chosen)
    return "" if lines is None else lines.text(exact)
