"""`nnscalar prairielearn`: export the exercises as PrairieLearn questions."""

from __future__ import annotations

import argparse

from rich.console import Console

from ..exercises import all_exercises
from ..exercises.prairielearn import export
from .cmd_worksheet import select

EPILOG = """example:
  nnscalar prairielearn export --out questions/
writes questions/NN-id/ (info.json, question.html, server.py) per numbers exercise: copy them
into your course's questions/ folder; the course image needs nnscalar (pip install nnscalar).
Each variant's numbers come from PrairieLearn's variant seed; grading gives a partial score per
part with the checker's diagnosis as feedback."""


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
    run.set_defaults(run=_export)


def _export(args: argparse.Namespace) -> int:
    numbers = select(args.exercises, len(all_exercises()))
    folders = export(args.out, numbers, args.topic)
    Console().print(f"Wrote {len(folders)} questions in {args.out}/ (code exercises left out).")
    return 0
