"""PrairieLearn: one question folder per numbers exercise, whose `server.py` calls nnscalar.

PrairieLearn calls `generate(data)` for a new variant (its `variant_seed` picks the numbers),
`grade(data)` on a submission (per-part partial scores, the checker's diagnosis as feedback) and
`file(data)` for the dynamic figure (the exercise's graph as SVG).
"""

from __future__ import annotations

import html
import json
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

from ..errors import ConfigError
from ..files import write_atomic
from .loader import all_exercises
from .model import Exercise

__all__ = ["export", "pl_file", "pl_generate", "pl_grade"]

_SEEDS = 10**9
_SERVER = '''"""PrairieLearn question {number}: {title} (nnscalar exercise {id!r}).

Written by `nnscalar prairielearn export`; the image needs nnscalar installed.
"""

from nnscalar.exercises.prairielearn import pl_file, pl_generate, pl_grade

EXERCISE = {id!r}


def generate(data):
    pl_generate(EXERCISE, data)


def grade(data):
    pl_grade(EXERCISE, data)


def file(data):
    return pl_file(EXERCISE, data)
'''


def _exercise(exercise_id: str) -> Exercise:
    for exercise in all_exercises():
        if exercise.id == exercise_id:
            return exercise
    raise ConfigError(f"no exercise {exercise_id!r}")


def _seed(data: dict) -> int:
    params = data.get("params") or {}
    if "seed" in params:
        return int(params["seed"])
    return int(str(data.get("variant_seed", 0)), 36) % _SEEDS  # PrairieLearn's seed, any form


def pl_generate(exercise_id: str, data: dict) -> None:
    """A new variant: the statement and numbers of the seed PrairieLearn chose."""
    exercise = _exercise(exercise_id)
    seed = _seed(data)
    md = MarkdownIt("commonmark", {"html": False})
    data["params"]["seed"] = seed
    data["params"]["statement_html"] = md.render(exercise.stated(seed))
    solution = exercise.solution(seed)
    assert isinstance(solution, dict)
    for name, value in solution.items():
        data["correct_answers"][name] = value


def pl_grade(exercise_id: str, data: dict) -> None:
    """Grade the submitted numbers with nnscalar's checker: a partial score per part, each with
    the checker's diagnosis as its feedback."""
    exercise = _exercise(exercise_id)
    seed = _seed(data)
    given: dict[str, Any] = {}
    for name, value in (data.get("submitted_answers") or {}).items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            given[name] = float(value)
    result = exercise.check(given, seed)
    for part in result.parts:
        data["partial_scores"][part.name] = {
            "score": 1.0 if part.ok else 0.0,
            "weight": 1,
            "feedback": part.message,
        }
    data["score"] = result.score / result.max_score
    data["feedback"]["diagnosis"] = str(result)


def pl_file(exercise_id: str, data: dict) -> str | None:
    """The dynamic figure `graph.svg`: the variant's computation graph."""
    exercise = _exercise(exercise_id)
    if data.get("filename") != "graph.svg" or exercise.graph is None:
        return None
    from ..render import draw

    return draw(exercise.graph(_seed(data)), show_grad=False).svg()


def _question_html(exercise: Exercise, seed: int) -> str:
    solution = exercise.solution(seed)
    assert isinstance(solution, dict)
    inputs = "\n".join(
        f'  <pl-number-input answers-name="{name}" label="{html.escape(name)} =" '
        f'comparison="sigfig" digits="4"></pl-number-input>'
        for name in solution
    )
    figure = (
        '  <pl-figure file-name="graph.svg" type="dynamic"></pl-figure>\n'
        if exercise.graph is not None
        else ""
    )
    return (
        "<pl-question-panel>\n  {{{params.statement_html}}}\n" + figure + "</pl-question-panel>\n"
        f"{inputs}\n"
        "<pl-submission-panel>\n  <pre>{{feedback.diagnosis}}</pre>\n</pl-submission-panel>\n"
    )


def export(out: str | Path, numbers: Sequence[int], topic: str = "Backpropagation") -> list[Path]:
    """Write `<out>/<NN-id>/` (info.json, question.html, server.py) per numbers exercise; code
    exercises are left out (they need an external grader). Returns the folders."""
    root = Path(out)
    exercises = all_exercises()
    folders = []
    for number in numbers:
        exercise = exercises[number - 1]
        if exercise.kind != "numbers":
            continue
        folder = root / f"{number:02d}-{exercise.id}"
        folder.mkdir(parents=True, exist_ok=True)
        info = {
            "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"nnscalar/{exercise.id}")),
            "title": f"{number}. {exercise.title}",
            "topic": topic,
            "tags": ["nnscalar", exercise.concept],
            "type": "v3",
        }
        write_atomic(folder / "info.json", json.dumps(info, indent=2) + "\n")
        write_atomic(folder / "question.html", _question_html(exercise, 0))
        text = _SERVER.format(number=number, title=exercise.title, id=exercise.id)
        write_atomic(folder / "server.py", text)
        folders.append(folder)
    return folders
