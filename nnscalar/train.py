"""`Trainer`: one optimizer step per batch, its gradient accumulated over mini-batches.

A step runs forward and backward on each mini-batch in turn. Parameters add up `.grad` across the
mini-batches while their values stay put, and each mini-batch's graph is dropped right after its
backward, so only one mini-batch's graph is ever alive. Then the optimizer steps once and the grads
are zeroed. The update equals the full-batch update because each mini-batch's loss is weighted
by its share of the batch:

* a mean-reduced loss (`reduction="mean"`) is called on the mini-batch with reduction="mean" and
  multiplied by size/batch_size, so the shares add up to the batch's mean;
* a sum-reduced loss (`reduction="sum"`) is called with reduction="sum" and not scaled.

The L2 penalty belongs to the whole batch: it is added once per step, after the mini-batches.
"""

from __future__ import annotations

import gc
import math
import random
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from . import losses
from .core import Value, no_grad
from .errors import ConfigError, FloatOverflowError, NonFiniteError, ShapeError
from .optim import Optimizer

__all__ = [
    "HEADS",
    "EpochRecord",
    "Evaluation",
    "Head",
    "StepInfo",
    "Trainer",
    "encode_labels",
    "head_for",
    "step_peak_memory",
]

LossFn = Callable[..., Value]


@dataclass(frozen=True)
class Head:
    """What a loss expects of the network's last layer and of the labels, and how to read a class.

    `decide` is "sign" (score > 0 is +1, else −1), "prob" (p > 0.5 is 1), "logit" (z > 0 is 1),
    "argmax" (the largest output's index) or "" for regression.
    """

    output_activation: str
    labels: str  # "pm1" (−1/+1), "01" (0/1), "index" (0..k−1) or "real"
    decide: str


HEADS: dict[str, Head] = {
    "hinge": Head("linear", "pm1", "sign"),
    "mse": Head("linear", "pm1", "sign"),
    "mae": Head("linear", "pm1", "sign"),
    "huber": Head("linear", "pm1", "sign"),
    "bce": Head("sigmoid", "01", "prob"),
    "bce_logits": Head("linear", "01", "logit"),
    "ce": Head("linear", "index", "argmax"),
}


def head_for(loss: str) -> Head:
    """The output activation, label convention and decision rule that suit the loss `loss`."""
    try:
        return HEADS[loss]
    except KeyError:
        raise ConfigError(f"unknown loss {loss!r}; valid: {', '.join(HEADS)}") from None


EVAL_BATCH = 4096  # samples evaluated at once: memory stays flat on a big data set

_REGRESSION_LOSSES = ("mse", "mae", "huber")


def encode_labels(y: Sequence[float | str], loss: str) -> tuple[list[float], str]:
    """Targets re-coded for the loss `loss`, and the decision rule for the Trainer.

    Two distinct values (numbers or class names) become −1/+1 or 0/1 (smaller first); k > 2
    values become class indices 0..k−1 for "ce"; for "mse", "mae" and "huber" numbers stay as
    they are (regression, rule "").
    """
    head = head_for(loss)
    classes = sorted(set(y))
    if len(classes) == 2:
        codes = {"pm1": (-1.0, 1.0), "01": (0.0, 1.0), "index": (0, 1)}[head.labels]
        mapping = dict(zip(classes, codes, strict=True))
        return [mapping[t] for t in y], head.decide
    if head.labels == "index":
        index = {c: k for k, c in enumerate(classes)}
        return [index[t] for t in y], head.decide
    if loss in _REGRESSION_LOSSES:
        names = [t for t in y if isinstance(t, str)]
        if names:
            raise ConfigError(
                f"the loss {loss!r} is for regression, but the targets include the class name "
                f"{names[0]!r}; use the loss 'ce' for several classes"
            )
        return list(y), ""
    raise ConfigError(
        f"the loss {loss!r} needs two classes but the targets have {len(classes)} distinct "
        "values; use the loss 'ce' for several classes or 'mse' for regression"
    )


@dataclass(frozen=True)
class StepInfo:
    """What `on_step` is told: where training is and the batch's loss (before the update)."""

    epoch: int
    step: int
    loss: float
    batch_size: int
    lr: float


@dataclass(frozen=True)
class EpochRecord:
    """One line of `Trainer.history`: the epoch's mean loss and accuracy over its steps (each
    measured before that step's update), validation after it, the learning rate and the time."""

    epoch: int
    loss: float
    accuracy: float | None
    val_loss: float | None
    val_accuracy: float | None
    lr: float
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        """The record as a plain dict (for JSON)."""
        return asdict(self)


@dataclass(frozen=True)
class Evaluation:
    """A model's loss and accuracy (None for regression) on a data set, computed under no_grad."""

    loss: float
    accuracy: float | None
    n: int


class Trainer:
    """Trains `model` with `optimizer` on `loss` (a name of `losses.LOSSES` or such a function).

    `accumulation_steps` splits each batch into that many mini-batches (sizes differ by at most
    one); `reduction` is how the loss adds up its samples ("mean" or "sum"); `l2` adds
    l2 · losses.l2(parameters) once per step; `decide` is how an output becomes a class (see
    `Head`; by default the loss's); `on_step(trainer, info)` is called after the last backward of
    each step, while `.grad` holds the batch's gradient.
    """

    def __init__(
        self,
        model: Any,
        loss: str | LossFn,
        optimizer: Optimizer,
        accumulation_steps: int = 1,
        reduction: str = "mean",
        l2: float = 0.0,
        decide: str | None = None,
        on_step: Callable[[Trainer, StepInfo], None] | None = None,
    ) -> None:
        if isinstance(loss, str):
            if loss not in losses.LOSSES:
                raise ConfigError(f"unknown loss {loss!r}; valid: {', '.join(losses.LOSSES)}")
            self.loss_name, self.loss_fn = loss, losses.LOSSES[loss]
        elif callable(loss):
            names = [k for k, f in losses.LOSSES.items() if f is loss]
            self.loss_name, self.loss_fn = (names[0] if names else ""), loss
        else:
            raise ConfigError(f"loss must be a loss name or a function, got {loss!r}")
        if type(accumulation_steps) is not int or accumulation_steps < 1:
            raise ConfigError(f"accumulation_steps must be an int >= 1, got {accumulation_steps!r}")
        if reduction not in ("mean", "sum"):
            raise ConfigError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
        if not (isinstance(l2, (int, float)) and l2 >= 0.0 and math.isfinite(l2)):
            raise ConfigError(f"l2 must be a number >= 0, got {l2!r}")
        if decide is None:
            decide = HEADS[self.loss_name].decide if self.loss_name in HEADS else ""
        if decide not in ("sign", "prob", "logit", "argmax", ""):
            raise ConfigError(
                f"decide must be 'sign', 'prob', 'logit', 'argmax' or '', got {decide!r}"
            )
        self.model = model
        self.optimizer = optimizer
        self.accumulation_steps = accumulation_steps
        self.reduction = reduction
        self.l2 = float(l2)
        self.decide = decide
        self.on_step = on_step
        self.history: list[EpochRecord] = []
        self.steps = 0
        self.epoch = 0

    # --- one optimizer step -------------------------------------------------------------------

    def step(self, xs: Sequence[Any], ys: Sequence[Any]) -> float:
        """One optimizer step on the batch (xs, ys), its gradient accumulated over mini-batches;
        returns the batch's loss (as the optimizer saw it, before the update)."""
        return self._step(xs, ys)[0]

    def _step(self, xs: Sequence[Any], ys: Sequence[Any]) -> tuple[float, int]:
        """The batch's loss and how many of its samples were classified right (before the step)."""
        n = len(xs)
        if n != len(ys):
            raise ShapeError(f"Trainer.step got {n} inputs but {len(ys)} targets")
        if n == 0:
            raise ShapeError("Trainer.step got an empty batch")
        total = 0.0
        correct = 0
        try:
            for lo, hi in _splits(n, self.accumulation_steps):
                part_x, part_y = xs[lo:hi], ys[lo:hi]
                outputs = self._forward(part_x)
                part_loss = self.loss_fn(outputs, part_y, reduction=self.reduction)
                if self.reduction == "mean" and hi - lo != n:
                    part_loss = part_loss * ((hi - lo) / n)
                part_loss.backward()
                total += part_loss.data
                correct += self._count_correct(outputs, part_y)
                # Drop this mini-batch's graph before the next one is built.
                del outputs, part_loss
            if self.l2:
                penalty = losses.l2(self.model.parameters()) * self.l2
                penalty.backward()
                total += penalty.data
                del penalty
            if self.on_step is not None:
                info = StepInfo(self.epoch, self.steps + 1, total, n, self.optimizer.lr)
                self.on_step(self, info)
            self.optimizer.step()
        except (NonFiniteError, FloatOverflowError) as exc:
            raise NonFiniteError(
                f"training stopped at epoch {self.epoch}, step {self.steps + 1}: "
                f"{_shortened(str(exc))}. The weights are as before this step; try a smaller "
                f"learning rate (now {self.optimizer.lr:g})"
            ) from exc
        finally:
            # Whatever happened, no half-accumulated gradient is left for the next step.
            self.optimizer.zero_grad()
        self.steps += 1
        return total, correct

    # --- epochs -------------------------------------------------------------------------------

    def fit(
        self,
        X: Sequence[Any],
        y: Sequence[Any],
        epochs: int = 100,
        batch_size: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        target_loss: float | None = None,
        validation: tuple[Sequence[Any], Sequence[Any]] | None = None,
        schedule: Any = None,
        quiet: bool = False,
    ) -> list[EpochRecord]:
        """Train for `epochs` passes over (X, y) in batches of `batch_size` (all of it if None),
        shuffled with `seed`; stop early once the epoch's loss is <= `target_loss`.

        Shows a progress bar on a terminal unless `quiet`; calls `schedule.step()` after each
        epoch. Returns this call's records, which are also appended to `history`.
        """
        n = len(X)
        if n != len(y):
            raise ShapeError(f"fit got {n} inputs but {len(y)} targets")
        if n == 0:
            raise ShapeError("fit got no data")
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise ConfigError(f"epochs must be an int >= 1, got {epochs!r}")
        size = n if batch_size is None else batch_size
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ConfigError(f"batch_size must be an int >= 1, got {batch_size!r}")
        rng = random.Random(seed)
        order = list(range(n))
        records: list[EpochRecord] = []
        with _progress(epochs, quiet) as bar:
            for _ in range(epochs):
                self.epoch += 1
                start = time.perf_counter()
                if shuffle:
                    rng.shuffle(order)
                lr = self.optimizer.lr
                loss_sum = 0.0
                correct = 0
                for lo in range(0, n, size):
                    idx = order[lo : lo + size]
                    batch_loss, batch_correct = self._step([X[i] for i in idx], [y[i] for i in idx])
                    loss_sum += batch_loss * len(idx) if self.reduction == "mean" else batch_loss
                    correct += batch_correct
                loss = loss_sum / n if self.reduction == "mean" else loss_sum
                val = self.evaluate(*validation) if validation is not None else None
                record = EpochRecord(
                    epoch=self.epoch,
                    loss=loss,
                    accuracy=correct / n if self.decide else None,
                    val_loss=val.loss if val else None,
                    val_accuracy=val.accuracy if val else None,
                    lr=lr,
                    seconds=time.perf_counter() - start,
                )
                records.append(record)
                self.history.append(record)
                if schedule is not None:
                    schedule.step()
                bar(record)
                if target_loss is not None and loss <= target_loss:
                    break
        return records

    # --- evaluation (EVAL_BATCH samples at a time) -------------------------------------------

    def evaluate(self, X: Sequence[Any], y: Sequence[Any]) -> Evaluation:
        """The model's loss (same reduction, no L2) and accuracy on (X, y), under no_grad."""
        if len(X) != len(y):
            raise ShapeError(f"evaluate got {len(X)} inputs but {len(y)} targets")
        if not X:
            raise ShapeError("evaluate got no data")
        n = len(X)
        if n <= EVAL_BATCH:
            with no_grad():
                outputs = self._forward(X)
                loss = self.loss_fn(outputs, y, reduction=self.reduction).data
            accuracy = self._count_correct(outputs, y) / n if self.decide else None
            return Evaluation(loss, accuracy, n)
        sums: list[float] = []  # a big data set in slices: only one slice's nodes live at once
        correct = 0
        for lo in range(0, n, EVAL_BATCH):
            xs, ys = X[lo : lo + EVAL_BATCH], y[lo : lo + EVAL_BATCH]
            with no_grad():
                outputs = self._forward(xs)
                sums.append(self.loss_fn(outputs, ys, reduction="sum").data)
            correct += self._count_correct(outputs, ys)
        total = math.fsum(sums)
        loss = total / n if self.reduction == "mean" else total
        return Evaluation(loss, correct / n if self.decide else None, n)

    def _forward(self, xs: Sequence[Any]) -> list[Any]:
        """The model's outputs for many samples: `model.batch` when it has one (an MLP does)."""
        batch = getattr(self.model, "batch", None)
        return batch(xs) if batch is not None else [self.model(x) for x in xs]

    def classify(self, x: Sequence[float]) -> float:
        """The class the model gives `x` (−1/+1, 0/1 or an index), or its output for regression."""
        with no_grad():
            return self._label(self.model(x))

    def score(self, x: Sequence[float]) -> float:
        """A signed score for a binary classifier (> 0 means the positive class); the class index
        for a multi-class one; the output itself for regression."""
        with no_grad():
            out = self.model(x)
        if self.decide == "prob":
            return out.data - 0.5
        if self.decide == "argmax":
            return self._label(out)
        return out.data

    def _label(self, out: Any) -> float:
        rule = self.decide
        if rule == "argmax":
            datas = [o.data for o in out]
            return float(datas.index(max(datas)))
        z = out.data
        if rule == "sign":
            return 1.0 if z > 0.0 else -1.0
        if rule == "prob":
            return 1.0 if z > 0.5 else 0.0
        if rule == "logit":
            return 1.0 if z > 0.0 else 0.0
        return z

    def _count_correct(self, outputs: Sequence[Any], targets: Sequence[Any]) -> int:
        if not self.decide:
            return 0
        return sum(self._label(o) == t for o, t in zip(outputs, targets, strict=True))


def _shortened(text: str, head: int = 120, tail: int = 200) -> str:
    """`text` with its middle cut out when long: an overflow in a wide layer lists every operand,
    while what matters is the op (at the start) and the advice (at the end)."""
    return text if len(text) <= head + tail else f"{text[:head]} … {text[-tail:]}"


def _splits(n: int, parts: int) -> list[tuple[int, int]]:
    """`n` items cut into min(parts, n) runs differing in length by at most one: 10 in 3 → 4 3 3."""
    parts = min(parts, n)
    base, extra = divmod(n, parts)
    bounds = []
    lo = 0
    for k in range(parts):
        hi = lo + base + (1 if k < extra else 0)
        bounds.append((lo, hi))
        lo = hi
    return bounds


class _progress:
    """A rich progress bar over epochs, showing the last loss and accuracy; silent when quiet or
    when stderr is not a terminal."""

    def __init__(self, epochs: int, quiet: bool) -> None:
        self.epochs = epochs
        self.quiet = quiet or not sys.stderr.isatty()
        self._bar: Any = None

    def __enter__(self) -> Callable[[EpochRecord], None]:
        if self.quiet:
            return lambda record: None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._bar = Progress(
            TextColumn("epoch"),
            MofNCompleteColumn(),
            BarColumn(),
            TextColumn("{task.fields[status]}"),
            console=Console(stderr=True),
            transient=False,
        )
        self._bar.__enter__()
        task = self._bar.add_task("train", total=self.epochs, status="")

        def advance(record: EpochRecord) -> None:
            status = f"loss {record.loss:.4f}"
            if record.accuracy is not None:
                status += f"  accuracy {record.accuracy:.1%}"
            if record.val_accuracy is not None:
                status += f"  validation {record.val_accuracy:.1%}"
            self._bar.update(task, advance=1, status=status)

        return advance

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


def step_peak_memory(trainer: Trainer, X: Sequence[Any], y: Sequence[Any]) -> tuple[float, int]:
    """`trainer.step(X, y)` and the peak memory it took in bytes (tracemalloc, after a garbage
    collection): with accumulation steps, one mini-batch's graph at a time."""
    gc.collect()
    tracemalloc.start()
    try:
        loss = trainer.step(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return loss, peak
