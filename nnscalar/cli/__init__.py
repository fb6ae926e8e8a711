"""The `nnscalar` command: argument parsing and printing only; the work is in the library.

Each subcommand lives in its own module here (`cmd_train.py`, `cmd_draw.py`, ...) with a
`register(subparsers)` function that adds its parser and sets `run=` to a function of the
parsed arguments returning the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from .. import __version__
from ..core import engine_info
from ..errors import NNScalarError


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand found in this package."""
    parser = argparse.ArgumentParser(
        prog="nnscalar",
        description="A scalar autograd engine for learning and teaching backpropagation.",
    )
    info = engine_info()
    what = "compiled core" if info["core"] == "compiled" else "readable engine"
    version = f"nnscalar {__version__}, {what} ({info['reason']})"
    parser.add_argument("--version", action="version", version=version)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("cmd_"):
            module = importlib.import_module(f"{__name__}.{info.name}")
            module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 a project error, 2 bad usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return args.run(args)
    except NNScalarError as exc:
        print(f"nnscalar {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a file that cannot be read or written: say which, no traceback
        where = f" {exc.filename!r}" if exc.filename else ""
        print(f"nnscalar {args.command}: error:{where}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"nnscalar {args.command}: interrupted", file=sys.stderr)
        return 130
