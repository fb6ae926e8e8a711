"""Data sets: deterministic toy generators, a CSV loader, a train/test split and standardisation.

Every generator takes `seed=` and returns `(X, y)`: X a list of rows (lists of floats), y a list
of labels. Binary classifiers' labels are -1.0/+1.0 (the hinge convention) unless `labels="01"`
gives 0.0/1.0; multi-class blobs give class indices 0..k-1. Rows come shuffled. No dependencies.
Sines, cosines and Gaussian noise come from `nnscalar.portable`, never the C library's `math`: the
same seed gives the same floats, bit for bit, on every platform (the browser's playground too).
"""

from __future__ import annotations

import csv
import difflib
import math
import random
from collections.abc import Sequence
from pathlib import Path

from . import portable
from .errors import ConfigError, FloatOverflowError, ModelFileError, ShapeError

__all__ = [
    "blobs",
    "circles",
    "linear",
    "load_csv",
    "moons",
    "sine",
    "spirals",
    "standardize",
    "train_test_split",
    "xor",
]

Rows = list[list[float]]
_BINARY_LABELS = {"pm1": (-1.0, 1.0), "01": (0.0, 1.0)}


def moons(n: int = 100, noise: float = 0.1, seed: int = 0, labels: str = "pm1") -> tuple:
    """Two interleaving half circles (scikit-learn's make_moons): upper moon class 0, lower 1."""
    rng = _setup("moons", n, noise, seed)
    neg, pos = _binary_labels(labels)
    n_upper = n // 2
    points = []
    for i in range(n_upper):
        sin_t, cos_t = portable.sin_cos(math.pi * i / max(n_upper - 1, 1))
        points.append(([cos_t, sin_t], neg))
    n_lower = n - n_upper
    for i in range(n_lower):
        sin_t, cos_t = portable.sin_cos(math.pi * i / max(n_lower - 1, 1))
        points.append(([1.0 - cos_t, 0.5 - sin_t], pos))
    return _finish(points, noise, rng)


def circles(
    n: int = 100, noise: float = 0.05, factor: float = 0.5, seed: int = 0, labels: str = "pm1"
) -> tuple:
    """A small circle (radius `factor`, class 1) inside a unit circle (class 0)."""
    rng = _setup("circles", n, noise, seed)
    if not 0.0 < factor < 1.0:
        raise ConfigError(f"circles: factor must be between 0 and 1, got {factor!r}")
    neg, pos = _binary_labels(labels)
    n_outer = n // 2
    points = []
    for count, radius, label in ((n_outer, 1.0, neg), (n - n_outer, factor, pos)):
        for i in range(count):
            sin_t, cos_t = portable.sin_cos(2.0 * math.pi * i / count)
            points.append(([radius * cos_t, radius * sin_t], label))
    return _finish(points, noise, rng)


def xor(n: int = 100, noise: float = 0.2, seed: int = 0, labels: str = "pm1") -> tuple:
    """Points around the corners (±1, ±1): class 1 where the signs differ (x1 XOR x2), else 0.

    `xor(4, noise=0)` is the truth table itself.
    """
    rng = _setup("xor", n, noise, seed)
    neg, pos = _binary_labels(labels)
    corners = [(-1.0, -1.0, neg), (-1.0, 1.0, pos), (1.0, -1.0, pos), (1.0, 1.0, neg)]
    points = [([a, b], label) for a, b, label in (corners[i % 4] for i in range(n))]
    return _finish(points, noise, rng)


def spirals(
    n: int = 100, noise: float = 0.05, turns: float = 1.5, seed: int = 0, labels: str = "pm1"
) -> tuple:
    """Two interleaved spirals, each `turns` turns from the centre; the second is class 1."""
    rng = _setup("spirals", n, noise, seed)
    if not turns > 0:
        raise ConfigError(f"spirals: turns must be positive, got {turns!r}")
    neg, pos = _binary_labels(labels)
    points = []
    n_first = n // 2
    for count, offset, label in ((n_first, 0.0, neg), (n - n_first, math.pi, pos)):
        for i in range(count):
            r = (i + 1) / count
            sin_t, cos_t = portable.sin_cos(2.0 * math.pi * turns * r + offset)
            points.append(([r * cos_t, r * sin_t], label))
    return _finish(points, noise, rng)


def blobs(
    n: int = 100,
    centers: int | Sequence[Sequence[float]] = 3,
    std: float = 0.5,
    seed: int = 0,
    labels: str | None = None,
) -> tuple:
    """Gaussian clusters, one per centre; k centres by default lie evenly on a circle of radius 2.

    Labels are class indices 0..k-1 (`labels="index"`); with two centres they default to the
    binary convention, ±1 (or 0/1 with `labels="01"`).
    """
    rng = _setup("blobs", n, std, seed, noise_name="std")
    if isinstance(centers, int) and not isinstance(centers, bool):
        if centers < 1:
            raise ConfigError(f"blobs: centers must be at least 1, got {centers}")
        k = centers
        turns = [portable.sin_cos(2 * math.pi * j / k) for j in range(k)]
        points_at = [[2.0 * cos_t, 2.0 * sin_t] for sin_t, cos_t in turns]
    else:
        points_at = [[float(c) for c in center] for center in centers]
        k = len(points_at)
        if k == 0 or len({len(c) for c in points_at}) != 1:
            raise ConfigError("blobs: centers must be a non-empty list of equally long points")
    if labels is None:
        labels = "pm1" if k == 2 else "index"
    if labels == "index":
        names: Sequence[float | int] = list(range(k))
    elif k == 2:
        names = _binary_labels(labels)
    else:
        raise ConfigError(
            f"blobs: labels={labels!r} needs exactly 2 centers (got {k}); use labels='index'"
        )
    points = [(list(points_at[i % k]), names[i % k]) for i in range(n)]
    return _finish(points, std, rng)


def sine(n: int = 100, noise: float = 0.1, seed: int = 0) -> tuple:
    """Regression: x uniform in [−π, π], y = sin x plus Gaussian noise; X rows are [x]."""
    rng = _setup("sine", n, noise, seed)
    xs = [rng.uniform(-math.pi, math.pi) for _ in range(n)]
    gauss = portable.Gauss(rng)
    return [[x] for x in xs], [portable.sin(x) + gauss(0.0, noise) for x in xs]


def linear(
    n: int = 100,
    weights: Sequence[float] = (2.0,),
    bias: float = -1.0,
    noise: float = 0.1,
    seed: int = 0,
) -> tuple:
    """Regression: x uniform in [−1, 1]^d, y = w·x + b plus Gaussian noise (d = len(weights))."""
    rng = _setup("linear", n, noise, seed)
    if not weights:
        raise ConfigError("linear: weights must list at least one coefficient")
    X = [[rng.uniform(-1.0, 1.0) for _ in weights] for _ in range(n)]
    gauss = portable.Gauss(rng)
    y = [math.fsum(w * x for w, x in zip(weights, row)) + bias + gauss(0.0, noise) for row in X]
    return X, y


def load_csv(
    path: str | Path,
    target: str | int = -1,
    delimiter: str = ",",
    header: bool | None = None,
) -> tuple:
    """Features and target from a CSV file of numbers; `target` is a column name or index.

    A first row with no number in it is a header (or say `header=`). Blank lines are skipped.
    Targets are numbers, or class names (e.g. "setosa") kept as strings. Problems raise
    `ModelFileError` naming the file, line and column.
    """
    name = str(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = [(line, row) for line, row in _rows(f, delimiter) if any(c.strip() for c in row)]
    except OSError as exc:
        raise ModelFileError(f"cannot read {name}: {exc.strerror}") from exc
    except UnicodeDecodeError:
        raise ModelFileError(f"{name} is not a text (CSV) file") from None
    except csv.Error as exc:
        raise ModelFileError(f"{name}: not valid CSV: {exc}") from None
    if not rows:
        raise ModelFileError(f"{name}: the file is empty")
    first_line, first = rows[0]
    if header is None:
        header = not any(_is_number(cell) for cell in first)
    columns = (
        [cell.strip() for cell in first]
        if header
        else [f"column {j + 1}" for j in range(len(first))]
    )
    data = rows[1:] if header else rows
    if not data:
        raise ModelFileError(f"{name}: no data rows after the header on line {first_line}")
    width = len(columns)
    if width < 2:
        raise ModelFileError(f"{name}: needs at least two columns (features and a target)")
    t = _target_column(name, columns, target, header)
    X: Rows = []
    y: list[float | str] = []
    for line, row in data:
        if len(row) != width:
            column = min(len(row), width) + 1
            what = "is missing" if len(row) < width else f"is unexpected ({row[width]!r})"
            raise ModelFileError(
                f"{name}, line {line}, column {column}: this row has {len(row)} values but "
                f"line {first_line} has {width}; the value {what}"
            )
        X.append([_cell(name, line, j, columns[j], c) for j, c in enumerate(row) if j != t])
        y.append(_label(name, line, t, columns[t], row[t]))
    if any(isinstance(label, str) for label in y):  # class names: all of them stay names
        y = [
            label if isinstance(label, str) else row[t].strip() for label, (_, row) in zip(y, data)
        ]
    return X, y


def train_test_split(
    X: Sequence, y: Sequence, test_size: float | int = 0.2, seed: int = 0, shuffle: bool = True
) -> tuple:
    """(X_train, X_test, y_train, y_test), shuffled with `seed`; `test_size` a fraction or count."""
    n = len(X)
    if len(y) != n:
        raise ShapeError(f"train_test_split: {n} rows of X but {len(y)} labels")
    if isinstance(test_size, float) and 0.0 < test_size < 1.0:
        n_test = math.ceil(test_size * n)
    elif isinstance(test_size, int) and not isinstance(test_size, bool) and test_size > 0:
        n_test = test_size
    else:
        raise ConfigError(
            "train_test_split: test_size must be a fraction in (0, 1) or a count, "
            f"got {test_size!r}"
        )
    if not 0 < n_test < n:
        raise ConfigError(
            f"train_test_split: a test set of {n_test} of {n} rows leaves one side empty"
        )
    order = list(range(n))
    if shuffle:
        random.Random(seed).shuffle(order)
    train, test = order[: n - n_test], order[n - n_test :]
    return (
        [X[i] for i in train],
        [X[i] for i in test],
        [y[i] for i in train],
        [y[i] for i in test],
    )


def _mean(column: Sequence[float]) -> float:
    try:
        return math.fsum(column) / len(column)
    except OverflowError:  # the sum passes the largest float: average the shares instead
        return math.fsum(v / len(column) for v in column)


def _std(column: Sequence[float], mean: float, j: int) -> float:
    """The population standard deviation of one column, without overflow for huge values
    (deviations are scaled by the largest before squaring); a constant column gives 1.0."""
    deviations = [v - mean for v in column]
    scale = max(abs(d) for d in deviations)
    if not math.isfinite(scale) or not math.isfinite(mean):
        raise FloatOverflowError(
            f"standardize: column {j} spans more than the largest float (about 1.8e308); "
            "rescale it before standardizing"
        )
    if scale == 0.0:
        return 1.0
    return scale * math.sqrt(math.fsum((d / scale) ** 2 for d in deviations) / len(column))


def standardize(
    X: Sequence[Sequence[float]],
    means: Sequence[float] | None = None,
    stds: Sequence[float] | None = None,
) -> tuple:
    """(X_std, means, stds): each column shifted to mean 0 and scaled to standard deviation 1.

    Pass the training set's `means` and `stds` to scale a test set the same way. The standard
    deviation is the population one (as scikit-learn's); a constant column gets std 1.0.
    """
    if not X:
        raise ShapeError("standardize: X has no rows")
    width = len(X[0])
    for i, row in enumerate(X):
        if len(row) != width:
            raise ShapeError(f"standardize: row {i} has {len(row)} values, row 0 has {width}")
    columns = list(zip(*X))
    if means is None:
        means = [_mean(c) for c in columns]
    if stds is None:
        stds = [_std(c, m, j) for j, (c, m) in enumerate(zip(columns, means))]
    if len(means) != width or len(stds) != width:
        raise ShapeError(
            f"standardize: X has {width} columns but {len(means)} means and {len(stds)} stds"
        )
    scaled = [[(v - m) / s for v, m, s in zip(row, means, stds)] for row in X]
    return scaled, list(means), list(stds)


def _setup(name: str, n: int, noise: float, seed: int, noise_name: str = "noise") -> random.Random:
    if type(n) is not int or n < 1:
        raise ConfigError(f"{name}: n must be a positive int, got {n!r}")
    if not isinstance(noise, (int, float)) or isinstance(noise, bool) or not noise >= 0:
        raise ConfigError(f"{name}: {noise_name} must be a number >= 0, got {noise!r}")
    return random.Random(seed)


def _binary_labels(labels: str) -> tuple[float, float]:
    try:
        return _BINARY_LABELS[labels]
    except (KeyError, TypeError):
        raise ConfigError(
            f"labels must be 'pm1' (-1/+1, the default) or '01' (0/1), got {labels!r}"
        ) from None


def _finish(points: list, noise: float, rng: random.Random) -> tuple:
    """Add Gaussian noise to every coordinate, shuffle, and split into X and y."""
    rng.shuffle(points)
    gauss = portable.Gauss(rng)
    X = [[c + gauss(0.0, noise) if noise else c for c in xy] for xy, _ in points]
    return X, [label for _, label in points]


def _rows(f, delimiter: str):
    reader = csv.reader(f, delimiter=delimiter)
    for row in reader:
        yield reader.line_num, row


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _cell(name: str, line: int, j: int, column: str, cell: str) -> float:
    try:
        v = float(cell)
    except ValueError:
        problem = "is empty" if not cell.strip() else f"{cell!r} is not a number"
        raise ModelFileError(f"{name}, line {line}, column {j + 1} ({column}): {problem}") from None
    if not math.isfinite(v):
        raise ModelFileError(
            f"{name}, line {line}, column {j + 1} ({column}): {cell!r} is not a finite number"
        )
    return v


def _label(name: str, line: int, j: int, column: str, cell: str) -> float | str:
    """A target cell: a number if it reads as one, else a class name (never empty)."""
    if not cell.strip():
        raise ModelFileError(f"{name}, line {line}, column {j + 1} ({column}): is empty")
    return _cell(name, line, j, column, cell) if _is_number(cell) else cell.strip()


def _target_column(name: str, columns: list[str], target: str | int, header: bool) -> int:
    width = len(columns)
    if isinstance(target, int) and not isinstance(target, bool):
        if not -width <= target < width:
            raise ModelFileError(
                f"{name}: target column {target} is out of range; the file has {width} columns"
            )
        return target % width
    if not header:
        raise ModelFileError(
            f"{name}: no header row, so the target {target!r} cannot be found by name; "
            "give its index instead (target=-1 is the last column)"
        )
    if target in columns:
        return columns.index(target)
    close = difflib.get_close_matches(str(target), columns, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ModelFileError(f"{name}: no column named {target!r}; {hint}columns: {', '.join(columns)}")
