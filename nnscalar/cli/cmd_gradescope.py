"""`nnscalar gradescope`: build the autograder bundle, and run it inside Gradescope."""

from __future__ import annotations

import argparse

from rich.console import Console

from ..errors import ConfigError
from ..exercises import all_exercises, seed_of
from ..exercises.gradescope import IDENTITIES, VISIBILITIES, build_bundle, run_autograder
from ..exercises.variants import read_course_secret
from ..track.tasks import TASKS
from ._track_grading import tasks_option
from .cmd_worksheet import select

EPILOG = """examples:
  nnscalar gradescope build --seed 2024 --out autograder.zip
  nnscalar gradescope build --seed 2024 --seeds handout/seeds.csv --course-secret course.secret \\
      --hidden 13 --after-due-date 11,12 --out autograder.zip
Upload autograder.zip as a Gradescope "zip file upload" autograder. Students hand in the answer
files of their worksheet (NN-....txt / .py) or its notebook; each one's seed is derived as the
worksheets did (class seed and id, checked against seeds.csv and the files' (seed N) lines).
  nnscalar gradescope build --track --seed 2024 --course-secret course.secret --out autograder.zip
grades the build track instead: students hand in their package (the folder `nnscalar build start`
wrote, its files, or a zip of it); one test per task, the diagnosis as its output."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `gradescope` subcommand."""
    parser = subparsers.add_parser(
        "gradescope",
        help="Gradescope autograder: build the bundle, run it in the container",
        description="Gradescope: a zip to upload as the autograder, and its runner.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    build = actions.add_parser("build", help="write autograder.zip")
    build.add_argument("--seed", required=True, help="the class seed the worksheets used")
    build.add_argument("--out", default="autograder.zip", metavar="ZIP")
    build.add_argument("--exercises", default="", metavar="LIST", help="e.g. 1-5,7 (all)")
    build.add_argument("--seeds", metavar="CSV", help="seeds.csv from `nnscalar worksheet`")
    build.add_argument(
        "--course-secret", metavar="FILE", help="the course secret (graded variants)"
    )
    build.add_argument(
        "--student-id",
        choices=IDENTITIES,
        default="email-user",
        help="which field of Gradescope's user is the id the worksheets used (email-user: the "
        "part of the e-mail before @)",
    )
    build.add_argument("--hidden", default="", metavar="LIST", help="exercises graded hidden")
    build.add_argument(
        "--after-due-date", default="", metavar="LIST", help="exercises shown after the due date"
    )
    build.add_argument(
        "--package", default=None, help="what setup.sh installs (default: this nnscalar version)"
    )
    build.add_argument("--wheel", metavar="WHL", help="bundle this nnscalar wheel and install it")
    build.add_argument(
        "--track",
        action="store_true",
        help="grade build-track packages (one test per task) instead of worksheet answers",
    )
    build.add_argument("--tasks", default="", metavar="LIST", help="with --track: e.g. 1-5 (all)")
    build.set_defaults(run=_build)
    run = actions.add_parser("run", help="grade /autograder/submission (inside Gradescope)")
    run.add_argument("--root", default="/autograder", help="Gradescope's folder (/autograder)")
    run.set_defaults(run=_run)


def _build(args: argparse.Namespace) -> int:
    if args.track and args.exercises.strip():
        raise ConfigError("--exercises is for worksheet answers; with --track give --tasks")
    count = len(TASKS) if args.track else len(all_exercises())
    numbers = tasks_option(args.tasks) if args.track else select(args.exercises, count)
    visibility: dict[int, str] = {}
    for option, shown in ((args.hidden, "hidden"), (args.after_due_date, "after_due_date")):
        for number in select(option, count) if option.strip() else []:
            if number not in numbers:
                what = "task" if args.track else "exercise"
                given = "--tasks" if args.track else "--exercises"
                raise ConfigError(f"{what} {number} is not in {given}")
            visibility[number] = shown
    assert set(visibility.values()) <= set(VISIBILITIES)
    extra = {"package": args.package} if args.package else {}
    path = build_bundle(
        args.out,
        seed_of(args.seed),
        [] if args.track else numbers,
        identity=args.student_id,
        visibility=visibility,
        seeds_csv=args.seeds,
        secret=read_course_secret(args.course_secret) if args.course_secret else None,
        wheel=args.wheel,
        track=numbers if args.track else (),
        **extra,
    )
    Console().print(f"Wrote {path}: upload it as the assignment's autograder.")
    return 0


def _run(args: argparse.Namespace) -> int:
    results = run_autograder(args.root)
    print(f"score {results['score']}: {args.root}/results/results.json")
    return 0
