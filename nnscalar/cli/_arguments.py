"""Arguments that several subcommands share."""

from __future__ import annotations

import argparse


def add_expression_arguments(parser: argparse.ArgumentParser) -> None:
    """A typed expression and `--set NAME=NUMBER,...` for its names (`draw`, `step`)."""
    parser.add_argument("expression", nargs="?", help='a typed expression, e.g. "tanh(x*w + b)"')
    parser.add_argument(
        "--set",
        dest="values",
        default="",
        metavar="NAME=NUMBER,...",
        help="values of the expression's names, e.g. x1=2,w1=-3",
    )
