"""`nnscalar worksheet`: per-student worksheets, notebooks and answer keys."""

from __future__ import annotations

import argparse

from rich.console import Console

from ..errors import ConfigError
from ..exercises import all_exercises, seed_of
from ..exercises.variants import read_course_secret
from ..exercises.worksheet import read_students, write_worksheets

EPILOG = """example:
  nnscalar worksheet --seed 2024 --students ids.txt --out handout/
writes handout/students/<id>/ (worksheet.html, worksheet.md, worksheet.ipynb, answers/ to fill
in), handout/keys/<id>/ (answer key, filled notebook, reference answers) and handout/seeds.csv,
all readable by you only. Graded variants: add --course-secret course.secret (kept by you, given
again to `nnscalar grade`); without it the public package and a seed give the answers."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `worksheet` subcommand."""
    parser = subparsers.add_parser(
        "worksheet",
        help="write per-student worksheets, notebooks and answer keys",
        description="Write each student's exercises (their numbers come from the class seed and "
        "their id) as HTML, Markdown and a Jupyter notebook, and a separate answer key.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--seed", required=True, help="the class seed (a number or any text)")
    parser.add_argument("--students", required=True, metavar="FILE", help="student ids, one a line")
    parser.add_argument("--out", required=True, metavar="DIR", help="where to write")
    parser.add_argument(
        "--exercises", default="", metavar="LIST", help="which exercises, e.g. 1-5,7 (default: all)"
    )
    parser.add_argument(
        "--course-secret",
        metavar="FILE",
        help="graded variants: mix in the secret kept in FILE (made, private, when missing); "
        "give the same FILE to `nnscalar grade`",
    )
    add_path_argument(parser)
    parser.set_defaults(run=run)


def add_path_argument(parser: argparse.ArgumentParser) -> None:
    """`--path DIR` (repeatable): the teacher's exercise folders, loaded after the built-in set."""
    parser.add_argument(
        "--path",
        action="append",
        default=[],
        metavar="DIR",
        help="also use the teacher's exercises from the .py files in DIR",
    )


def select(text: str, count: int) -> list[int]:
    """`"1-3,7"` as [1, 2, 3, 7]; empty text is every exercise 1..count."""
    if not text.strip():
        return list(range(1, count + 1))
    chosen: list[int] = []
    for part in text.split(","):
        low, dash, high = part.strip().partition("-")
        if not (
            low.isascii() and high.isascii() and low.isdigit() and (not dash or high.isdigit())
        ):
            raise ConfigError(f"--exercises: {part.strip()!r} is not a number or a range like 2-5")
        first, last = int(low), int(high) if dash else int(low)
        if not 1 <= first <= last <= count:
            raise ConfigError(f"--exercises: {part.strip()!r} is outside 1-{count}")
        chosen.extend(n for n in range(first, last + 1) if n not in chosen)
    return chosen


def run(args: argparse.Namespace) -> int:
    """Write the worksheets and print where they are."""
    exercises = all_exercises(args.path)
    items = [(n, exercises[n - 1]) for n in select(args.exercises, len(exercises))]
    students = read_students(args.students)
    secret = read_course_secret(args.course_secret, create=True) if args.course_secret else None
    seeds = write_worksheets(args.out, seed_of(args.seed), students, items, args.path, secret)
    Console().print(
        f"Wrote worksheets for {len(seeds)} students ({len(items)} exercises) in "
        f"{args.out}/students, answer keys in {args.out}/keys, seeds in "
        f"{args.out}/seeds.csv."
    )
    return 0
