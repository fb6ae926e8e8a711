"""Grading a folder of submissions: each student's answers checked in one sandboxed process,
students in parallel grading processes (see `pool`); a CSV table of scores and a Gradescope
`results.json` per student.

A submission is a folder per student (answer files `NN-….txt` / `NN-….py`, in any subfolder,
and/or the worksheet notebook, whose answer cells count where no file answers) or a notebook
`<student>.ipynb` directly in the folder.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError
from ..files import read_limited, write_atomic
from . import isolation
from .checking import check_sources
from .loader import all_exercises
from .model import CheckResult, Exercise
from .pool import Lost, run_pool
from .sandbox import Limits
from .seeds import SeedChoice, choose_seed, seed_in_text
from .variants import course_secret

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")

__all__ = [
    "Grade",
    "csv_cell",
    "default_submission_time",
    "find_submissions",
    "grade_all",
    "grade_submission",
    "result_folders",
    "results_json",
    "write_graded",
    "write_grades",
]

_NUMBERED = re.compile(r"^(?:ex)?0*(\d+)(?:[-_. ].*)?$", re.IGNORECASE)
Items = Sequence[tuple[int, Exercise]]


@dataclass(frozen=True)
class Grade:
    """One student's results: exercise number → CheckResult (every graded exercise has one)."""

    student: str
    seed: int | None  # None: the seed could not be told, and nothing was graded
    results: dict[int, CheckResult]
    seed_source: str = "--seed"  # seeds.csv, name, --seed, answer file, notebook or unknown
    warnings: tuple[str, ...] = ()

    @property
    def graded(self) -> bool:
        """False when the submission's seed could not be told (its row says why)."""
        return self.seed is not None

    def points(self, number: int) -> float:
        """The exercise's share of passed parts, 0..1 (each exercise is worth one point)."""
        result = self.results[number]
        return round(result.score / result.max_score, 4)

    @property
    def total(self) -> float:
        """The sum of the points of every graded exercise."""
        return round(sum(self.points(n) for n in self.results), 4)

    def problems(self, limit: int = 300) -> str:
        """Why answers could not be checked, per exercise (`6: time limit …; 13: no answer …`),
        each reason's first line, the whole clipped to `limit` characters."""
        if not self.graded:
            reason = self.warnings[0] if self.warnings else "seed unknown"
            return f"not graded: {reason}"[:limit]
        reasons = [
            f"{n}: {r.error.splitlines()[0] if r.error.strip() else r.error}"
            for n, r in self.results.items()
            if r.error
        ]
        text = "; ".join(reasons)
        return text if len(text) <= limit else text[: limit - 1] + "…"


MAX_ANSWER_BYTES = 256 * 1024  # an answer file larger than this is not read
MAX_NOTEBOOK_BYTES = 8 * 1024 * 1024
MAX_FILES = 200  # files looked at in one student's folder
MAX_DEPTH = 6  # subfolders looked into


def find_submissions(directory: str | Path) -> list[tuple[str, list[Path]]]:
    """(student, files) for each student folder or `<student>.ipynb` in `directory`, by name.

    Symbolic links are listed, never followed (grading reports them); at most MAX_FILES files
    and MAX_DEPTH folders deep are looked at per student.
    """
    root = Path(directory)
    if not root.is_dir():
        raise ConfigError(f"submissions folder {str(root)!r} does not exist or is not a folder")
    found: dict[str, list[Path]] = {}
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_symlink():
            found.setdefault(entry.stem if entry.suffix == ".ipynb" else entry.name, []).append(
                entry
            )
        elif entry.is_dir():
            found.setdefault(entry.name, []).extend(_answer_files(entry))
        elif entry.suffix == ".ipynb":
            found.setdefault(entry.stem, []).append(entry)
    return sorted(found.items())


def _answer_files(folder: Path) -> list[Path]:
    """The `.txt`, `.py` and `.ipynb` files under `folder` (links included, never followed)."""
    files: list[Path] = []
    for here, dirs, names in os.walk(folder, followlinks=False):
        depth = len(Path(here).relative_to(folder).parts)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if depth < MAX_DEPTH else []
        for name in sorted(names):
            path = Path(here) / name
            if not name.startswith(".") and path.suffix in (".txt", ".py", ".ipynb"):
                files.append(path)
    return sorted(files)[:MAX_FILES]


def _exercise_of(path: Path, items: Items) -> int | None:
    match = _NUMBERED.match(path.stem)
    numbers = {n for n, _ in items}
    if match and int(match.group(1)) in numbers:
        return int(match.group(1))
    for number, exercise in items:
        if path.stem == exercise.id:
            return number
    return None


def _read_text(path: Path, max_bytes: int) -> str:
    """A handed-in file as text (a UTF-8 BOM dropped); ConfigError when it may not be read."""
    data = read_limited(path, max_bytes)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path.name}: is not UTF-8 text ({exc.reason})") from None


def _notebook_answers(path: Path, items: Items) -> tuple[dict[int, str], int | None]:
    """The answer cells of a worksheet notebook (tagged by the worksheet), by exercise number,
    and the seed its `setup(N)` cell states (None when none)."""
    text = _read_text(path, MAX_NOTEBOOK_BYTES)
    try:
        book = json.loads(text)
    except (ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:200]
        raise ConfigError(f"{path.name}: not a readable notebook: {reason}") from None
    cells = book.get("cells") if isinstance(book, dict) else None
    if not isinstance(cells, list):
        raise ConfigError(f"{path.name}: not a notebook (no list of cells)")
    ids = {exercise.id: number for number, exercise in items}
    answers: dict[int, str] = {}
    stated: int | None = None
    for cell in cells:
        if not isinstance(cell, dict) or not isinstance(cell.get("metadata", {}), dict):
            continue
        if stated is None and cell.get("cell_type") == "code":
            text = cell.get("source", "")
            if isinstance(text, list):
                text = "".join(t for t in text if isinstance(t, str))
            stated = seed_in_text(text, notebook=True) if isinstance(text, str) else None
        tag = cell.get("metadata", {}).get("nnscalar", {})
        exercise = tag.get("exercise") if isinstance(tag, dict) else None
        if cell.get("cell_type") == "code" and isinstance(exercise, str) and exercise in ids:
            source = cell.get("source", "")
            if isinstance(source, list) and all(isinstance(line, str) for line in source):
                source = "".join(source)
            if not isinstance(source, str):
                raise ConfigError(f"{path.name}: the answer cell of {exercise} is not text")
            answers[ids[exercise]] = source
    return answers, stated


Chooser = Callable[[dict[int, list[str]]], SeedChoice]


def grade_submission(
    student: str,
    files: Sequence[Path],
    seed: int | Chooser,
    items: Items,
    limits: Limits | None = None,
    paths: Sequence[str | Path] = (),
) -> Grade:
    """Check one student's files against the exercises `items`, in one sandboxed child process.

    `seed` is the seed, or a function of the seeds the files state (seed → file names) giving
    the `SeedChoice` (see `seeds.choose_seed`); a seed that cannot be told grades nothing.
    """
    by_number = dict(items)
    claims: dict[int, list[str]] = {}
    sources: dict[int, list[tuple[str, str]]] = {}
    from_notebooks: dict[int, list[tuple[str, str]]] = {}
    problems: dict[int, str] = {}
    for path in files:
        if path.is_symlink():  # never followed: it could point at anyone's files
            reason = f"{path.name}: is a symbolic link; hand in the file itself"
            number = None if path.suffix == ".ipynb" else _exercise_of(path, items)
            problems.setdefault(0 if number is None else number, reason)
            continue
        if path.suffix == ".ipynb":
            try:
                cells, stated = _notebook_answers(path, items)
            except ConfigError as exc:
                problems.setdefault(0, str(exc))
                continue
            if stated is not None:
                claims.setdefault(stated, []).append(path.name)
            for number, source in cells.items():
                from_notebooks.setdefault(number, []).append(
                    (f"{path.stem}-{number:02d}.py", source)
                )
            continue
        number = _exercise_of(path, items)
        if number is None:
            continue
        try:
            text = _read_text(path, MAX_ANSWER_BYTES)
        except ConfigError as exc:
            problems[number] = str(exc)
            continue
        sources.setdefault(number, []).append((path.name, text))
        stated = seed_in_text(text)
        if stated is not None:
            claims.setdefault(stated, []).append(path.name)
    choice = seed(claims) if callable(seed) else SeedChoice(seed, "--seed")
    if choice.seed is None:
        reason = choice.warnings[0] if choice.warnings else "seed unknown"
        results = {n: CheckResult(e.id, error=f"not graded: {reason}") for n, e in items}
        return Grade(student, None, results, choice.source, choice.warnings)
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
            batch.append((by_number[number], *given[0], choice.seed))
            order.append(number)
    for number, result in zip(order, check_sources(batch, limits, paths)):
        results[number] = result
    graded = {n: results[n] for n, _ in items}
    return Grade(student, choice.seed, graded, choice.source, choice.warnings)


def default_submission_time(items: Items, limits: Limits | None = None) -> float:
    """The default wall-clock cap of one submission: every exercise's code running to its time
    limit (`limits.time` when set), plus a minute for starting sandboxes and checking."""
    limits = limits or Limits()
    return 60.0 + sum(limits.time or exercise.time_limit for _, exercise in items)


@dataclass(frozen=True)
class _Course:
    """What every grading process is told once (exercises by number and id: they are rebuilt
    there from the built-in set and the teacher's folders, since their functions do not pickle)."""

    exercises: tuple[tuple[int, str], ...]
    class_seed: int | None
    seed_from_name: bool
    limits: Limits
    paths: tuple[str, ...]
    seeds: Mapping[str, int] | None
    secret: str | None


def _grader(course: _Course) -> Callable[[tuple[str, list[Path]]], Grade]:
    """In a grading process: the function that grades one (student, files) submission."""
    known = {exercise.id: exercise for exercise in all_exercises(course.paths)}
    items = [(number, known[id_]) for number, id_ in course.exercises]

    def grade(entry: tuple[str, list[Path]]) -> Grade:
        student, files = entry

        def choose(claims: dict[int, list[str]]) -> SeedChoice:
            return choose_seed(
                student, claims, course.seeds, course.class_seed, course.seed_from_name
            )

        try:
            with course_secret(course.secret):
                return grade_submission(student, files, choose, items, course.limits, course.paths)
        except Exception as exc:  # a grader bug or an odd file: this student's row says so
            return _not_graded(
                student,
                items,
                f"the grader could not check this submission: {type(exc).__name__}: {exc}",
            )

    return grade


def _not_graded(student: str, items: Items, reason: str) -> Grade:
    """The row of a submission that was not graded, saying why in every exercise."""
    results = {n: CheckResult(e.id, error=reason[:500]) for n, e in items}
    return Grade(student, None, results, "unknown", (reason[:500],))


def grade_all(
    directory: str | Path,
    items: Items,
    class_seed: int | None,
    seed_from_name: bool = False,
    jobs: int | None = None,
    limits: Limits | None = None,
    paths: Sequence[str | Path] = (),
    progress: Callable[[Grade], None] | None = None,
    allow_unisolated: bool = False,
    secret: str | None = None,
    seeds: Mapping[str, int] | None = None,
    submission_time: float | None = None,
) -> list[Grade]:
    """Grade every submission in `directory` in `jobs` processes at a time (default: CPUs).

    Each student's seed: from the `seeds` table (seeds.csv, ids matched forgivingly), else with
    `seed_from_name` from the class seed and their folder's name (as the worksheets did), else
    `class_seed`, each checked against the seed the files state (see `seeds.choose_seed`).
    Other people's code needs an isolation boundary (see `isolation`): without one this refuses
    unless `allow_unisolated`.
    Every submission gets a Grade, in the order of the students' names, whatever it holds: a
    failure is that student's reason. A submission that takes longer than `submission_time`
    seconds (default: `default_submission_time`) is stopped, its sandboxes killed, and its row
    says so; so does the row of one whose grading process died. With the course `secret` the
    worksheets were written with, the graded variants are checked.
    """
    if seed_from_name and class_seed is None:
        raise ConfigError("--seed-from-name needs the class seed the worksheets used (--seed N)")
    if jobs is not None and not (isinstance(jobs, int) and jobs >= 1):
        raise ConfigError(f"jobs {jobs!r} is not valid; valid: a whole number of processes >= 1")
    if submission_time is not None and not 0 < submission_time < math.inf:
        raise ConfigError(
            f"submission time limit {submission_time!r} is not valid; valid: seconds above 0"
        )
    limits = limits or Limits()
    mode = isolation.choose(limits.isolation)
    isolation.require_boundary(mode, allow_unisolated)
    submissions = find_submissions(directory)
    if not submissions:
        raise ConfigError(
            f"no submissions in {directory}: expected a folder per student or <student>.ipynb files"
        )
    known = {exercise.id: exercise for exercise in all_exercises(paths)}
    for number, exercise in items:
        if exercise.id not in known:
            raise ConfigError(
                f"exercise {number} ({exercise.id!r}) is neither built in nor in the exercise "
                "folders given (--path): grading processes could not load it"
            )
    course = _Course(
        tuple((number, exercise.id) for number, exercise in items),
        class_seed,
        seed_from_name,
        limits,
        tuple(str(p) for p in paths),
        dict(seeds) if seeds is not None else None,
        secret,
    )
    if mode == "in-process":  # Pyodide: no processes to start; the tab is the sandbox
        grade = _grader(course)
        grades = []
        for entry in submissions:
            grades.append(grade(entry))
            if progress is not None:
                progress(grades[-1])
        return grades

    def row(index: int, result: Grade | Lost) -> Grade:
        if isinstance(result, Lost):
            return _not_graded(submissions[index][0], items, result.reason)
        return result

    def done(index: int, result: Grade | Lost) -> None:
        if progress is not None:
            progress(row(index, result))

    seconds = submission_time or default_submission_time(items, limits)
    workers = jobs or os.cpu_count() or 1
    results = run_pool(_grader, course, submissions, workers, seconds, done)
    return [row(index, result) for index, result in enumerate(results)]


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
        "output": _summary(grade, len(items)),
        "visibility": "visible",
        "stdout_visibility": "visible",
        "tests": tests,
    }


def _summary(grade: Grade, count: int) -> str:
    if not grade.graded:
        return f"{grade.student}: {grade.problems(1000)}"
    seed = f"seed {grade.seed}, from {grade.seed_source}"
    lines = [f"{grade.student}: {grade.total:g} of {count} ({seed})"]
    lines.extend(f"warning: {w}" for w in grade.warnings)
    return "\n".join(lines)


_RESERVED = {"grades.csv", "folders.csv"}
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def result_folders(students: Sequence[str]) -> dict[str, str]:
    """A folder name per student id, unique even on a case-blind file system: the id itself when
    it is a plain file name, else its plain part plus a hash of the id (`folders.csv` maps back)."""
    used = {name.casefold() for name in _RESERVED}
    folders: dict[str, str] = {}
    for student in students:
        base = _UNSAFE.sub("_", student)[:80].strip(".")
        name = base
        if not base or base != student or base.casefold() in used:
            digest = hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()
            name = f"{base or 'student'}-{digest[:12]}"
        if name.casefold() in used:
            raise ConfigError(f"student id {student!r} cannot be given a folder of its own")
        used.add(name.casefold())
        folders[student] = name
    return folders


def csv_cell(text: object) -> object:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    if isinstance(text, str) and text.startswith(_FORMULA):
        return "'" + text
    return text


def write_graded(
    out: str | Path,
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    files: Mapping[str, Mapping[str, str]],
) -> Path:
    """Write `grades.csv` (`header`, then `rows`), a folder per student holding their `files`
    (name → text) and `folders.csv` (student → folder) under `out`, readable by the owner only;
    returns the CSV's path. The students are `files`' keys, in order."""
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    folders = result_folders(list(files))
    table = io.StringIO()
    csv.writer(table).writerows([header, *rows])
    mapping = io.StringIO()
    pairs = csv.writer(mapping)
    pairs.writerow(["student", "folder"])
    pairs.writerows((csv_cell(student), folders[student]) for student in files)
    for student, texts in files.items():
        folder = root / folders[student]
        folder.mkdir(exist_ok=True, mode=0o700)
        for name, text in texts.items():
            write_atomic(folder / name, text, mode=0o600)
    write_atomic(root / "folders.csv", mapping.getvalue(), mode=0o600)
    return write_atomic(root / "grades.csv", table.getvalue(), mode=0o600)


def write_grades(out: str | Path, grades: Sequence[Grade], items: Items) -> Path:
    """Write `grades.csv` (a row per student, a column per exercise), `<folder>/results.json` and
    `folders.csv` (student → folder) under `out`, readable by the owner only; returns the CSV."""
    header = ["student", "seed", "seed from", *(f"{n}-{e.id}" for n, e in items), "total"]
    rows = []
    for grade in grades:
        scores = [grade.points(n) for n, _ in items] + [grade.total] if grade.graded else []
        rows.append(
            [
                csv_cell(grade.student),
                "" if grade.seed is None else grade.seed,
                grade.seed_source,
                *(scores or [""] * (len(items) + 1)),
                len(items),
                csv_cell("; ".join(grade.warnings)),
                csv_cell(grade.problems()),
            ]
        )
    files = {
        g.student: {
            "results.json": json.dumps(results_json(g, items), indent=2, ensure_ascii=False) + "\n"
        }
        for g in grades
    }
    return write_graded(out, [*header, "max", "warnings", "problems"], rows, files)
