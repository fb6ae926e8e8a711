"""`nnscalar prairielearn`: export the exercises as PrairieLearn questions."""

from __future__ import annotations

import argparse

from rich.console import Console

from ..errors import ConfigError
from ..exercises import all_exercises
from ..exercises.prairielearn import export
from ..exercises.variants import read_course_secret
from ..track.prairielearn import export_track, grade_job
from ._track_grading import tasks_option
from .cmd_worksheet import select

EPILOG = """example:
  nnscalar prairielearn export --out questions/
writes questions/NN-id/ (info.json, question.html, server.py) per numbers exercise: copy them
into your course's questions/ folder; the course image needs nnscalar (pip install nnscalar).
Each variant's numbers come from PrairieLearn's variant seed; grading gives a partial score per
part with the checker's diagnosis as feedback.
  nnscalar prairielearn export --track --out questions/ --image my/grader-with-nnscalar
writes questions/build-track/: an externally graded question (file upload of the package; the
grader runs `nnscalar prairielearn grade` in the image, one test per task)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `prairielearn` subcommand."""
    parser = subparsers.add_parser(
        "prairielearn",
        help="export the exercises as PrairieLearn questions",
        description="PrairieLearn questions whose server.py calls nnscalar.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    run = actions.add_parser("export", help="write one question folder per exercise")
    run.add_argument("--out", default="questions", metavar="DIR")
    run.add_argument("--exercises", default="", metavar="LIST", help="e.g. 1-5,7 (all)")
    run.add_argument("--topic", default="Backpropagation", help="info.json's topic")
    run.add_argument(
        "--track",
        action="store_true",
        help="export the build track as one externally graded question instead",
    )
    run.add_argument("--tasks", default="", metavar="LIST", help="with --track: e.g. 1-5 (all)")
    run.add_argument(
        "--image",
        default="prairielearn/grader-python",
        help="with --track: the grading image; it needs nnscalar installed",
    )
    run.add_argument(
        "--timeout", type=int, default=120, help="with --track: seconds per grading job (120)"
    )
    run.add_argument(
        "--course-secret", metavar="FILE", help="with --track: key the graded variants"
    )
    run.set_defaults(run=_export)
    grade = actions.add_parser(
        "grade", help="grade the build track's job in /grade (inside the grading container)"
    )
    grade.add_argument("--root", default="/grade", help="PrairieLearn's job folder (/grade)")
    grade.set_defaults(run=_grade)


def _export(args: argparse.Namespace) -> int:
    if args.track:
        return _export_track(args)
    numbers = select(args.exercises, len(all_exercises()))
    folders = export(args.out, numbers, args.topic)
    Console().print(f"Wrote {len(folders)} questions in {args.out}/ (code exercises left out).")
    return 0


def _export_track(args: argparse.Namespace) -> int:
    if args.exercises.strip():
        raise ConfigError("--exercises is for the exercises; with --track give --tasks")
    secret = read_course_secret(args.course_secret) if args.course_secret else None
    folder = export_track(
        args.out, tasks_option(args.tasks), args.image, args.timeout, secret, args.topic
    )
    Console().print(
        f"Wrote {folder}/ (info.json, question.html, server.py, tests/): copy it into your "
        f"course's questions/; the image {args.image!r} must have nnscalar installed."
    )
    return 0


def _grade(args: argparse.Namespace) -> int:
    results = grade_job(args.root)
    score = results.get("score", 0.0) if results.get("gradable", True) else "not gradable"
    print(f"score {score}: {args.root}/results/results.json")
    return 0
