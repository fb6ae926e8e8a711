"""Worksheets: per student, the exercises of their seed as Markdown, HTML and a Jupyter notebook,
and a separate answer key with reference answers and worked solutions (`worked.board`: the
chain rule with the exercise's own names), numbers rounded for people and exact on hover.

Every format is written from the same `statement(seed)`, so they always show the same numbers.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path

from markdown_it import MarkdownIt

from ..errors import ConfigError
from ..files import write_atomic
from ..render import draw
from .model import Exercise
from .variants import course_secret, graded, student_seed
from .worked import Line, Num, Worked

__all__ = [
    "answer_file_name",
    "answer_key_html",
    "answer_key_markdown",
    "answers_text",
    "notebook",
    "read_students",
    "safe_name",
    "worksheet_html",
    "worksheet_markdown",
    "write_worksheets",
]

Items = Sequence[tuple[int, Exercise]]  # (number as listed, exercise)

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_CSS = """body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;line-height:1.5}
h2{border-top:1px solid #ccc;padding-top:1rem}pre{background:#f6f6f6;padding:.6rem}
.graph svg,img{max-width:100%;height:auto}.answer{border:1px dashed #999;min-height:4rem;
padding:.5rem}pre{white-space:pre-wrap;overflow-wrap:anywhere}code{overflow-wrap:anywhere}
body{padding:0 1rem;box-sizing:border-box}@page{margin:15mm}
pre,.worked{font-size:.85rem}.worked{background:#f6f6f6;padding:.6rem;font-family:ui-monospace,monospace}
.worked div{white-space:pre-wrap;overflow-wrap:anywhere;padding-left:2ch;text-indent:-2ch}
span.n[title]{text-decoration:underline dotted #999}h2{break-after:avoid}
@media print{span.n[title]{text-decoration:none}.worked,pre{break-inside:avoid}}
@media print{details{display:none}h2{break-before:auto}body{max-width:none;margin:0;padding:0}}"""


def safe_name(student: str) -> str:
    """A student id as a file name: letters, digits, `.`, `_` and `-` kept, the rest as `_`."""
    name = _UNSAFE.sub("_", student.strip())
    if name.strip(".") == "":
        raise ConfigError(f"student id {student!r} cannot name a folder")
    return name


def read_students(path: str | Path) -> list[str]:
    """Student ids, one a line (blank lines and `#` comments skipped); duplicates are refused."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the student list: {exc}") from None
    students: list[str] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        student = line.split("#", 1)[0].strip()
        if not student:
            continue
        name = safe_name(student)
        if name in seen:
            raise ConfigError(f"{path}, line {number}: {student!r} repeats line {seen[name]}")
        seen[name] = number
        students.append(student)
    if not students:
        raise ConfigError(f"{path}: no student ids (one a line)")
    return students


def answer_file_name(number: int, exercise: Exercise) -> str:
    """`04-expression-gradients.txt`, or `.py` for a code exercise: what the grader looks for."""
    return f"{number:02d}-{exercise.id}.{'py' if exercise.kind == 'code' else 'txt'}"


def answers_text(number: int, exercise: Exercise, seed: int, filled: bool = False) -> str:
    """An answer file to fill in (`?` for each number, the starting code), or the reference one."""
    if exercise.kind == "code":
        solution = exercise.solution(seed)
        code = solution if filled and isinstance(solution, str) else exercise.template
        return f"# {number}. {exercise.title} (seed {seed})\n{code}"
    solution = exercise.solution(seed)
    assert isinstance(solution, dict)
    head = f"# {number}. {exercise.title} (seed {seed})"
    if not filled:
        head += ": replace each ? with your number"
    lines = [head] + [
        f"{name} = {value!r}" if filled else f"{name} = ?" for name, value in solution.items()
    ]
    return "\n".join(lines) + "\n"


def _svg(exercise: Exercise, seed: int, grads: bool) -> str:
    """The exercise's graph as SVG text ('' when it has none); with gradients for the key."""
    if exercise.graph is None:
        return ""
    root = exercise.graph(seed)
    if grads:
        root.backward()
    return draw(root, show_grad=grads).svg()


def _inline(svg: str) -> str:
    return svg[svg.index("<svg") :]


def _key_lines(number: int, exercise: Exercise, seed: int) -> Worked:
    """The reference answer as the key shows it: each number rounded for people (6 figures),
    exact in its `Num`; a code exercise's model solution as it is."""
    solution = exercise.solution(seed)
    if not isinstance(solution, dict):
        text = answers_text(number, exercise, seed, filled=True).rstrip()
        return Worked(tuple((line,) for line in text.splitlines()))
    return Worked(tuple((f"{name} = ", _Answer(value)) for name, value in solution.items()))


class _Answer(Num):
    """A reference answer: 6 significant figures, as the key's answer lines always showed."""

    def text(self, exact: bool = False) -> str:
        return repr(self.value) if exact else f"{self.value:.6g}"


def worked_lines(exercise: Exercise, seed: int) -> Worked | None:
    """The exercise's worked solution for `seed` as lines (a teacher's `worked` may give text)."""
    if exercise.worked is None:
        return None
    worked = exercise.worked(seed)
    if isinstance(worked, Worked):
        return worked
    return Worked(tuple((line,) for line in str(worked).splitlines()))


def _check_line(number: int, exercise: Exercise, seed: int) -> str:
    file = f"answers/{answer_file_name(number, exercise)}"
    if graded():  # a graded variant cannot be checked without the teacher's secret
        return f"Answer in `{file}` and hand it in; it is checked when graded."
    return (
        f"Answer in `{file}`; check it with "
        f"`nnscalar exercises check {number} {file} --seed {seed}`."
    )


def worksheet_markdown(student: str, seed: int, items: Items, graphs: str = "graphs") -> str:
    """The worksheet as Markdown; pictures are `graphs/NN-id.svg` files beside it."""
    parts = [
        f"# nnscalar exercises: {student}\n",
        f"Your seed is **{seed}**. Hints: `nnscalar exercises hint N --level K`.\n",
    ]
    for number, exercise in items:
        parts.append(
            f"## {number}. {exercise.title}\n\n*{exercise.concept}*\n\n{exercise.stated(seed)}\n"
        )
        if exercise.graph is not None:
            parts.append(f"![The computation graph]({graphs}/{number:02d}-{exercise.id}.svg)\n")
        parts.append(_check_line(number, exercise, seed) + "\n")
    return "\n".join(parts)


def _page(title: str, body: list[str]) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def worksheet_html(student: str, seed: int, items: Items) -> str:
    """The printable worksheet: statements, pictures inline, hints folded, a box per answer."""
    md = MarkdownIt("commonmark", {"html": False})  # text from ids and files is never markup
    body = [
        f"<h1>nnscalar exercises: {html.escape(student)}</h1>",
        f"<p>Your seed is <strong>{seed}</strong>.</p>",
    ]
    for number, exercise in items:
        body.append(
            f'<section id="ex{number}"><h2>{number}. {html.escape(exercise.title)}</h2>'
            f"<p><em>{html.escape(exercise.concept)}</em></p>"
        )
        body.append(md.render(exercise.stated(seed)))
        svg = _svg(exercise, seed, grads=False)
        if svg:
            body.append(f'<div class="graph">{_inline(svg)}</div>')
        for level, hint in enumerate(exercise.hints, start=1):
            body.append(f"<details><summary>Hint {level}</summary>{html.escape(hint)}</details>")
        body.append(
            '<div class="answer"></div>'
            + md.render(_check_line(number, exercise, seed))
            + "</section>"
        )
    return _page(f"nnscalar exercises: {student}", body)


def answer_key_markdown(student: str, seed: int, items: Items, graphs: str = "graphs") -> str:
    """The answer key: each reference answer, its worked solution and the graph with gradients."""
    parts = [
        f"# Answer key: {student} (seed {seed})\n",
        _KEY_NOTE + "\n",
    ]
    for number, exercise in items:
        language = "python" if exercise.kind == "code" else "text"
        parts.append(
            f"## {number}. {exercise.title}\n\n```{language}\n"
            f"{_key_lines(number, exercise, seed)}\n```\n"
        )
        worked = worked_lines(exercise, seed)
        if worked is not None:
            parts.append(f"Worked solution:\n\n```text\n{worked}\n```\n")
        if exercise.graph is not None:
            parts.append(
                f"![The graph after backward()]({graphs}/{number:02d}-{exercise.id}-key.svg)\n"
            )
    return "\n".join(parts)


_KEY_NOTE = (
    "Answers to 6 significant figures, worked solutions to 4; the exact values are in the "
    "key's notebook and answer files (and, in the HTML key, on hover over a number underlined "
    "with dots)."
)


def _html_line(line: Line) -> str:
    """One line: text escaped (`code` in backticks as code), each number as shown and, when that
    is rounded, its exact value (`repr`) as the hover title."""
    out = []
    for segment in line:
        if isinstance(segment, Num):
            shown = segment.text()
            rounded = float(shown.replace("−", "-")) != segment.value
            title = f' title="{segment.text(exact=True)}"' if rounded else ""
            out.append(f'<span class="n"{title}>{shown}</span>')
            continue
        for k, piece in enumerate(segment.split("`")):
            escaped = html.escape(piece)
            out.append(f"<code>{escaped}</code>" if k % 2 else escaped)
    return "".join(out)


def answer_key_html(student: str, seed: int, items: Items, graphs: str = "graphs") -> str:
    """The answer key as a page: answers and worked solutions rounded for people, the exact
    value of every number on hover; it prints on A4 and Letter."""
    body = [
        f"<h1>Answer key: {html.escape(student)} (seed {seed})</h1>",
        f"<p>{html.escape(_KEY_NOTE)}</p>",
    ]
    for number, exercise in items:
        answer = "\n".join(_html_line(line) for line in _key_lines(number, exercise, seed).lines)
        body.append(
            f'<section id="ex{number}"><h2>{number}. {html.escape(exercise.title)}</h2>'
            f"<pre>{answer}</pre>"
        )
        worked = worked_lines(exercise, seed)
        if worked is not None:
            lines = "".join(f"<div>{_html_line(line)}</div>" for line in worked.lines)
            body.append(f'<p>Worked solution:</p><div class="worked">{lines}</div>')
        if exercise.graph is not None:
            src = html.escape(f"{graphs}/{number:02d}-{exercise.id}-key.svg")
            body.append(f'<p><img src="{src}" alt="The graph after backward()"></p>')
        body.append("</section>")
    return _page(f"Answer key: {student}", body)


def _cell(kind: str, source: str, cell_id: str, **extra: object) -> dict:
    cell: dict = {"cell_type": kind, "id": cell_id, "metadata": {}, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    cell.update(extra)
    return cell


def _answer_cell(number: int, exercise: Exercise, seed: int, filled: bool) -> str:
    if exercise.kind == "code":
        names = ", ".join(f'"{f}": {f}' for f in exercise.functions)
        return answers_text(number, exercise, seed, filled).rstrip() + f"\n\nanswer = {{{names}}}"
    solution = exercise.solution(seed)
    assert isinstance(solution, dict)
    rows = [
        f'    "{name}": {value!r},' if filled else f'    "{name}": None,  # your number'
        for name, value in solution.items()
    ]
    return "answer = {\n" + "\n".join(rows) + "\n}"


def notebook(
    student: str, seed: int, items: Items, filled: bool = False, paths: Sequence[str | Path] = ()
) -> dict:
    """A Jupyter notebook (nbformat 4) per student: statement, answer cell and check cell each.

    `filled` puts the reference answers in (the answer key's notebook).
    """
    names = "check, setup, worked_solution" if filled else "check, setup"
    setup = f"from nnscalar.exercises import {names}\n\nsetup({seed}"
    setup += f", paths={[str(p) for p in paths]!r})" if paths else ")"
    cells = [
        _cell(
            "markdown",
            f"# nnscalar exercises: {student}\n\nYour seed is {seed}. Fill "
            "in each answer cell, then run the check cell below it.",
            "title",
        ),
        _cell("code", setup, "setup"),
    ]
    for number, exercise in items:
        text = f"## {number}. {exercise.title}\n\n*{exercise.concept}*\n\n{exercise.stated(seed)}"
        extra: dict = {}
        svg = _svg(exercise, seed, grads=False)
        if svg:
            name = f"{number:02d}-{exercise.id}.svg"
            text += f"\n\n![The computation graph](attachment:{name})"
            encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
            extra["attachments"] = {name: {"image/svg+xml": encoded}}
        cells.append(_cell("markdown", text, f"ex{number}-statement", **extra))
        answer = _cell("code", _answer_cell(number, exercise, seed, filled), f"ex{number}-answer")
        answer["metadata"] = {"nnscalar": {"exercise": exercise.id, "number": number}}
        cells.append(answer)
        solution = worked_lines(exercise, seed) if filled else None
        if solution is not None:
            # a graded variant's numbers need the course secret, which the notebook does not hold
            exact = f" (every digit: `print(worked_solution({number}, exact=True))`)"
            text = f"Worked solution{'' if graded() else exact}:\n\n```text\n{solution}\n```"
            cells.append(_cell("markdown", text, f"ex{number}-worked"))
        checking = (
            "# checked when graded (this graded variant needs the teacher's course secret)"
            if graded() and not filled
            else f"check({number}, answer)"
        )
        cells.append(_cell("code", checking, f"ex{number}-check"))
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
        "cells": cells,
    }


def _write(path: Path, text: str) -> None:
    """A handout or key file, readable by its owner only (the teacher hands them out)."""
    _private_folder(path.parent)
    write_atomic(path, text, mode=0o600)


def _private_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)


def _write_one(
    folder: Path, student: str, seed: int, items: Items, key: bool, paths: Sequence[str | Path]
) -> None:
    for number, exercise in items:
        _write(
            folder / "answers" / answer_file_name(number, exercise),
            answers_text(number, exercise, seed, filled=key),
        )
        svg = _svg(exercise, seed, grads=key)
        if svg:
            suffix = "-key" if key else ""
            _write(folder / "graphs" / f"{number:02d}-{exercise.id}{suffix}.svg", svg)
    book = json.dumps(notebook(student, seed, items, filled=key, paths=paths), indent=1)
    if key:
        _write(folder / "answer_key.md", answer_key_markdown(student, seed, items))
        _write(folder / "answer_key.html", answer_key_html(student, seed, items))
        _write(folder / "answer_key.ipynb", book + "\n")
    else:
        _write(folder / "worksheet.md", worksheet_markdown(student, seed, items))
        _write(folder / "worksheet.html", worksheet_html(student, seed, items))
        _write(folder / "worksheet.ipynb", book + "\n")


def write_worksheets(
    out: str | Path,
    class_seed: int,
    students: Sequence[str],
    items: Items,
    paths: Sequence[str | Path] = (),
    secret: str | None = None,
) -> list[tuple[str, int]]:
    """Write `students/<id>/` (worksheet, notebook, answer templates) and `keys/<id>/` (answer
    key, filled notebook, reference answer files) under `out`, readable by the owner only;
    returns (student, seed) pairs. With a course `secret` the variants are the graded ones."""
    with course_secret(secret):
        return _write_all(Path(out), class_seed, students, items, paths)


def _write_all(
    root: Path,
    class_seed: int,
    students: Sequence[str],
    items: Items,
    paths: Sequence[str | Path],
) -> list[tuple[str, int]]:
    for folder in (root, root / "students", root / "keys"):
        _private_folder(folder)
    seeds = []
    for student in students:
        seed = student_seed(class_seed, student)
        name = safe_name(student)
        _write_one(root / "students" / name, student, seed, items, key=False, paths=paths)
        _write_one(root / "keys" / name, student, seed, items, key=True, paths=paths)
        seeds.append((student, seed))
    _private_folder(root)
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(["student", "seed"])
    writer.writerows(seeds)
    write_atomic(root / "seeds.csv", table.getvalue(), mode=0o600)
    return seeds
