"""`nnscalar grade`: check every student's submission, sandboxed and in parallel."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ..errors import ConfigError
from ..exercises import Limits, all_exercises, isolation, seed_of
from ..exercises.grading import Grade, find_submissions, grade_all, write_grades
from ..exercises.junit import write_junit
from ..exercises.sandbox import MAX_TIME, stop_all
from ..exercises.seeds import read_seeds
from ..exercises.variants import read_course_secret
from ._progress import ProgressLines
from ._table import grades_table
from ._track_grading import run_track, wants_track
from .cmd_train import positive
from .cmd_worksheet import add_path_argument, select

EPILOG = """examples:
  nnscalar grade submissions/ --seeds handout/seeds.csv --out grades/
  nnscalar grade submissions/ --seed-from-name --seed 2024 --out grades/
  nnscalar grade --track packages/ --seeds seeds.csv --course-secret course.secret
Each student's seed comes from seeds.csv (folder names matched forgivingly: Alice,
alice_submission), else from --seed and their folder's name (--seed-from-name), else --seed for
everyone, and is checked against the seed their files state ("(seed N)" headers, the notebook's
setup(N)); with none of these the files' own seed is used. Every fallback or disagreement is a
warning (grades.csv columns "seed from" and "warnings"); a submission whose seed cannot be told
is listed as not graded.
submissions/ holds a folder per student (named by their id) with the answer files of their
worksheet (NN-....txt / NN-....py) or their notebook, or <id>.ipynb files. Writes
grades/grades.csv, grades/<folder>/results.json (Gradescope's format) and grades/folders.csv,
readable by you only. Student code runs under bubblewrap (apt-get install bubblewrap): without
it grading refuses unless --no-isolation; in a per-submission container: --isolation container.
Students are graded in --jobs grading processes, one student at a time each; a submission still
running after --submission-time-limit, or whose grading process dies, is stopped with all its
children and listed as not graded, saying why. Progress: a bar on a terminal, else a line
`graded 150/300` on stderr now and then.
--track: each student's build-track package (the folder `nnscalar build start` wrote, one folder
down, or zipped) is checked by `build check`'s hidden checks; grades.csv has a column per task."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `grade` subcommand."""
    parser = subparsers.add_parser(
        "grade",
        help="grade a folder of submissions (CSV, terminal table, Gradescope results.json)",
        description="Check every student's answers in a sandbox, students in parallel.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("submissions", metavar="SUBMISSIONS_DIR")
    parser.add_argument("--seed", default=None, help="the class seed the worksheets used")
    parser.add_argument(
        "--seeds",
        metavar="CSV",
        help="seeds.csv as `nnscalar worksheet` wrote it: each student's seed",
    )
    parser.add_argument(
        "--seed-from-name",
        action="store_true",
        help="each student's seed from the class seed and their folder's name",
    )
    parser.add_argument("--out", default="grades", metavar="DIR", help="where to write (grades)")
    parser.add_argument("--junit", metavar="XML", help="also write JUnit XML here (CodeGrade, CI)")
    parser.add_argument(
        "--exercises",
        default="",
        metavar="LIST",
        help="which exercises to grade, e.g. 1-5,7 (default: all)",
    )
    parser.add_argument(
        "--jobs",
        type=positive(int),
        default=None,
        help="grading processes, students at a time (CPUs)",
    )
    parser.add_argument(
        "--time-limit",
        type=positive(float),
        metavar="SECONDS",
        help="per exercise (default: each exercise's own limit)",
    )
    parser.add_argument(
        "--submission-time-limit",
        type=positive(float),
        metavar="SECONDS",
        help="per student, all exercises together; a submission still running then is stopped "
        "and listed as not graded (default: the exercises' time limits added up, plus 60)",
    )
    parser.add_argument(
        "--memory-mb", type=positive(int), default=512, help="per student process (512)"
    )
    parser.add_argument(
        "--isolation",
        choices=isolation.MODES,
        default="auto",
        help="how student code is isolated: bwrap (bubblewrap), container (the platform's "
        "container is the boundary), none; auto: bwrap when it works (auto)",
    )
    parser.add_argument(
        "--no-isolation",
        action="store_true",
        help="grade even where no isolation exists: student code then runs as you (dangerous)",
    )
    parser.add_argument(
        "--course-secret",
        metavar="FILE",
        help="the course secret file the worksheets were written with (graded variants)",
    )
    parser.add_argument(
        "--track",
        action="store_true",
        help="grade build-track packages (one folder or zip per student; picked by itself when "
        "every submission holds an engine.py)",
    )
    parser.add_argument(
        "--tasks", default="", metavar="LIST", help="with --track: which tasks, e.g. 1-5 (all)"
    )
    add_path_argument(parser)
    parser.set_defaults(run=run)


@contextmanager
def _children_die_with_us() -> Iterator[None]:
    """SIGTERM / SIGINT to the grader kill every sandboxed child, then end the command."""

    def stop(signum: int, frame: object) -> None:
        stop_all()
        raise KeyboardInterrupt

    old = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def _grouped(grades: list[Grade]) -> dict[str, list[str]]:
    """Each distinct warning and the students who have it, in the order they first appear."""
    students: dict[str, list[str]] = {}
    for grade in grades:
        for warning in grade.warnings:
            students.setdefault(warning, []).append(grade.student)
    return students


def run(args: argparse.Namespace) -> int:
    """Grade, write the files and print the table."""
    if wants_track(args):
        with _children_die_with_us():
            return run_track(args)
    exercises = all_exercises(args.path)
    items = [(n, exercises[n - 1]) for n in select(args.exercises, len(exercises))]
    console = Console()
    if args.time_limit is not None and args.time_limit > MAX_TIME:
        raise ConfigError(f"--time-limit {args.time_limit:g} is too long; at most {MAX_TIME:g} s")
    requested = "none" if args.no_isolation and args.isolation == "auto" else args.isolation
    mode = isolation.choose(requested)
    if isolation.warning(mode):
        print(isolation.warning(mode), file=sys.stderr)
    total = len(find_submissions(args.submissions))
    done: list[Grade] = []
    progress_line = ProgressLines(total)
    errors = Console(stderr=True)
    bar = Progress(
        TextColumn("grading"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=errors,
        transient=True,
        disable=not errors.is_terminal or errors.is_dumb_terminal,
    )
    task = bar.add_task("grading", total=total)

    def progress(grade: Grade) -> None:
        done.append(grade)
        bar.advance(task)
        if bar.disable:  # no terminal (CI, a log file): a plain line now and then
            progress_line(len(done))
        if grade.graded:
            return  # the table below has every score, and its warnings
        say = console if bar.disable else bar.console  # above the bar, where there is one
        why = escape(grade.problems(300))  # "not graded: …"
        say.print(
            f"[dim]{len(done)}/{total}[/] {escape(grade.student)}: [red]{why}[/]", highlight=False
        )

    with _children_die_with_us(), bar:
        grades = grade_all(
            args.submissions,
            items,
            None if args.seed is None else seed_of(args.seed),
            args.seed_from_name,
            jobs=args.jobs,
            limits=Limits(time=args.time_limit, memory_mb=args.memory_mb, isolation=mode),
            paths=args.path,
            progress=progress,
            allow_unisolated=args.no_isolation,
            secret=read_course_secret(args.course_secret) if args.course_secret else None,
            seeds=read_seeds(args.seeds) if args.seeds else None,
            submission_time=args.submission_time_limit,
        )
    table_path = write_grades(args.out, grades, items)
    if args.junit:
        write_junit(args.junit, grades, items)
    table = grades_table(f"grades ({len(grades)} students)", [n for n, _ in items], grades)
    console.print(table)
    warned = [g for g in grades if g.warnings and g.graded]
    if warned:
        count = f"{len(warned)} students; also in grades.csv"
        console.print(f"[bold yellow]Seed warnings[/] ({count}):")
        for warning, students in _grouped(warned).items():  # one line per distinct warning
            more = f" and {len(students) - 4} more" if len(students) > 4 else ""
            names = ", ".join(students[:4]) + more
            console.print(escape(f"  {names}: {warning}"), highlight=False)
    troubled = [g for g in grades if g.problems()]
    if troubled:
        console.print(f"[bold]Problems[/] ({len(troubled)} students; also in grades.csv):")
        for grade in troubled:
            line = f"  {grade.student}: {grade.problems(console.width)}"
            console.print(escape(line[: max(20, console.width - 1)]), highlight=False)
    console.print(f"Wrote {table_path} and results.json per student in {args.out}/.")
    return 0
