"""Checking answers: a dict of numbers, an answers file, or a Python file run in the sandbox."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import NNScalarError
from .answers import AnswerLines, read_answer_lines
from .model import CheckResult, Exercise, Part
from .sandbox import Job, Limits, Outcome, run_jobs

__all__ = ["check_answer", "check_files", "check_sources", "outcome_result"]

MAX_FILE_BYTES = 1024 * 1024  # an answer file larger than this is not read


def _normalized(answer: Mapping[str, Any]) -> dict[str, Any]:
    """Whole numbers as floats (a notebook's `2` is the answer 2.0); everything else as given."""
    return {name: float(v) if type(v) is int else v for name, v in answer.items()}


def check_answer(exercise: Exercise, answer: Mapping[str, Any], seed: int) -> CheckResult:
    """Check an answer given in Python: names → numbers, or for a code exercise names → functions.

    Code runs in this process (a notebook's own kernel); files are checked by `check_files`.
    """
    if exercise.probe is not None:
        return exercise.check(exercise.probe(answer, exercise.probe_input(seed)), seed)
    return _with_unknown_names(exercise, _normalized(answer), seed)


def _with_unknown_names(exercise: Exercise, answer: Mapping[str, Any], seed: int) -> CheckResult:
    """The check, with a note on names the exercise does not ask for (a typo shows up here)."""
    result = exercise.check(answer, seed)
    asked = exercise.names(seed)
    unknown = [name for name in answer if name not in asked]
    if not unknown:
        return result
    note = (
        f"not asked for: {', '.join(unknown)} (the names are: {', '.join(asked)}; capitals matter)"
    )
    return CheckResult(result.exercise, result.parts, result.error, note=note)


def _lines_result(exercise: Exercise, found: AnswerLines, seed: int) -> CheckResult:
    """The check of an answers file, line by line: a bad line fails its own part only."""
    result = _with_unknown_names(exercise, found.answers, seed)
    parts = tuple(
        Part(p.name, False, found.errors[p.name], p.expected) if p.name in found.errors else p
        for p in result.parts
    )
    asked = set(exercise.names(seed))
    unknown = [message for name, message in found.errors.items() if name not in asked]
    note = "; ".join([*([result.note] if result.note else []), *found.stray, *unknown])
    return CheckResult(result.exercise, parts, result.error, note=note)


def outcome_result(exercise: Exercise, outcome: Outcome, seed: int) -> CheckResult:
    """The check of what a sandboxed run gave: the parts, or why the code could not be checked."""
    if outcome.status != "ok":
        return CheckResult(exercise.id, error=outcome.error, output=outcome.output)
    try:  # what came back is the student's, whatever its shape: it fails this answer only
        result = exercise.check(_normalized(outcome.data), seed)
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}"[:300]
        return CheckResult(
            exercise.id,
            error=f"what the code gave could not be checked ({reason}); give the names and "
            "functions the exercise asks for",
            output=outcome.output,
        )
    return CheckResult(result.exercise, result.parts, result.error, outcome.output)


def check_files(
    items: Sequence[tuple[Exercise, Path, int]],
    limits: Limits | None = None,
    paths: Sequence[str | Path] = (),
) -> list[CheckResult]:
    """Check (exercise, file, seed) triples; every `.py` file of the list in one sandboxed child.

    Any other file is an answers file of `name = number` lines, parsed in this process.
    """
    sources: list[tuple[Exercise, str, str, int]] = []
    unreadable: dict[int, CheckResult] = {}
    for i, (exercise, path, seed) in enumerate(items):
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise OSError(f"it is over {MAX_FILE_BYTES} bytes: not an answer")
            sources.append((exercise, path.name, path.read_text(encoding="utf-8-sig"), seed))
        except (OSError, UnicodeDecodeError) as exc:
            unreadable[i] = CheckResult(exercise.id, error=f"{path}: cannot be read: {exc}")
            sources.append((exercise, path.name, "", seed))
    results = check_sources(sources, limits, paths)
    return [unreadable.get(i, result) for i, result in enumerate(results)]


def check_sources(
    items: Sequence[tuple[Exercise, str, str, int]],
    limits: Limits | None = None,
    paths: Sequence[str | Path] = (),
) -> list[CheckResult]:
    """Check (exercise, file name, text, seed) answers: the `.py` ones in one sandboxed child,
    the others as `name = number` lines."""
    results: list[CheckResult | None] = [None] * len(items)
    jobs: list[Job] = []
    where: list[int] = []
    for i, (exercise, name, text, seed) in enumerate(items):
        if name.endswith(".py"):
            if exercise.probe is None:
                names = {"names": list(exercise.names(seed))}
                jobs.append(Job(exercise.id, text, name, names, exercise.time_limit, "numbers"))
            else:
                inputs = exercise.probe_input(seed)
                jobs.append(Job(exercise.id, text, name, inputs, exercise.time_limit, "code"))
            where.append(i)
        elif exercise.probe is not None:
            results[i] = CheckResult(
                exercise.id,
                error=f"{name}: this exercise is answered with Python code: give a .py file",
            )
        else:
            try:
                results[i] = _lines_result(exercise, read_answer_lines(text, name), seed)
            except NNScalarError as exc:
                results[i] = CheckResult(exercise.id, error=str(exc))
    for i, outcome in zip(where, run_jobs(jobs, limits, paths) if jobs else []):
        exercise, _, _, seed = items[i]
        results[i] = outcome_result(exercise, outcome, seed)
    return [r for r in results if r is not None]  # every item has its result by now
