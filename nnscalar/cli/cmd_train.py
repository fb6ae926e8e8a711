"""`nnscalar train`: the main job — train an MLP on a toy data set or a CSV, show and save it."""

from __future__ import annotations

import argparse
import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import data
from ..files import write_atomic
from ..losses import LOSSES
from ..optim import OPTIMIZERS

DATASETS = {
    "moons": data.moons,
    "xor": data.xor,
    "circles": data.circles,
    "spirals": data.spirals,
    "blobs": data.blobs,
}

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
        choices=["cosine", "step", "none"],
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


def _load(args: argparse.Namespace) -> tuple[list, list]:
    if args.data.startswith("csv:"):
        target: str | int = args.target
        try:
            target = int(args.target)
        except ValueError:
            pass
        X, y = data.load_csv(args.data[4:], target=target)
        X, _, _ = data.standardize(X)
        return X, y
    make = DATASETS[args.data]
    kwargs = {"n": args.samples, "seed": args.seed}
    if args.noise is not None:
        kwargs["std" if args.data == "blobs" else "noise"] = args.noise
    return make(**kwargs)


def run(args: argparse.Namespace) -> int:
    """Train as the options say, print the results and where every file went."""
    from rich.console import Console
    from rich.table import Table

    from ..nn import MLP
    from ..optim import CosineLR, StepLR, make_optimizer
    from ..train import Trainer, encode_labels, head_for

    console = Console()
    X, y = _load(args)
    y, decide = encode_labels(y, args.loss)
    head = head_for(args.loss)
    n_classes = len(set(y))
    n_outputs = n_classes if args.loss == "ce" else 1
    X_train, X_test, y_train, y_test = data.train_test_split(
        X, y, test_size=args.test_size, seed=args.seed
    )
    model = MLP(
        len(X[0]),
        [*args.hidden, n_outputs],
        activation=args.activation,
        output_activation=head.output_activation,
        seed=args.seed,
    )
    optimizer = make_optimizer(args.optimizer, model.parameters(), lr=args.lr)
    schedule = {
        "cosine": lambda: CosineLR(optimizer, t_max=args.epochs),
        "step": lambda: StepLR(optimizer, step_size=max(1, args.epochs // 4), gamma=0.5),
        "none": lambda: None,
    }[args.schedule]()
    trainer = Trainer(
        model, args.loss, optimizer, args.accumulation_steps, l2=args.l2, decide=decide
    )
    shape = " → ".join(str(k) for k in (len(X[0]), *args.hidden, n_outputs))
    console.print(
        f"[bold]training[/] an MLP {shape} ({model.num_parameters()} parameters, "
        f"{args.activation}) on {args.data}: {len(X_train)} training and {len(X_test)} test "
        f"samples, {args.loss} loss, {args.optimizer} lr={args.lr:g}, batch {args.batch_size}"
        f" in {args.accumulation_steps} mini-batch(es)",
        soft_wrap=True,
    )
    start = time.perf_counter()
    trainer.fit(
        X_train,
        y_train,
        epochs=args.epochs,
        batch_size=args.batch_size,
        seed=args.seed,
        validation=(X_test, y_test),
        schedule=schedule,
        quiet=args.quiet,
    )
    seconds = time.perf_counter() - start
    results = {
        "train": trainer.evaluate(X_train, y_train),
        "test": trainer.evaluate(X_test, y_test),
    }

    table = Table(title=f"after {len(trainer.history)} epochs ({seconds:.1f} s)")
    table.add_column("set")
    table.add_column("samples", justify="right")
    table.add_column("loss", justify="right")
    if decide:
        table.add_column("accuracy", justify="right")
    for name, result in results.items():
        row = [name, str(result.n), f"{result.loss:.4f}"]
        if decide:
            row.append(f"{result.accuracy:.1%}")
        table.add_row(*row)
    console.print(table)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    files = {"model": [out / "model.json"], "history": [out / "history.json"]}
    model.save(files["model"][0])
    write_atomic(
        files["history"][0], json.dumps([r.as_dict() for r in trainer.history], indent=1) + "\n"
    )
    two_d = len(X[0]) == 2 and bool(decide)
    if not args.no_pictures:
        from ..plots import plot_history, save_pictures

        if two_d:
            files.update(save_pictures(trainer, X_train, y_train, out))
        else:
            files["training curves"] = plot_history(trainer.history, out / "training_curves")
    if two_d and not args.quiet:
        from ..plots import terminal_boundary

        console.print(
            "[bold]decision boundary[/] (background: the model's class; a mark: a sample, in "
            "its true class)"
        )
        console.print(
            terminal_boundary(trainer.score, X_train, y_train, multiclass=decide == "argmax")
        )
    for name, paths in files.items():
        console.print(
            f"  {name:<18} {'  '.join(str(p) for p in paths)}", highlight=False, soft_wrap=True
        )
    return 0
