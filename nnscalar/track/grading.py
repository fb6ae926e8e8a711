"""Grading the build track at scale: a folder of student packages, each checked by `build check`'s
sandboxed hidden checks with the student's seed (and the course secret); a CSV with one column per
task, a Gradescope-style results.json and the full report per student.

A submission is one entry of the folder: a student's folder (the package at its top, one folder
down, or zipped inside) or `<student>.zip`. Seeds are told as for the exercises
(`seeds.choose_seed`: seeds.csv, the class seed with the folder's name, or one class seed),
checked against the seed the package's README states; every fallback is a warning and an unknown
seed grades nothing.
"""

from __future__ import annotations

import json
import math
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError
from ..exercises import isolation
from ..exercises.grading import csv_cell, write_graded
from ..exercises.pool import Lost, run_pool
from ..exercises.sandbox import Limits
from ..exercises.seeds import SeedChoice, choose_seed, read_seeds
from ..exercises.variants import course_secret
from ..files import write_atomic
from .checker import TaskResult, check_sources
from .submission import find_package, holds_package
from .tasks import TASKS

__all__ = [
    "TrackGrade",
    "find_hand_ins",
    "grade_autograder",
    "grade_hand_in",
    "grade_track",
    "junit_xml",
    "looks_like_track",
    "results_json",
    "task_numbers",
    "write_track_grades",
    "write_track_junit",
]

Chooser = Callable[[dict[int, list[str]]], SeedChoice]


@dataclass(frozen=True)
class TrackGrade:
    """One student's track: a result per graded task, where the package was found, the seed it
    was checked with and where that came from, and the warnings on the way."""

    student: str
    seed: int | None  # None: the seed could not be told; nothing was graded
    results: tuple[TaskResult, ...]
    seed_source: str = "--seed"
    warnings: tuple[str, ...] = ()
    where: str = ""  # the package inside the hand-in ('.', 'mygrad/', 'mygrad.zip:mygrad/')

    @property
    def graded(self) -> bool:
        """False when the seed could not be told (the warnings say why)."""
        return self.seed is not None

    def points(self, number: int) -> float:
        """1 for a task that passed, 0 for one that did not (each task is worth one point)."""
        return 1.0 if {r.number: r for r in self.results}[number].passed else 0.0

    @property
    def total(self) -> float:
        """The number of tasks passed."""
        return float(sum(r.passed for r in self.results))

    def diagnosis(self, limit: int = 400) -> str:
        """Why the first failed task failed (its diagnosis lines joined) and which others
        failed (`4: … / `=` instead of `+=` …; also failed: 5, 7`), clipped to `limit`."""
        if not self.graded:
            return f"not graded: {self.warnings[0] if self.warnings else 'seed unknown'}"[:limit]
        failed = [r for r in self.results if not r.passed]
        if not failed:
            return ""
        first = failed[0]
        text = f"{first.number}: " + " / ".join(first.diagnosis or ("failed",))
        if len(failed) > 1:
            text = f"{text}; also failed: {', '.join(str(r.number) for r in failed[1:])}"
        return text if len(text) <= limit else text[: limit - 1] + "…"

    def report(self) -> str:
        """The whole report, as `build check` prints it, headed by the student and the seed."""
        seed = f"seed {self.seed}, from {self.seed_source}" if self.graded else "seed unknown"
        lines = [f"{self.student}: {self.total:g} of {len(self.results)} tasks ({seed})"]
        if self.where:
            lines.append(f"package: {self.where}")
        lines += [f"warning: {w}" for w in self.warnings]
        lines += [str(r) for r in self.results]
        return "\n".join(lines)


def task_numbers(tasks: Sequence[int] = ()) -> list[int]:
    """The tasks to grade (all by default); ConfigError for a task that does not exist."""
    for number in tasks:
        if not 1 <= number <= len(TASKS):
            raise ConfigError(f"there is no task {number}; tasks are 1 to {len(TASKS)}")
    return sorted(set(tasks)) if tasks else [t.number for t in TASKS]


def _failed(numbers: Sequence[int], reason: str) -> tuple[TaskResult, ...]:
    return tuple(TaskResult(n, TASKS[n - 1].title, False, (reason,)) for n in numbers)


def grade_hand_in(
    student: str,
    path: str | Path,
    seed: int | Chooser,
    tasks: Sequence[int] = (),
    limits: Limits | None = None,
) -> TrackGrade:
    """Check one student's hand-in (a folder or a zip) on `tasks`, in one sandboxed child.

    `seed` is the seed, or a function of the seed the package states (seed → ['README.md'])
    giving the `SeedChoice`. A hand-in without a readable package scores 0 on every task, the
    reason as each task's diagnosis; a seed that cannot be told grades nothing.
    """
    numbers = task_numbers(tasks)
    package, problem = None, ""
    try:
        package = find_package(path)
    except ConfigError as exc:
        problem = str(exc)
    claims = {package.stated: ["README.md"]} if package and package.stated is not None else {}
    choice = seed(claims) if callable(seed) else SeedChoice(seed, "--seed")
    source = "README.md" if choice.source == "answer file" else choice.source
    if choice.seed is None:
        warnings = (problem, *choice.warnings) if package is None else choice.warnings
        results = _failed(numbers, "not graded: " + (warnings or ("seed unknown",))[0])
        return TrackGrade(student, None, results, source, warnings)
    if package is None:
        return TrackGrade(student, choice.seed, _failed(numbers, problem), source, choice.warnings)
    results = tuple(check_sources(package.files, numbers, choice.seed, limits))
    return TrackGrade(student, choice.seed, results, source, choice.warnings, package.where)


def find_hand_ins(directory: str | Path) -> list[tuple[str, Path]]:
    """(student, path) for each folder or `<student>.zip` in `directory`, by name (symbolic
    links are listed, and refused when graded)."""
    root = Path(directory)
    if not root.is_dir():
        raise ConfigError(f"submissions folder {str(root)!r} does not exist or is not a folder")
    found: list[tuple[str, Path]] = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith(".") or entry.name == "__MACOSX":
            continue
        if entry.is_dir() or entry.is_symlink():
            found.append((entry.name, entry))
        elif entry.suffix.lower() == ".zip":
            found.append((entry.stem, entry))
    return found


def looks_like_track(directory: str | Path) -> tuple[int, int]:
    """(hand-ins that hold a track package, all hand-ins) in `directory`: how `nnscalar grade`
    tells a folder of packages from a folder of worksheet answers."""
    hand_ins = find_hand_ins(directory)
    return sum(holds_package(path) for _, path in hand_ins), len(hand_ins)


def default_submission_time(numbers: Sequence[int], limits: Limits | None = None) -> float:
    """The default wall-clock cap of one hand-in: every task's checks running to their time
    limit (`limits.time` when set), plus a minute to unpack, start sandboxes and compare."""
    limits = limits or Limits()
    return 60.0 + sum(limits.time or TASKS[n - 1].time_limit for n in numbers)


@dataclass(frozen=True)
class _Course:
    """What every grading process is told once."""

    numbers: tuple[int, ...]
    class_seed: int | None
    seed_from_name: bool
    limits: Limits
    seeds: dict[str, int] | None
    secret: str | None


def _grader(course: _Course) -> Callable[[tuple[str, Path]], TrackGrade]:
    """In a grading process: the function that grades one (student, hand-in) entry."""

    def grade(entry: tuple[str, Path]) -> TrackGrade:
        student, path = entry

        def choose(claims: dict[int, list[str]]) -> SeedChoice:
            return choose_seed(
                student, claims, course.seeds, course.class_seed, course.seed_from_name
            )

        try:
            with course_secret(course.secret):
                return grade_hand_in(student, path, choose, course.numbers, course.limits)
        except Exception as exc:  # a grader bug or an odd file: this student's row says so
            return _not_graded(
                student,
                course.numbers,
                f"the grader could not check this package: {type(exc).__name__}: {exc}",
            )

    return grade


def _not_graded(student: str, numbers: Sequence[int], reason: str) -> TrackGrade:
    return TrackGrade(student, None, _failed(numbers, reason[:500]), "unknown", (reason[:500],))


def grade_track(
    directory: str | Path,
    tasks: Sequence[int] = (),
    class_seed: int | None = None,
    seed_from_name: bool = False,
    jobs: int | None = None,
    limits: Limits | None = None,
    progress: Callable[[TrackGrade], None] | None = None,
    allow_unisolated: bool = False,
    secret: str | None = None,
    seeds: Mapping[str, int] | None = None,
    submission_time: float | None = None,
) -> list[TrackGrade]:
    """Grade every hand-in in `directory` in `jobs` grading processes (default: CPUs), as
    `exercises.grading.grade_all` grades worksheets.

    Seeds as `grade_all` tells them (`seeds`, else `seed_from_name` with the `class_seed`, else
    `class_seed`, else the README's seed); with the course `secret` the hidden checks' graphs and
    numbers are the graded ones. A hand-in taking longer than `submission_time` seconds (default:
    `default_submission_time`), or whose grading process dies, is stopped with its sandboxes and
    its row says why. Without isolation this refuses unless `allow_unisolated`.
    """
    if seed_from_name and class_seed is None:
        raise ConfigError("--seed-from-name needs the class seed (--seed N)")
    if jobs is not None and not (isinstance(jobs, int) and jobs >= 1):
        raise ConfigError(f"jobs {jobs!r} is not valid; valid: a whole number of processes >= 1")
    if submission_time is not None and not 0 < submission_time < math.inf:
        raise ConfigError(
            f"submission time limit {submission_time!r} is not valid; valid: seconds above 0"
        )
    numbers = task_numbers(tasks)
    limits = limits or Limits()
    mode = isolation.choose(limits.isolation)
    isolation.require_boundary(mode, allow_unisolated)
    hand_ins = find_hand_ins(directory)
    if not hand_ins:
        raise ConfigError(f"no submissions in {directory}: expected a folder or zip per student")
    course = _Course(
        tuple(numbers), class_seed, seed_from_name, limits, dict(seeds) if seeds else None, secret
    )
    if mode == "in-process":  # Pyodide: no processes to start; the tab is the sandbox
        grade = _grader(course)
        grades = []
        for entry in hand_ins:
            grades.append(grade(entry))
            if progress is not None:
                progress(grades[-1])
        return grades

    def row(index: int, result: TrackGrade | Lost) -> TrackGrade:
        if isinstance(result, Lost):
            return _not_graded(hand_ins[index][0], numbers, result.reason)
        return result

    def done(index: int, result: TrackGrade | Lost) -> None:
        if progress is not None:
            progress(row(index, result))

    seconds = submission_time or default_submission_time(numbers, limits)
    results = run_pool(_grader, course, hand_ins, jobs or os.cpu_count() or 1, seconds, done)
    return [row(index, result) for index, result in enumerate(results)]


def results_json(grade: TrackGrade, visibility: Mapping[str, str] | None = None) -> dict:
    """Gradescope's results.json for one student: one test per task, worth one point, its
    diagnosis as the output."""
    tests = []
    for result in grade.results:
        lines = result.diagnosis or ("passed",)
        tests.append(
            {
                "name": f"Task {result.number}: {result.title}",
                "number": str(result.number),
                "score": grade.points(result.number) if grade.graded else 0.0,
                "max_score": 1.0,
                "status": "passed" if result.passed else "failed",
                "output": "\n".join(lines),
                "visibility": (visibility or {}).get(str(result.number), "visible"),
            }
        )
    summary = [grade.report().splitlines()[0]]
    summary += [f"warning: {w}" for w in grade.warnings]
    return {
        "score": grade.total if grade.graded else 0.0,
        "max_score": float(len(grade.results)),
        "output": "\n".join(summary),
        "visibility": "visible",
        "stdout_visibility": "visible",
        "tests": tests,
    }


def write_track_grades(out: str | Path, grades: Sequence[TrackGrade]) -> Path:
    """Write `grades.csv` (a row per student: a column per task, total, diagnosis),
    `<folder>/results.json` and `<folder>/report.txt` per student and `folders.csv`, readable by
    the owner only; returns the CSV's path."""
    numbers = [r.number for r in grades[0].results] if grades else []
    header = ["student", "seed", "seed from", *(f"task{n}" for n in numbers), "total", "max"]
    rows = []
    for grade in grades:
        scores = [grade.points(n) for n in numbers] + [grade.total]
        cells = [f"{s:g}" for s in scores] if grade.graded else [""] * len(scores)
        rows.append(
            [
                csv_cell(grade.student),
                "" if grade.seed is None else grade.seed,
                grade.seed_source,
                *cells,
                len(numbers),
                csv_cell(grade.where),
                csv_cell("; ".join(grade.warnings)),
                csv_cell(grade.diagnosis()),
            ]
        )
    files = {
        g.student: {
            "results.json": json.dumps(results_json(g), indent=2, ensure_ascii=False) + "\n",
            "report.txt": g.report() + "\n",
        }
        for g in grades
    }
    return write_graded(out, [*header, "package", "warnings", "diagnosis"], rows, files)


def grade_autograder(base: Path, student: str, config: Mapping, limits: Limits) -> dict:
    """Gradescope's results.json for the package in `base`/submission (at its top, one folder
    down or zipped), the seed told from the bundle's config as the exercises' is."""
    source = base / "source"
    table = read_seeds(source / config["seeds"]) if config.get("seeds") else None
    secret = None
    if config.get("secret"):
        secret = (source / config["secret"]).read_text(encoding="utf-8").strip()

    def choose(claims: dict[int, list[str]]) -> SeedChoice:
        return choose_seed(student, claims, table, config["class_seed"], from_name=True)

    with course_secret(secret):
        grade = grade_hand_in(student, base / "submission", choose, config["track"], limits)
    return results_json(grade, config.get("visibility", {}))


def junit_xml(grades: Sequence[TrackGrade]) -> str:
    """The grades as JUnit XML: a suite per student, a test case per task; a failed task is a
    <failure> with its diagnosis, a student whose seed could not be told <skipped>."""
    suites = ET.Element("testsuites", name="nnscalar grade --track")
    for grade in grades:
        suite = ET.SubElement(suites, "testsuite", name=_xml(grade.student))
        failures = skipped = 0
        for result in grade.results:
            case = ET.SubElement(
                suite,
                "testcase",
                name=f"task {result.number}: {result.title}",
                classname=_xml(grade.student),
            )
            if not grade.graded:
                skipped += 1
                ET.SubElement(case, "skipped", message=_xml(grade.diagnosis(500)))
            elif not result.passed:
                failures += 1
                first = (result.diagnosis or ("failed",))[0][:500]
                failure = ET.SubElement(case, "failure", message=_xml(first))
                failure.text = _xml("\n".join(result.diagnosis))
        suite.set("tests", str(len(grade.results)))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        suite.set("skipped", str(skipped))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, "unicode") + "\n"


# characters XML 1.0 cannot hold (a diagnosis quotes what the student's code raised)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def write_track_junit(path: str | Path, grades: Sequence[TrackGrade]) -> Path:
    """Write `junit_xml` to `path` (readable by the owner only)."""
    return write_atomic(path, junit_xml(grades), mode=0o600)
