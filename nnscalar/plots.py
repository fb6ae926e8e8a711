"""Pictures of training: loss and accuracy curves, the decision boundary with the data points
(matplotlib, SVG and PNG), the same boundary drawn in the terminal, and `save_pictures` for all.

Figures are made with matplotlib's object API on the Agg canvas, never pyplot, so no display is
needed and no global backend is switched. SVGs carry no date and fixed ids: the same training
writes the same file.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .core import no_grad
from .errors import ShapeError

if TYPE_CHECKING:
    from rich.text import Text

    from .train import EpochRecord, Trainer

__all__ = [
    "boundary_grid",
    "hardest_sample",
    "plot_curves",
    "plot_decision_boundary",
    "plot_history",
    "save_figure",
    "save_pictures",
    "terminal_boundary",
]

Score = Callable[[Sequence[float]], float]

# One colour per class: negative/0 first, positive/1 second, then more for multi-class data.
_CLASS_COLORS = ["#d6604d", "#4393c3", "#5aae61", "#9970ab", "#f4a582", "#fdb863", "#878787"]
_TERM_BG = ["#3a1d1a", "#14283a", "#1b3320", "#2a1f33", "#3a2a1a", "#3a321a", "#262626"]
_TERM_FG = ["#ff7b6b", "#6cb8ff", "#7fdc86", "#c49be0", "#ffb38a", "#ffd27f", "#c0c0c0"]
_TERM_MARKS = "●▲■◆✚✖★"  # a data point, per true class
_TERM_FILL = " ·:-=~+"  # the background, per predicted class


def save_figure(fig: Any, path: str | Path) -> list[Path]:
    """Write a matplotlib figure as `<path>.svg` and `<path>.png` (reproducible SVG); the paths."""
    import matplotlib

    stem = Path(path)
    stem = stem.with_suffix("") if stem.suffix in (".svg", ".png") else stem
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = []
    with matplotlib.rc_context({"svg.hashsalt": "nnscalar", "svg.fonttype": "none"}):
        for fmt in ("svg", "png"):
            target = stem.with_name(f"{stem.name}.{fmt}")
            metadata = {"Date": None} if fmt == "svg" else {"Software": None}
            fig.savefig(target, format=fmt, dpi=110, metadata=metadata, bbox_inches="tight")
            written.append(target)
    return written


def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def plot_history(history: Sequence[EpochRecord], path: str | Path) -> list[Path]:
    """Loss per epoch (and accuracy beside it, when the task has one), training and validation."""
    if not history:
        raise ShapeError("plot_history got an empty history; train for at least one epoch")
    epochs = [r.epoch for r in history]
    has_accuracy = history[0].accuracy is not None
    fig = _figure(10.0 if has_accuracy else 5.5, 3.8)
    axes = fig.subplots(1, 2 if has_accuracy else 1, squeeze=False)[0]
    ax = axes[0]
    ax.plot(epochs, [r.loss for r in history], color=_CLASS_COLORS[1], label="training")
    if history[0].val_loss is not None:
        ax.plot(epochs, [r.val_loss for r in history], color=_CLASS_COLORS[0], label="validation")
    ax.set(xlabel="epoch", ylabel="loss", title="loss")
    # A hinge loss reaches exactly 0; a log axis cannot show that.
    losses = [v for r in history for v in (r.loss, r.val_loss) if v is not None]
    ax.set_yscale("log" if min(losses) > 0 else "linear")
    ax.legend(frameon=False)
    if has_accuracy:
        ax = axes[1]
        ax.plot(
            epochs, [100 * r.accuracy for r in history], color=_CLASS_COLORS[1], label="training"
        )
        if history[0].val_accuracy is not None:
            ax.plot(
                epochs,
                [100 * r.val_accuracy for r in history],
                color=_CLASS_COLORS[0],
                label="validation",
            )
        ax.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy", ylim=(0, 101))
        ax.legend(frameon=False, loc="lower right")
    for ax in axes:
        ax.grid(alpha=0.3)
    return save_figure(fig, path)


def plot_curves(
    curves: Mapping[str, Sequence[float]],
    path: str | Path,
    title: str = "loss",
    xlabel: str = "epoch",
    log: bool = True,
) -> list[Path]:
    """Several named curves on one axis (e.g. each optimizer's loss per epoch)."""
    if not curves:
        raise ShapeError("plot_curves got no curves")
    fig = _figure(6.5, 4.2)
    ax = fig.subplots()
    for name, ys in curves.items():
        ax.plot(range(1, len(ys) + 1), list(ys), label=name)
    ax.set(xlabel=xlabel, ylabel=title, title=title)
    if log and all(v > 0 for ys in curves.values() for v in ys):
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend(frameon=False)
    return save_figure(fig, path)


def boundary_grid(
    score: Score, X: Sequence[Sequence[float]], width: int, height: int, margin: float = 0.25
) -> tuple[list[float], list[float], list[list[float]]]:
    """The model's score on a width × height grid over the data's box (widened by `margin`):
    the grid's x values, y values, and rows of scores (bottom row first)."""
    if not X or any(len(p) != 2 for p in X):
        raise ShapeError("a decision boundary needs data with exactly 2 features per point")
    xs_all, ys_all = [p[0] for p in X], [p[1] for p in X]
    x_lo, x_hi = min(xs_all), max(xs_all)
    y_lo, y_hi = min(ys_all), max(ys_all)
    dx, dy = (x_hi - x_lo) * margin or 1.0, (y_hi - y_lo) * margin or 1.0
    gx = [x_lo - dx + (x_hi - x_lo + 2 * dx) * i / (width - 1) for i in range(width)]
    gy = [y_lo - dy + (y_hi - y_lo + 2 * dy) * j / (height - 1) for j in range(height)]
    return gx, gy, [[score([x, y]) for x in gx] for y in gy]


def _class_index(label: float, labels: Sequence[float]) -> int:
    return sorted(set(labels)).index(label)


def plot_decision_boundary(
    score: Score,
    X: Sequence[Sequence[float]],
    y: Sequence[float],
    path: str | Path,
    multiclass: bool = False,
    resolution: int = 56,
    title: str = "decision boundary",
) -> list[Path]:
    """The plane coloured by the model's decision with the data points on top.

    Binary: `score(point) > 0` is the positive class and the line is score = 0. Multi-class:
    `score(point)` is the class index.
    """
    from matplotlib.colors import ListedColormap

    gx, gy, grid = boundary_grid(score, X, resolution, resolution)
    classes = sorted(set(y))
    fig = _figure(5.6, 5.0)
    ax = fig.subplots()
    if multiclass:
        cmap = ListedColormap(_CLASS_COLORS[: len(classes)])
        levels = [k - 0.5 for k in range(len(classes) + 1)]
        ax.contourf(gx, gy, grid, levels=levels, cmap=cmap, alpha=0.3)
    else:
        top = max(abs(v) for row in grid for v in row) or 1.0
        cmap = ListedColormap(_CLASS_COLORS[:2])
        ax.contourf(gx, gy, grid, levels=[-top, 0.0, top], cmap=cmap, alpha=0.3)
        ax.contour(gx, gy, grid, levels=[0.0], colors="#333333", linewidths=1.2)
    for k, label in enumerate(classes):
        pts = [p for p, t in zip(X, y, strict=True) if t == label]
        ax.scatter(
            [p[0] for p in pts],
            [p[1] for p in pts],
            s=18,
            color=_CLASS_COLORS[k],
            edgecolors="white",
            linewidths=0.5,
            label=f"class {label:g}",
        )
    ax.set(title=title, xlabel="x1", ylabel="x2")
    ax.legend(frameon=False, loc="best", fontsize=8)
    return save_figure(fig, path)


def terminal_boundary(
    score: Score,
    X: Sequence[Sequence[float]],
    y: Sequence[float],
    width: int = 64,
    height: int = 22,
    multiclass: bool = False,
) -> Text:
    """The decision boundary as terminal cells: the background (colour and fill character) is
    the model's class, a data point is its true class's mark (so a mistake shows as a mark on
    the wrong background). Marks and fills differ per class, so it reads without colour too."""
    from rich.text import Text

    gx, gy, grid = boundary_grid(score, X, width, height)
    classes = sorted(set(y))

    def region(value: float) -> int:
        if multiclass:
            return min(max(int(value), 0), len(classes) - 1)
        return 1 if value > 0 else 0

    points: dict[tuple[int, int], int] = {}
    step_x, step_y = gx[1] - gx[0], gy[1] - gy[0]
    for p, t in zip(X, y, strict=True):
        col = min(max(round((p[0] - gx[0]) / step_x), 0), width - 1)
        row = min(max(round((p[1] - gy[0]) / step_y), 0), height - 1)
        points[(row, col)] = _class_index(t, classes)
    text = Text()
    for row in range(height - 1, -1, -1):
        for col in range(width):
            r = region(grid[row][col]) % len(_TERM_BG)
            k = points.get((row, col))
            if k is None:
                text.append(_TERM_FILL[r], style=f"{_TERM_FG[r]} on {_TERM_BG[r]}")
            else:
                text.append(
                    _TERM_MARKS[k % len(_TERM_MARKS)], style=f"bold {_TERM_FG[k]} on {_TERM_BG[r]}"
                )
        text.append("\n")
    for k, label in enumerate(classes):
        r = k % len(_TERM_BG)
        text.append(f"  {_TERM_MARKS[r]} ", style=f"bold {_TERM_FG[r]}")
        text.append(f"class {label:g} (region '{_TERM_FILL[r]}')")
    return text


def hardest_sample(
    trainer: Trainer, X: Sequence[Sequence[float]], y: Sequence[float]
) -> tuple[int, float]:
    """The index of the sample the model finds hardest, and its margin: the largest loss, then
    the smallest margin (how far the output is on the right side: y·score for ±1 labels, the
    true class's output minus the best other one for several classes); ties go to the first."""
    model = trainer.model
    keys = []
    with no_grad():
        for x, t in zip(X, y):
            out = model(x)
            loss = trainer.loss_fn([out], [t], reduction="sum").data
            keys.append((-loss, _margin(trainer.decide, out, t)))
    k = min(range(len(keys)), key=keys.__getitem__)
    return k, keys[k][1]


def _margin(decide: str, out: Any, t: float) -> float:
    """How far an output lies on the right side of the decision, for each way of deciding."""
    if decide == "argmax":
        scores = [v.data for v in out]
        return scores[int(t)] - max(v for j, v in enumerate(scores) if j != int(t))
    value = out[0].data if isinstance(out, list) else out.data
    if decide == "sign":
        return t * value
    if decide == "prob":
        return (2 * t - 1) * (value - 0.5)
    if decide == "logit":
        return (2 * t - 1) * value
    return -abs(value - t)  # regression: the distance to the target


def save_pictures(
    trainer: Trainer,
    X: Sequence[Sequence[float]],
    y: Sequence[float],
    out: str | Path,
) -> dict[str, list[Path]]:
    """Every picture of a trained 2-D classifier into the folder `out`: decision boundary, loss
    and accuracy curves, network diagram and one neuron's graph, both on the hardest sample."""
    from .render import draw_network, draw_neuron

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    multiclass = trainer.decide == "argmax"
    pictures = {
        "decision boundary": plot_decision_boundary(
            trainer.score, X, y, folder / "decision_boundary", multiclass=multiclass
        ),
        "training curves": plot_history(trainer.history, folder / "training_curves"),
    }
    # The sample the model finds hardest: the largest loss, and among equal losses (all 0 once
    # a hinge loss is met) the smallest margin. A copy of the model is run forward and backward
    # on it from the output the model decides by, so the pictures carry d(output)/d(part), which
    # is not zero even when every loss is, and the caller's model is only read. The neuron drawn
    # is the first layer's most influential one on that sample (the largest |d(output)/d(bias)|).
    k, margin = hardest_sample(trainer, X, y)
    decided = int(trainer.classify(X[k])) if multiclass else 0
    model = copy.deepcopy(trainer.model)
    model.zero_grad()
    out = model(X[k])
    if isinstance(out, list):
        out = out[decided]
    out.backward()
    point = ", ".join(f"{v:.3g}" for v in X[k])
    sample = f"training sample {k}\nx = ({point}), class {y[k]:g}, margin {margin:.3g}"
    shape = " → ".join(str(n) for n in [model.n_inputs, *(len(ly.neurons) for ly in model.layers)])
    network = draw_network(model, title=f"the trained {shape} network, called on the {sample}")
    pictures["network"] = [network.save(folder / f"network.{fmt}") for fmt in ("svg", "png")]
    neurons = model.layers[0].neurons
    neuron = max(neurons, key=lambda n: abs(n.bias.grad))
    heading = (
        f"neuron {neuron.name} ({neuron.activation}) on the hardest {sample} · "
        "grad = d(model output)/d(this)"
    )
    drawing = draw_neuron(neuron, title=heading)
    pictures["neuron"] = [drawing.save(folder / f"neuron.{fmt}") for fmt in ("svg", "png")]
    return pictures
