"""`nnscalar exercises`: list, show, hint and check the classroom exercises."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.markdown import Markdown
from rich.markup import escape
from rich.table import Table

from ..errors import ConfigError
from ..exercises import Limits, all_exercises, check_files, find, isolation, seed_of
from ..exercises.model import Exercise
from ..exercises.seeds import seed_in_text
from ..render import draw
from .cmd_train import positive
from .cmd_worksheet import add_path_argument

EPILOG = """examples:
  nnscalar exercises list
  nnscalar exercises show 4 --seed 649198393 --svg graph.svg
  nnscalar exercises hint 4 --level 2
  nnscalar exercises check 4 answers/04-expression-gradients.txt
  nnscalar exercises check 6 my_op.py --seed 649198393
  nnscalar exercises list --path my_exercises/
The seed is read from the answers file's first line `# 4. ... (seed 649198393)` unless --seed
is given. An answers file has one `name = number` line per asked value; code exercises take a
.py file, run in a sandbox (bubblewrap where installed: read-only system, private scratch folder, no
network; time and memory limits)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `exercises` subcommand and its actions."""
    parser = subparsers.add_parser(
        "exercises",
        help="classroom exercises: list, show, hint, check",
        description="Progressive exercises on backpropagation, with per-student numbers (a seed) "
        "and a checker that says what is wrong.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    common = argparse.ArgumentParser(add_help=False)
    add_path_argument(common)
    listing = actions.add_parser("list", parents=[common], help="list the exercises")
    listing.set_defaults(run=_list)
    show = actions.add_parser("show", parents=[common], help="show an exercise's statement")
    show.add_argument("number", help="the exercise's number or id")
    show.add_argument("--seed", default="0", help="your seed (a number, or your student id)")
    show.add_argument("--svg", metavar="PATH", help="save the exercise's graph picture here")
    show.set_defaults(run=_show)
    hint = actions.add_parser("hint", parents=[common], help="reveal hints one at a time")
    hint.add_argument("number", help="the exercise's number or id")
    hint.add_argument("--level", type=int, default=1, help="how many hints to reveal (1)")
    hint.set_defaults(run=_hint)
    check = actions.add_parser("check", parents=[common], help="check an answer file")
    check.add_argument("number", help="the exercise's number or id")
    check.add_argument("file", help="an answers file (name = number lines) or a .py file")
    check.add_argument(
        "--seed",
        default=None,
        help="your seed (a number, or your student id); default: the file's `(seed N)` line",
    )
    check.add_argument(
        "--time-limit",
        type=positive(float),
        metavar="SECONDS",
        help="stop the code after this long (default: the exercise's limit)",
    )
    check.set_defaults(run=_check)


def _stated_seed(path: Path) -> int | None:
    """The seed an answers file states on its first lines (None when none, or unreadable)."""
    try:
        with path.open(encoding="utf-8-sig", errors="replace") as f:
            return seed_in_text(f.read(4096))
    except OSError:
        return None


def _exercise(args: argparse.Namespace) -> tuple[int, Exercise]:
    return find(args.number, all_exercises(args.path))


def _list(args: argparse.Namespace) -> int:
    table = Table(title="nnscalar exercises")
    for name in ("#", "id", "title", "concept", "answer"):
        table.add_column(name, justify="right" if name == "#" else "left")
    for number, exercise in enumerate(all_exercises(args.path), start=1):
        answer = ".py file" if exercise.kind == "code" else "numbers"
        table.add_row(str(number), exercise.id, exercise.title, exercise.concept, answer)
    Console().print(table)
    return 0


def _show(args: argparse.Namespace) -> int:
    number, exercise = _exercise(args)
    seed = seed_of(args.seed)
    console = Console()
    console.rule(f"{number}. {exercise.title}  (seed {seed})")
    console.print(Markdown(exercise.stated(seed)))
    if exercise.graph is not None:
        if args.svg:
            draw(exercise.graph(seed), show_grad=False).save(args.svg)
            console.print(f"The computation graph is in {args.svg}.")
        else:
            console.print("This exercise has a picture of its graph: add --svg graph.svg.")
    elif args.svg:
        raise ConfigError(f"exercise {number} has no graph picture")
    console.print(f"{len(exercise.hints)} hints: nnscalar exercises hint {number} --level 1")
    return 0


def _hint(args: argparse.Namespace) -> int:
    number, exercise = _exercise(args)
    if args.level < 1:
        raise ConfigError(f"--level counts hints from 1, got {args.level}")
    console = Console()
    for level, text in enumerate(exercise.hints[: args.level], start=1):
        console.print(f"[bold]Hint {level}/{len(exercise.hints)}:[/] {escape(text)}")
    if args.level < len(exercise.hints):
        console.print(f"[dim]Next: nnscalar exercises hint {number} --level {args.level + 1}[/]")
    elif args.level > len(exercise.hints):
        console.print(f"[dim]That was every hint ({len(exercise.hints)}).[/]")
    return 0


def _check(args: argparse.Namespace) -> int:
    number, exercise = _exercise(args)
    path = Path(args.file)
    if not path.is_file():
        raise ConfigError(f"{path}: no such file")
    limits = Limits(time=args.time_limit)
    if path.suffix == ".py" and isolation.warning(isolation.choose(limits.isolation)):
        print(isolation.warning(isolation.choose(limits.isolation)), file=sys.stderr)
    stated = _stated_seed(path)
    console = Console()
    if args.seed is None:
        if stated is None:
            raise ConfigError(
                f"{path}: no seed: the file has no `(seed N)` line at its top; give --seed N "
                "(your worksheet shows it)"
            )
        seed = stated
    else:
        seed = seed_of(args.seed)
        if stated is not None and stated != seed:
            console.print(
                f"[yellow]warning:[/] {escape(str(path))} says seed {stated}; checked with "
                f"--seed {seed} as you asked",
                highlight=False,
            )
    result = check_files([(exercise, path, seed)], limits, args.path)[0]
    console.rule(f"{number}. {exercise.title}  (seed {seed})")
    console.print(result)
    return 0 if result.passed else 1
