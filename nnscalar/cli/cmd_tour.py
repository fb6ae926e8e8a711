"""`nnscalar tour`: every concept of the cheat-sheet as live nnscalar, in the terminal or a page."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.text import Text

from ..files import write_atomic
from ..tour import SECTIONS, find_section, run_section
from ..tour.sections import CLOSING

EPILOG = """examples:
  nnscalar tour                      page through the sections (Enter next, p previous, q quit)
  nnscalar tour --section bias       one section, by number or name
  nnscalar tour --all --out pics     print everything, save the pictures into pics/
  nnscalar tour --html tour.html     one self-contained page with code, output and pictures
Sections: """ + ", ".join(f"{s.number} {s.name}" for s in SECTIONS)

_PIPE_WIDTH = 104


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `tour` subcommand."""
    parser = subparsers.add_parser(
        "tour",
        help="the concepts tour: each concept as nnscalar code that runs, its output and pictures",
        description="Walk through the concepts (neural network, neuron, synapse, weights, bias, "
        "layers, weighted input, activation and loss functions, optimizers, gradient "
        "accumulation), each shown by nnscalar code that runs.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--section", metavar="N|NAME", help="show only this section")
    parser.add_argument(
        "--all",
        action="store_true",
        help="print every section without paging (the default when not a terminal)",
    )
    parser.add_argument(
        "--out", metavar="DIR", help="save the pictures into DIR, print their paths"
    )
    parser.add_argument("--html", metavar="FILE", help="write the whole tour as one HTML page")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Show, page or write the tour as the arguments ask; returns the exit code."""
    # Pictures need matplotlib: imported here so other commands start fast.
    from ..tour.page import build_page
    from ..tour.pager import page, save_pictures, show_section

    sections = [find_section(SECTIONS, args.section)] if args.section else list(SECTIONS)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    # Piped output is as wide as the code, so snippets print unwrapped.
    console = Console() if interactive else Console(width=_PIPE_WIDTH)
    if args.html:
        results = [run_section(s) for s in sections]
        path = Path(args.html)
        write_atomic(path, build_page(results))
        for result in results:
            for saved in save_pictures(result, args.out) if args.out else []:
                print(saved)
        print(f"wrote {path} ({len(results)} sections)")
        return 0
    if interactive and not args.all and len(sections) > 1:
        page(sections, console, out=args.out)
        return 0
    for section in sections:
        result = run_section(section)
        paths = save_pictures(result, args.out) if args.out else []
        show_section(console, result, len(SECTIONS), paths)
    if len(sections) > 1:
        console.print(Text(CLOSING, style="bold"))
    return 0
