"""Loss functions: predictions and targets in, one Value out, with PyTorch's conventions.

Each loss builds one term per sample and adds them with a single n-ary `sum` node; with
`reduction="mean"` (the default) that sum is then divided by the number of samples, with "sum"
it is returned as is. Differences from PyTorch are noted where they occur (`bce`'s gradient when
a probability is clamped; plain lists instead of tensors).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Sequence
from numbers import Real
from typing import Union

from .core import Operand, Value, log_softmax, vsum
from .errors import ConfigError, DomainError, ShapeError

__all__ = [
    "BCE_LOG_CLAMP",
    "LOSSES",
    "bce",
    "bce_with_logits",
    "cross_entropy",
    "get_loss",
    "hinge",
    "huber",
    "l2",
    "mae",
    "mse",
]

Predictions = Union[Operand, Sequence[Operand]]
Targets = Union[Operand, Sequence[Operand]]

# As PyTorch's BCELoss: each log term is clamped at −100, so p = 0 or 1 gives a finite loss.
BCE_LOG_CLAMP = -100.0
_TINY = math.exp(BCE_LOG_CLAMP)  # below this a probability's log is clamped
_REDUCTIONS = ("mean", "sum")


def mse(predictions: Predictions, targets: Targets, reduction: str = "mean") -> Value:
    """Mean squared error: mean of (p − t)²."""
    ps, ts = _pairs("mse", predictions, targets, reduction)
    return _reduce([(p - t) ** 2.0 for p, t in zip(ps, ts)], reduction)


def mae(predictions: Predictions, targets: Targets, reduction: str = "mean") -> Value:
    """Mean absolute error (PyTorch's L1Loss): mean of |p − t|; its slope at p = t is 0."""
    ps, ts = _pairs("mae", predictions, targets, reduction)
    return _reduce([abs(p - t) for p, t in zip(ps, ts)], reduction)


def huber(
    predictions: Predictions, targets: Targets, delta: float = 1.0, reduction: str = "mean"
) -> Value:
    """Huber loss: ½d² where |d| ≤ δ, else δ(|d| − ½δ), with d = p − t (PyTorch's HuberLoss)."""
    if not isinstance(delta, Real) or isinstance(delta, bool) or not delta > 0:
        raise ConfigError(f"huber: delta must be a positive number, got {delta!r}")
    ps, ts = _pairs("huber", predictions, targets, reduction)
    delta = float(delta)
    terms = []
    for p, t in zip(ps, ts):
        d = p - t
        if abs(d.data) <= delta:
            terms.append(0.5 * d**2.0)
        else:
            terms.append(delta * (abs(d) - 0.5 * delta))
    return _reduce(terms, reduction)


def bce(probabilities: Predictions, targets: Targets, reduction: str = "mean") -> Value:
    """Binary cross-entropy from probabilities: mean of −[t·log p + (1 − t)·log(1 − p)].

    Targets lie in [0, 1]. As in PyTorch each log is clamped at −100 (`BCE_LOG_CLAMP`); unlike
    PyTorch, a clamped log passes no gradient, and the slope is the exact −t/p + (1 − t)/(1 − p)
    where PyTorch divides by max(p(1 − p), 1e−12). Prefer `bce_with_logits`, which never saturates.
    """
    ps, ts = _pairs("bce", probabilities, targets, reduction)
    pieces: list[Operand] = []
    for i, (p, t) in enumerate(zip(ps, ts)):
        pd = p.data
        if not 0.0 <= pd <= 1.0:
            raise DomainError(
                f"bce: prediction {i} is {pd!r}, not a probability in [0, 1]; "
                "apply sigmoid first, or use bce_with_logits on raw scores"
            )
        t = _target(t)
        if not 0.0 <= t <= 1.0:
            raise DomainError(f"bce: target {i} is {t!r}; targets must lie in [0, 1]")
        # A term with weight 0 is left out: it adds nothing and log(0) must not be taken.
        if t != 0.0:
            pieces.append((p.log() if pd > _TINY else BCE_LOG_CLAMP) * -t)
        if t != 1.0:
            q = 1.0 - p
            pieces.append((q.log() if q.data > _TINY else BCE_LOG_CLAMP) * (t - 1.0))
    return _reduce(pieces, reduction, len(ps))


def bce_with_logits(logits: Predictions, targets: Targets, reduction: str = "mean") -> Value:
    """Binary cross-entropy from raw scores z: mean of max(z, 0) − z·t + log(1 + e^−|z|).

    That is softplus(z) − z·t, stable for any z (PyTorch's BCEWithLogitsLoss); targets in [0, 1].
    """
    zs, ts = _pairs("bce_with_logits", logits, targets, reduction)
    pieces: list[Value] = []
    for i, (z, t) in enumerate(zip(zs, ts)):
        t = _target(t)
        if not 0.0 <= t <= 1.0:
            raise DomainError(f"bce_with_logits: target {i} is {t!r}; targets must lie in [0, 1]")
        pieces.append(z.softplus())
        if t != 0.0:
            pieces.append(z * -t)
    return _reduce(pieces, reduction, len(zs))


def cross_entropy(
    logits: Sequence[Operand] | Sequence[Sequence[Operand]],
    targets: int | Sequence[int],
    reduction: str = "mean",
) -> Value:
    """Categorical cross-entropy from rows of logits and class indices: mean of −log softmax[t].

    One row and one int are also accepted. The log-softmax is the engine's stable fused op.
    """
    _check_reduction("cross_entropy", reduction)
    if logits and isinstance(logits[0], (Value, Real)):
        logits, targets = [logits], [targets]  # one sample
    if isinstance(targets, Real):
        targets = [targets]
    n = len(logits)
    if n != len(targets):
        raise ShapeError(f"cross_entropy: {n} rows of logits but {len(targets)} targets")
    if n == 0:
        raise ShapeError("cross_entropy: no predictions were given (an empty batch)")
    k = len(logits[0])
    pieces = []
    for i, (row, t) in enumerate(zip(logits, targets)):
        if len(row) != k:
            raise ShapeError(f"cross_entropy: row {i} has {len(row)} logits, row 0 has {k}")
        cls = _class_index(t, k, i)
        pieces.append(log_softmax(row)[cls])
    total = vsum(pieces)
    # −Σ/n as one node: dividing by −n gives exactly the negated quotient.
    return total / -n if reduction == "mean" else -total


def hinge(scores: Predictions, labels: Targets, reduction: str = "mean") -> Value:
    """Hinge (max-margin) loss with labels ±1: mean of relu(1 − y·score)."""
    ss, ys = _pairs("hinge", scores, labels, reduction)
    terms = []
    for i, (s, y) in enumerate(zip(ss, ys)):
        y = _target(y)
        if y != 1.0 and y != -1.0:
            raise DomainError(
                f"hinge: label {i} is {y!r}; hinge labels must be -1 or +1 "
                "(the data generators give ±1 unless labels='01')"
            )
        terms.append((1.0 - s * y).relu())
    return _reduce(terms, reduction)


def l2(parameters: Sequence[Value]) -> Value:
    """Σ p², the L2 penalty (times a small coefficient, add it to the loss for weight decay)."""
    return vsum([p * p for p in parameters])


LOSSES: dict[str, Callable[..., Value]] = {
    "mse": mse,
    "mae": mae,
    "huber": huber,
    "bce": bce,
    "bce_logits": bce_with_logits,
    "ce": cross_entropy,
    "hinge": hinge,
}


def get_loss(name: str) -> Callable[..., Value]:
    """The loss function registered under `name` in `LOSSES`."""
    try:
        return LOSSES[name]
    except (KeyError, TypeError):
        close = difflib.get_close_matches(str(name), LOSSES, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ConfigError(
            f"unknown loss {name!r}; {hint}valid names: {', '.join(LOSSES)}"
        ) from None


def _check_reduction(name: str, reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ConfigError(f"{name}: reduction must be 'mean' or 'sum', got {reduction!r}")


def _pairs(
    name: str, predictions: Predictions, targets: Targets, reduction: str
) -> tuple[list[Value], Sequence[Operand]]:
    """Predictions as Values and targets as given, checked to be equally long and non-empty."""
    _check_reduction(name, reduction)
    if isinstance(predictions, (Value, Real)):
        predictions = [predictions]
    if isinstance(targets, (Value, Real)):
        targets = [targets]
    if len(predictions) != len(targets):
        raise ShapeError(f"{name}: {len(predictions)} predictions but {len(targets)} targets")
    if not predictions:
        raise ShapeError(f"{name}: no predictions were given (an empty batch)")
    ps = [p if isinstance(p, Value) else Value(p) for p in predictions]
    return ps, targets


def _reduce(terms: list, reduction: str, n: int | None = None) -> Value:
    total = vsum(terms)
    return total / (n or len(terms)) if reduction == "mean" else total


def _target(t: Operand) -> float:
    """A target or label as a float (a Value target counts by its data)."""
    if type(t) is float:
        return t
    return t.data if isinstance(t, Value) else Value(t).data


def _class_index(t: object, k: int, i: int) -> int:
    if (
        isinstance(t, Value)
        or type(t) is bool
        or not isinstance(t, Real)
        or not math.isfinite(t)
        or t != int(t)
    ):
        raise DomainError(f"cross_entropy: target {i} is {t!r}; targets are class indices (ints)")
    if not 0 <= t < k:
        raise DomainError(
            f"cross_entropy: target {i} is class {t!r}, out of range for {k} classes (0 to {k - 1})"
        )
    return int(t)
