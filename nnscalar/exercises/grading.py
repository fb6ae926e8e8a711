"""Grading a folder of submissions: each student's answers checked in one sandboxed process,
students in parallel; a CSV table of scores and a Gradescope `results.json` per student.

A submission is a folder per student (answer files `NN-….txt` / `NN-….py`, in any subfolder,
and/or the worksheet notebook, whose answer cells count where no file answers) or a notebook
`<student>.ipynb` directly in the folder.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError
from ..files import write_atomic
from .checking import check_sources
from .model import CheckResult, Exercise
from .sandbox import Limits
from .variants import student_seed
from .worksheet import safe_name

__all__ = [
    "Grade",
    "find_submissions",
    "grade_all",
    "grade_submission",
    "results_json",
    "write_grades",
]

_NUMBERED = re.compile(r"^(?:ex)?0*(\d+)(?:[-_. ].*)?$", re.IGNORECASE)
Items = Sequence[tuple[int, Exercise]]


@dataclass(frozen=True)
class Grade:
    """One student's results: exercise number → CheckResult (every graded exercise has one)."""

    student: str
    seed: int
    results: dict[int, CheckResult]

    def points(self, number: int) -> float:
        """The exercise's share of passed parts, 0..1 (each exercise is worth one point)."""
        result = self.results[number]
        return round(result.score / result.max_score, 4)

    @property
    def total(self) -> float:
        """The sum of the points of every graded exercise."""
        return round(sum(self.points(n) for n in self.results), 4)


def find_submissions(directory: str | Path) -> list[tuple[str, list[Path]]]:
    """(student, files) for each student folder or `<student>.ipynb` in `directory`, by name."""
    root = Path(directory)
    if not root.is_dir():
        raise ConfigError(f"submissions folder {str(root)!r} does not exist or is not a folder")
    found: dict[str, list[Path]] = {}
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            files = [
                p
                for p in sorted(entry.rglob("*"))
                if p.is_file()
                and p.suffix in (".txt", ".py", ".ipynb")
                and not any(part.startswith(".") for part in p.relative_to(entry).parts)
            ]
            found.setdefault(entry.name, []).extend(files)
        elif entry.suffix == ".ipynb":
            found.setdefault(entry.stem, []).append(entry)
    return sorted(found.items())


def _exercise_of(path: Path, items: Items) -> int | None:
    match = _NUMBERED.match(path.stem)
    numbers = {n for n, _ in items}
    if match and int(match.group(1)) in numbers:
        return int(match.group(1))
    for number, exercise in items:
        if path.stem == exercise.id:
            return number
    return None


def _notebook_answers(path: Path, items: Items) -> dict[int, str]:
    """The answer cells of a worksheet notebook (tagged by the worksheet), by exercise number."""
    try:
        book = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{path.name}: not a readable notebook: {exc}") from None
    ids = {exercise.id: number for number, exercise in items}
    answers: dict[int, str] = {}
    for cell in book.get("cells", []):
        tag = cell.get("metadata", {}).get("nnscalar", {})
        if cell.get("cell_type") == "code" and tag.get("exercise") in ids:
            source = cell.get("source", "")
            answers[ids[tag["exercise"]]] = "".join(source) if isinstance(source, list) else source
    return answers


def grade_submission(
    student: str,
    files: Sequence[Path],
    seed: int,
    items: Items,
    limits: Limits | None = None,
    paths: Sequence[str | Path] = (),
) -> Grade:
    """Check one student's files against the exercises `items`, in one sandboxed child process."""
    by_number = dict(items)
    sources: dict[int, list[tuple[str, str]]] = {}
    from_notebooks: dict[int, list[tuple[str, str]]] = {}
    problems: dict[int, str] = {}
    for path in files:
        if path.suffix == ".ipynb":
            try:
                cells = _notebook_answers(path, items)
            except ConfigError as exc:
                problems.setdefault(0, str(exc))
                continue
            for number, source in cells.items():
                from_notebooks.setdefault(number, []).append(
                    (f"{path.stem}-{number:02d}.py", source)
                )
            continue
        number = _exercise_of(path, items)
        if number is None:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems[number] = f"{path.name}: cannot be read: {exc}"
            continue
        sources.setdefault(number, []).append((path.name, text))
    results: dict[int, CheckResult] = {}
    batch: list[tuple[Exercise, str, str, int]] = []
    order: list[int] = []
    for number, exercise in items:
        given = sources.get(number) or from_notebooks.get(number, [])  # files come first
        if number in problems:
            results[number] = CheckResult(exercise.id, error=problems[number])
        elif len(given) > 1:
            names = ", ".join(name for name, _ in given)
            results[number] = CheckResult(
                exercise.id,
                error=f"more than one answer for exercise {number} ({names}): hand in one",
            )
        elif not given:
            note = f" ({problems[0]})" if 0 in problems else ""
            results[number] = CheckResult(exercise.id, error=f"no answer handed in{note}")
        else:
            batch.append((by_number[number], *given[0], seed))
            order.append(number)
    for number, result in zip(order, check_sources(batch, limits, paths)):
        results[number] = result
    return Grade(student, seed, {n: results[n] for n, _ in items})


def grade_all(
    directory: str | Path,
    items: Items,
    class_seed: int,
    seed_from_name: bool,
    jobs: int | None = None,
    limits: Limits | None = None,
    paths: Sequence[str | Path] = (),
    progress: Callable[[Grade], None] | None = None,
) -> list[Grade]:
    """Grade every submission in `directory` in parallel (`jobs` at a time, default: CPUs).

    With `seed_from_name` each student's seed comes from the class seed and their folder's name
    (as the worksheets did); otherwise everyone has `class_seed`.
    """
    submissions = find_submissions(directory)
    if not submissions:
        raise ConfigError(
            f"no submissions in {directory}: expected a folder per student or <student>.ipynb files"
        )

    def one(entry: tuple[str, list[Path]]) -> Grade:
        student, files = entry
        seed = student_seed(class_seed, student) if seed_from_name else class_seed
        grade = grade_submission(student, files, seed, items, limits, paths)
        if progress is not None:
            progress(grade)
        return grade

    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        return list(pool.map(one, submissions))


def results_json(grade: Grade, items: Items) -> dict:
    """Gradescope's results.json for one student: one test per exercise, worth one point."""
    tests = []
    for number, exercise in items:
        result = grade.results[number]
        tests.append(
            {
                "name": f"{number}. {exercise.title}",
                "number": str(number),
                "score": grade.points(number),
                "max_score": 1.0,
                "status": "passed" if result.passed else "failed",
                "output": str(result),
                "visibility": "visible",
            }
        )
    return {
        "score": grade.total,
        "max_score": float(len(items)),
        "output": f"{grade.student}: {grade.total:g} of {len(items)} (seed {grade.seed})",
        "visibility": "visible",
        "stdout_visibility": "visible",
        "tests": tests,
    }


def write_grades(out: str | Path, grades: Sequence[Grade], items: Items) -> Path:
    """Write `grades.csv` (a row per student, a column per exercise) and `<student>/results.json`
    under `out`; returns the CSV's path."""
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    table = root / "grades.csv"
    with open(table, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "seed", *(f"{n}-{e.id}" for n, e in items), "total", "max"])
        for grade in grades:
            writer.writerow(
                [
                    grade.student,
                    grade.seed,
                    *(grade.points(n) for n, _ in items),
                    grade.total,
                    len(items),
                ]
            )
    for grade in grades:
        folder = root / safe_name(grade.student)
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(
            folder / "results.json",
            json.dumps(results_json(grade, items), indent=2, ensure_ascii=False) + "\n",
        )
    return table
