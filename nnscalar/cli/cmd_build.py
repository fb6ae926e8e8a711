"""`nnscalar build`: the build-your-own-engine track (start a package, check it task by task)."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ..errors import ConfigError
from ..exercises import seed_of
from ..explain import number
from ..expr import parse_assignments
from ..render import draw
from ..track import TASKS, check, start
from ..track.graph import StudentGraph, compare, student_graph, wrong_local
from ..track.submission import stated_seed
from ._arguments import add_expression_arguments

EPILOG = """examples:
  nnscalar build start --out mygrad/            the skeleton: TODOs, tests/, README.md
  python -m pytest mygrad/tests                 the visible tests
  nnscalar build check mygrad/                  the hidden checks, task by task, in the sandbox
  nnscalar build check --task 3 mygrad/         one task
  nnscalar build start --out key/ --solution    the model solution (teachers)
  nnscalar build step mygrad/ "a*b + a" --set a=2,b=-3      backward() on your engine's graph
  nnscalar build draw mygrad/ "a*b + a" --set a=2,b=-3 -o g.svg
  nnscalar build step micrograd "a*b + a" --set a=2,b=-3    an installed package (micrograd)
Exit status of check: 0 when every task checked passed, 1 otherwise. step and draw build the
expression with the package's engine.Value in the sandbox; step ends with your backward()'s
gradients beside the chain rule's and nnscalar's (exit status 1 when they disagree)."""


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
    walk = actions.add_parser(
        "step", help="step through backward() on the graph your engine builds for an expression"
    )
    _graph_arguments(walk)
    mode = walk.add_mutually_exclusive_group()
    mode.add_argument("--all", action="store_true", help="print every step at once")
    mode.add_argument("--html", metavar="PATH", help="write the interactive step page to PATH")
    walk.set_defaults(run=run_step)
    picture = actions.add_parser("draw", help="draw the graph your engine builds for an expression")
    _graph_arguments(picture)
    picture.add_argument(
        "-o", "--output", metavar="PATH", help="write .svg, .png, .pdf or .dot (default: DOT text)"
    )
    picture.set_defaults(run=run_draw)


def _indented(console: Console, line: str, style: str) -> None:
    """`line` wrapped to the terminal, every piece indented by four spaces."""
    width = max(20, console.width - 4)
    for piece in textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False):
        console.print(Text("    " + piece, style=style), soft_wrap=True)


def _graph_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "package",
        metavar="DIR",
        help="your package folder (as `start` wrote it), or an installed package's name",
    )
    add_expression_arguments(parser)
    parser.add_argument(
        "--isolation", default="auto", choices=("auto", "bwrap", "container", "none")
    )


def run_start(args: argparse.Namespace) -> int:
    """Write the package and say what to do next."""
    written = start(args.out, seed_of(args.seed), args.solution)
    what = "model solution" if args.solution else "skeleton"
    readme = Path(args.out) / "README.md"  # mygrad/ and mygrad both give mygrad/README.md
    print(f"Wrote the {what} ({len(written)} files) in {args.out}; read {readme}.")
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
            _indented(console, line, "")
        for line in result.notes:
            _indented(console, line, "dim")
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


def _student_graph(args: argparse.Namespace) -> StudentGraph:
    if args.expression is None:
        raise ConfigError('give an expression to build, e.g. "a*b + a" --set a=2,b=-3')
    values = parse_assignments(args.values) if args.values.strip() else {}
    return student_graph(args.package, args.expression, values, args.isolation)


def run_step(args: argparse.Namespace) -> int:
    """Step through backward() on the student's graph; then their grads beside the chain rule's
    and nnscalar's. 1 when they disagree."""
    graph = _student_graph(args)
    title = f"{args.expression} in your engine ({args.package})"
    if args.html is not None:
        from ..page import StepPage

        print(f"wrote {StepPage(graph.root, title=title).save(args.html)}")
        return 0
    from ..walkthrough import Walkthrough

    console = Console(highlight=False)
    walkthrough = Walkthrough(graph.root, console=console, title=title)
    if args.all or not sys.stdout.isatty():
        walkthrough.show_all()
    elif walkthrough.browse() < len(walkthrough.steps):
        return 0  # stopped early: the comparison would be half read
    return _verdict(console, graph)


def _verdict(console: Console, graph: StudentGraph) -> int:
    """The student's gradients beside the chain rule's and nnscalar's; 1 when any disagrees."""
    rows = compare(graph)
    table = Table(title=Text("Your backward() beside the chain rule and nnscalar"))
    table.title_justify = "left"
    for column in ("node", "your backward()", "chain rule", "nnscalar", ""):
        table.add_column(column, justify="left" if column == "node" else "right")
    for row in rows:
        wrong = row.backward_wrong or row.local_wrong
        table.add_row(
            row.name,
            number(row.yours),
            number(row.chain),
            "" if row.nnscalar is None else number(row.nnscalar),
            "✗" if wrong else "✓",
            style="bold red" if wrong else "",
        )
    console.print(table)
    if graph.backward_error:
        console.print(
            Text(
                f"Your backward() raised {graph.backward_error}; the steps above are the chain "
                "rule on your graph's local derivatives: what backward() must do."
            )
        )
        return 1
    first = next((r for r in rows if r.backward_wrong), None)
    if first is not None:
        console.print(
            Text(
                f"✗ Your backward() left {first.name}.grad = {number(first.yours)}, but the chain "
                f"rule on your own graph gives {number(first.chain)}: look at how backward() "
                "passes each share on (+=, the order, resetting)."
            )
        )
        return 1
    local = next((r for r in rows if r.local_wrong), None)
    if local is not None:
        where = wrong_local(graph) or "find the step above whose number does not match its formula"
        console.print(
            Text(
                f"✗ {local.name}.grad is {number(local.chain)}; nnscalar gives "
                f"{number(local.nnscalar or 0.0)}: a local derivative is wrong. {where}."
            )
        )
        return 1
    console.print(Text("✓ Your backward() agrees with the chain rule and with nnscalar."))
    return 0


def run_draw(args: argparse.Namespace) -> int:
    """Draw the student's graph: DOT text, or the file -o names."""
    drawing = draw(_student_graph(args).root)
    if args.output is None:
        sys.stdout.write(drawing.dot)
    else:
        print(f"wrote {drawing.save(args.output)}")
    return 0
