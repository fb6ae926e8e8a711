"""`nnscalar grade --track`: grade a folder of build-track packages (printing only; the work is in
`nnscalar.track.grading`)."""

from __future__ import annotations

import argparse
import sys

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ..errors import ConfigError
from ..exercises import Limits, isolation, seed_of
from ..exercises.seeds import read_seeds
from ..exercises.variants import read_course_secret
from ..track.grading import (
    TrackGrade,
    find_hand_ins,
    grade_track,
    looks_like_track,
    write_track_grades,
    write_track_junit,
)
from ..track.tasks import TASKS
from ._progress import ProgressLines
from ._table import grades_table
from .cmd_worksheet import select


def tasks_option(text: str) -> list[int]:
    """`--tasks 1-5,8` as [1, 2, 3, 4, 5, 8] (empty: every task)."""
    try:
        return select(text, len(TASKS))
    except ConfigError as exc:
        raise ConfigError(str(exc).replace("--exercises", "--tasks")) from None


def wants_track(args: argparse.Namespace) -> bool:
    """True for `--track`, or when every submission holds a track package (engine.py) and
    `--exercises` was not given; the choice made without `--track` is printed."""
    if args.track:
        return True
    if args.exercises.strip():
        return False
    packages, total = looks_like_track(args.submissions)
    if total and packages == total:
        print(
            f"note: every submission ({total}) holds a build-track package (engine.py): grading "
            "the build track, as with --track (worksheet answers: give --exercises)",
            file=sys.stderr,
        )
        return True
    if packages:
        print(
            f"note: {packages} of {total} submissions hold a build-track package (engine.py) "
            "but not all: grading worksheet answers; give --track to grade the packages",
            file=sys.stderr,
        )
    return False


def run_track(args: argparse.Namespace) -> int:
    """Grade every package, write grades.csv and the per-student results, print the table."""
    if args.exercises.strip():
        raise ConfigError("--exercises is for worksheet answers; with --track give --tasks")
    numbers = tasks_option(args.tasks)
    requested = "none" if args.no_isolation and args.isolation == "auto" else args.isolation
    mode = isolation.choose(requested)
    if isolation.warning(mode):
        print(isolation.warning(mode), file=sys.stderr)
    console = Console()
    bar = Progress(
        TextColumn("grading"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    total = len(find_hand_ins(args.submissions))
    task = bar.add_task("grading", total=total)
    lines, count = ProgressLines(total), [0]

    def progress(grade: TrackGrade) -> None:
        bar.advance(task)
        count[0] += 1
        if bar.disable:  # no terminal (CI, a log file): a plain line now and then
            lines(count[0])
        if grade.warnings or not grade.graded:
            score = f"{grade.total:g}" if grade.graded else "[red]not graded[/]"
            bar.console.print(f"{escape(grade.student)}: {score}", highlight=False)
            for warning in grade.warnings:
                bar.console.print(f"  [yellow]warning:[/] {escape(warning)}", highlight=False)

    with bar:
        grades = grade_track(
            args.submissions,
            numbers,
            None if args.seed is None else seed_of(args.seed),
            args.seed_from_name,
            jobs=args.jobs,
            limits=Limits(time=args.time_limit, memory_mb=args.memory_mb, isolation=mode),
            progress=progress,
            allow_unisolated=args.no_isolation,
            secret=read_course_secret(args.course_secret) if args.course_secret else None,
            seeds=read_seeds(args.seeds) if args.seeds else None,
            submission_time=args.submission_time_limit,
        )
    path = write_track_grades(args.out, grades)
    if args.junit:
        write_track_junit(args.junit, grades)
    table = grades_table(f"build track ({len(grades)} students)", numbers, grades)
    console.print(table)
    failing = [g for g in grades if g.diagnosis()]
    if failing:
        console.print(f"[bold]Diagnoses[/] ({len(failing)} students; also in grades.csv):")
        for grade in failing:
            line = f"  {grade.student}: {grade.diagnosis(console.width)}"
            console.print(escape(line[: max(20, console.width - 1)]), highlight=False)
    console.print(f"Wrote {path}, results.json and report.txt per student in {args.out}/.")
    return 0
