"""Which seed a submission is graded with, and where that seed came from.

The teacher's word (`seeds.csv` from `nnscalar worksheet`, or the class seed and the student id)
is checked against what the submission says of itself (an answer file's `(seed N)` header, a
notebook's `setup(N)` cell). Student ids are matched forgivingly (`Alice`, `alice_submission`);
every fallback or disagreement is a warning, and a seed that cannot be told is no seed: that
submission is reported, never graded against a guess. Seeds and the course secret compose: the
seed picks the variant, the secret (when set) keys its numbers.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError
from .variants import student_seed

__all__ = [
    "SeedChoice",
    "choose_seed",
    "id_candidates",
    "match_student",
    "read_seeds",
    "seed_in_text",
]

_HEADER = re.compile(r"\(seed (\d{1,18})\)")
_SETUP = re.compile(r"^\s*setup\(\s*(\d{1,18})\s*[,)]", re.MULTILINE)
# What learning-management systems add around a student id in exported folder names.
_AFFIXES = re.compile(
    r"^(?:submission|assignment|hw|homework)[-_ ]+|"
    r"[-_ ]+(?:submission|submissions|assignsubmission_file|assignment|attempt[-_ ]?\d*|"
    r"late|final|onlinetext|file)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SeedChoice:
    """The seed a submission is graded with (None: it cannot be told), where it came from
    (`seeds.csv`, `name`, `--seed`, `answer file`, `notebook`, `unknown`) and the warnings."""

    seed: int | None
    source: str
    warnings: tuple[str, ...] = ()


def seed_in_text(text: str, notebook: bool = False) -> int | None:
    """The seed an answer file states in its first lines (`# 4. … (seed 123)`), or a notebook's
    `setup(123)` cell source; None when it states none."""
    head = "\n".join(text.splitlines()[:5])
    match = (_SETUP if notebook else _HEADER).search(text if notebook else head)
    return int(match.group(1)) if match else None


def read_seeds(path: str | Path) -> dict[str, int]:
    """`seeds.csv` as written by `nnscalar worksheet` (columns student, seed): id → seed."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the seeds table: {exc}") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows or [c.strip().lower() for c in rows[0][:2]] != ["student", "seed"]:
        raise ConfigError(f"{path}: expected a CSV with the columns student,seed (seeds.csv)")
    table: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) < 2 or not row[1].strip().isdigit():
            raise ConfigError(f"{path}, line {number}: expected `student,seed`, found {row!r}")
        table[row[0].strip()] = int(row[1].strip())
    if not table:
        raise ConfigError(f"{path}: no students in the seeds table")
    return table


def _key(name: str) -> str:
    return re.sub(r"[\s._-]+", "_", name.strip().casefold()).strip("_")


def id_candidates(folder: str) -> list[str]:
    """The student ids a submission folder's name may stand for: itself, then without the words
    an LMS adds (`alice_submission` → `alice`), without a trailing number (`alice_12345`), and
    each in small letters."""
    found = [folder.strip()]
    name = folder.strip()
    for _ in range(4):
        shorter = _AFFIXES.sub("", name).strip()
        shorter = re.sub(r"[-_ ]+\d{3,}$", "", shorter).strip()  # a Moodle/Canvas user number
        if not shorter or shorter == name:
            break
        found.append(shorter)
        name = shorter
    found += [f.casefold() for f in found]  # `Alice` for the id `alice`
    return list(dict.fromkeys(found))


def match_student(folder: str, ids: Iterable[str]) -> tuple[str | None, str]:
    """The id in `ids` a folder name stands for, and a warning when the match was not exact
    ('' when it was); None when no id, or more than one, fits."""
    ids = list(ids)
    if folder in ids:
        return folder, ""
    for candidate in id_candidates(folder):
        fits = [i for i in ids if _key(i) == _key(candidate)]
        if len(fits) == 1:
            return fits[0], f"folder {folder!r} matched to student {fits[0]!r}"
        if len(fits) > 1:
            return None, f"folder {folder!r} fits several students ({', '.join(fits)})"
    return None, f"folder {folder!r} matches no student in the seeds table"


def choose_seed(
    folder: str,
    claims: Mapping[int, list[str]],
    table: Mapping[str, int] | None = None,
    class_seed: int | None = None,
    from_name: bool = False,
) -> SeedChoice:
    """The seed to grade `folder`'s submission with.

    `claims` maps each seed the submission states to the files stating it. The teacher's word
    comes first: the seeds table (`table`), else the class seed with the student id
    (`from_name`), else one class seed for all (`class_seed`); without any, the submission's own
    statement is used. A disagreement is a warning; no way to tell gives `seed=None`.
    """
    stated = _stated(claims)
    if table is not None:
        student, how = match_student(folder, table)
        if student is None:
            return SeedChoice(None, "unknown", (f"seed unknown: {how} (the files state {stated})",))
        seed = table[student]
        warnings = [how] if how else []
        if claims and set(claims) != {seed}:
            warnings.append(f"the files state {stated}; seeds.csv gives {seed} for {student!r}")
        return SeedChoice(seed, "seeds.csv", tuple(warnings))
    if from_name:
        assert class_seed is not None
        candidates = id_candidates(folder)
        if claims:
            for candidate in candidates:
                if set(claims) == {student_seed(class_seed, candidate)}:
                    how = "" if candidate == folder else f"folder {folder!r} read as {candidate!r}"
                    return SeedChoice(next(iter(claims)), "name", (how,) if how else ())
            if len(candidates) > 1:
                return SeedChoice(
                    None,
                    "unknown",
                    (
                        f"seed unknown: the files state {stated}, which is the seed of none of "
                        f"{', '.join(map(repr, candidates))}; give --seeds seeds.csv",
                    ),
                )
        seed = student_seed(class_seed, folder)
        if claims:
            return SeedChoice(
                seed, "name", (f"the files state {stated}; the name {folder!r} gives {seed}",)
            )
        return SeedChoice(seed, "name")
    if len(claims) > 1:
        return SeedChoice(None, "unknown", (f"seed unknown: the files state {stated}",))
    if claims:
        seed = next(iter(claims))
        files = claims[seed]
        source = "notebook" if all(f.endswith(".ipynb") for f in files) else "answer file"
        if class_seed is not None and seed != class_seed:
            for candidate in id_candidates(folder):
                if student_seed(class_seed, candidate) == seed:
                    return SeedChoice(
                        seed,
                        "name",
                        (
                            f"--seed {class_seed} is the class seed: graded with the seed of "
                            f"{candidate!r}, {seed}, as the files state (add --seed-from-name)",
                        ),
                    )
            return SeedChoice(
                seed, source, (f"the files state seed {seed}, not --seed {class_seed}",)
            )
        return SeedChoice(seed, source)
    if class_seed is not None:  # the teacher's word, but nothing confirms it
        return SeedChoice(
            class_seed,
            "--seed",
            (
                f"the files state no seed: graded with --seed {class_seed} as it is (worksheets "
                "give each student a seed of their own: --seeds seeds.csv or --seed-from-name)",
            ),
        )
    return SeedChoice(
        None,
        "unknown",
        ("seed unknown: the files state none; give --seeds seeds.csv or --seed",),
    )


def _stated(claims: Mapping[int, list[str]]) -> str:
    parts = [f"seed {seed} ({', '.join(files[:3])})" for seed, files in sorted(claims.items())]
    return " and ".join(parts) if parts else "no seed"
