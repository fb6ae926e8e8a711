"""`nnscalar build`: the build-your-own-engine track (start a package, check it task by task)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from ..exercises import seed_of
from ..render import draw
from ..track import TASKS, check, start
from ..track.submission import stated_seed

EPILOG = """examples:
  nnscalar build start --out mygrad/            the skeleton: TODOs, tests/, README.md
  python -m pytest mygrad/tests                 the visible tests
  nnscalar build check mygrad/                  the hidden checks, task by task, in the sandbox
  nnscalar build check --task 3 mygrad/         one task
  nnscalar build start --out key/ --solution    the model solution (teachers)
Exit status of check: 0 when every task checked passed, 1 otherwise."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `build` subcommand."""
    parser = subparsers.add_parser(
        "build",
        help="build your own engine: a graded track (Value, backward, ...)",
        description="Write a scalar autograd engine yourself, task by task; nnscalar checks each "
        "task on random graphs against its own engine and names the mistake.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    begin = actions.add_parser("start", help="write the skeleton package (or --solution)")
    begin.add_argument("--out", required=True, metavar="DIR", help="a new folder to write")
    begin.add_argument("--solution", action="store_true", help="write the model solution")
    begin.add_argument("--seed", default="1", help="the student's seed (a number or any text)")
    begin.set_defaults(run=run_start)
    grade = actions.add_parser("check", help="run the hidden checks on a package")
    grade.add_argument("package", metavar="DIR", help="the package folder `start` wrote")
    grade.add_argument(
        "--task", type=int, action="append", default=[], metavar="N", help="only task N"
    )
    grade.add_argument(
        "--seed",
        default=None,
        help="the student's seed (default: the one the package's README.md states, else 1)",
    )
    grade.add_argument(
        "--graphs",
        metavar="DIR",
        help="for each failed task, draw the failing expression as your engine built it and as "
        "nnscalar does (DIR/task4-yours.svg, DIR/task4-nnscalar.svg)",
    )
    grade.add_argument(
        "--isolation", default="auto", choices=("auto", "bwrap", "container", "none")
    )
    grade.set_defaults(run=run_check)


def run_start(args: argparse.Namespace) -> int:
    """Write the package and say what to do next."""
    written = start(args.out, seed_of(args.seed), args.solution)
    what = "model solution" if args.solution else "skeleton"
    print(f"Wrote the {what} ({len(written)} files) in {args.out}; read {args.out}/README.md.")
    return 0


def run_check(args: argparse.Namespace) -> int:
    """Check the package; print each task's result; 0 only when all passed."""
    console = Console(highlight=False)
    seed = seed_of(args.seed) if args.seed is not None else _stated_seed(args.package, console)
    results = check(args.package, args.task, seed, args.isolation)
    for result in results:
        color = "green" if result.passed else "red"
        mark = "passed" if result.passed else "FAILED"
        console.print(f"[{color}]task {result.number:2d} {mark}[/] {escape(result.title)}")
        for line in result.diagnosis:
            console.print("    " + escape(line), soft_wrap=False)
        if args.graphs and result.graphs:
            yours, reference = result.graphs
            folder = Path(args.graphs)
            folder.mkdir(parents=True, exist_ok=True)
            for name, root in (("yours", yours), ("nnscalar", reference)):
                path = draw(root).save(folder / f"task{result.number}-{name}.svg")
                console.print(f"    {name}: {escape(str(path))}")
    passed = sum(r.passed for r in results)
    console.print(f"{passed}/{len(results)} tasks passed (of {len(TASKS)} in the track).")
    return 0 if passed == len(results) else 1


def _stated_seed(package: str, console: Console) -> int:
    """The seed the package's README states (said aloud), else 1."""
    readme = Path(package) / "README.md"
    try:
        stated = stated_seed(readme.read_text(encoding="utf-8")[:4000])
    except (OSError, UnicodeDecodeError):
        stated = None
    if stated is None:
        console.print("[dim]seed 1 (no --seed, and no README.md stating one)[/]")
        return 1
    console.print(f"[dim]seed {stated}, as {escape(str(readme))} states[/]")
    return stated
