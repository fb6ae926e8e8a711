"""`nnscalar train`: the main job — train an MLP on a toy data set or a CSV, show and save it.

The job itself is `nnscalar.pipeline`; this module turns the options into a `TrainConfig` and
prints what the run gives."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any

from ..losses import LOSSES
from ..optim import OPTIMIZERS
from ..pipeline import DATASETS, SCHEDULES, TrainConfig, prepare

EPILOG = """examples:
  nnscalar train                                   # moons, 2 → 16 → 16 → 1, hinge, Adam
  nnscalar train --data circles --hidden 8 --activation tanh --loss bce
  nnscalar train --data blobs --loss ce --optimizer sgd --lr 0.1 --epochs 20
  nnscalar train --batch-size 64 --accumulation-steps 4  # same updates, a quarter of the memory
  nnscalar train --data csv:iris.csv --target species --loss ce --out out/iris
Pictures, the model (model.json) and the history (history.json) go into --out."""


def _data_spec(text: str) -> str:
    if text in DATASETS or (text.startswith("csv:") and len(text) > 4):
        return text
    raise argparse.ArgumentTypeError(
        f"unknown data set {text!r}; valid: {', '.join(DATASETS)} or csv:PATH"
    )


def _hidden(text: str) -> list[int]:
    if text.strip() in ("", "0", "none"):
        return []
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(
            f"bad hidden layer sizes {text!r}; give positive ints separated by commas, e.g. 16,16 "
            "(or 0 for none)"
        )
    return sizes


def positive(kind: type) -> Callable[[str], Any]:
    """An argparse type: a `kind` (int or float) above 0, else a clear usage error."""

    def parse(text: str) -> object:
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not value > 0 or not math.isfinite(value):
            what = "an int" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"{text!r} is not valid; valid: {what} > 0")
        return value

    parse.__name__ = kind.__name__
    return parse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `train` subcommand."""
    parser = subparsers.add_parser(
        "train",
        help="train a neural network and draw what it learned",
        description="Train an MLP with gradient accumulation; print train/test accuracy; save "
        "the model, the decision boundary, the loss curves and the network's pictures.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add(
        "--data",
        type=_data_spec,
        default="moons",
        metavar="NAME",
        help=f"{'|'.join(DATASETS)}|csv:PATH (moons)",
    )
    add("--samples", type=positive(int), default=200, help="points to generate (200)")
    add("--noise", type=float, default=None, help="noise of the generated data (its default)")
    add("--target", default="-1", help="csv: the target column, a name or an index (-1: last)")
    add(
        "--hidden", type=_hidden, default=[16, 16], metavar="N,N", help="hidden layer sizes (16,16)"
    )
    add("--activation", default="relu", help="hidden activation (relu)")
    add("--loss", choices=sorted(LOSSES), default="hinge", help="loss function (hinge)")
    add("--optimizer", choices=list(OPTIMIZERS), default="adam", help="optimizer (adam)")
    add("--lr", type=positive(float), default=0.05, help="learning rate (0.05)")
    add(
        "--schedule",
        choices=list(SCHEDULES),
        default="cosine",
        help="learning rate: cosine down to 0, halve every quarter of the epochs, or fixed "
        "(cosine)",
    )
    add("--l2", type=float, default=0.0, help="L2 penalty coefficient (0)")
    add("--epochs", type=positive(int), default=40, help="passes over the data (40)")
    add("--batch-size", type=positive(int), default=32, help="samples per optimizer step (32)")
    add(
        "--accumulation-steps",
        type=positive(int),
        default=1,
        metavar="K",
        help="split each batch into K mini-batches, one graph alive at a time (1)",
    )
    add("--test-size", type=float, default=0.2, help="fraction held out for testing (0.2)")
    add("--seed", type=int, default=0, help="seed of data, weights and shuffling (0)")
    add("--out", default="out", metavar="DIR", help="folder for the model and pictures (out)")
    add("--no-pictures", action="store_true", help="save the model and history only")
    add("--quiet", action="store_true", help="no progress bar and no terminal picture")
    parser.set_defaults(run=run)


def config(args: argparse.Namespace) -> TrainConfig:
    """The options as the library's `TrainConfig`."""
    return TrainConfig(
        data=args.data,
        samples=args.samples,
        noise=args.noise,
        target=args.target,
        hidden=tuple(args.hidden),
        activation=args.activation,
        loss=args.loss,
        optimizer=args.optimizer,
        lr=args.lr,
        schedule=args.schedule,
        l2=args.l2,
        epochs=args.epochs,
        batch_size=args.batch_size,
        accumulation_steps=args.accumulation_steps,
        test_size=args.test_size,
        seed=args.seed,
        out=args.out,
        pictures=not args.no_pictures,
        quiet=args.quiet,
    )


def run(args: argparse.Namespace) -> int:
    """Train as the options say (`pipeline.run`), print the results and where every file went."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    job = prepare(config(args))
    console.print(f"[bold]training[/] {job.description}", soft_wrap=True)
    results = job.fit()

    table = Table(title=f"after {len(job.trainer.history)} epochs ({job.seconds:.1f} s)")
    table.add_column("set")
    table.add_column("samples", justify="right")
    table.add_column("loss", justify="right")
    decide = job.trainer.decide
    if decide:
        table.add_column("accuracy", justify="right")
    for name, result in results.items():
        row = [name, str(result.n), f"{result.loss:.4f}"]
        if decide:
            row.append(f"{result.accuracy:.1%}")
        table.add_row(*row)
    console.print(table)

    files = job.save()
    if job.two_d and not args.quiet:
        from ..plots import terminal_boundary

        console.print(
            "[bold]decision boundary[/] (background: the model's class; a mark: a sample, in "
            "its true class)"
        )
        console.print(
            terminal_boundary(
                job.trainer.score, job.X_train, job.y_train, multiclass=decide == "argmax"
            )
        )
    for name, paths in files.items():
        console.print(
            f"  {name:<18} {'  '.join(str(p) for p in paths)}", highlight=False, soft_wrap=True
        )
    return 0
