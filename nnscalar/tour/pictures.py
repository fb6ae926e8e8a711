"""The tour's pictures: matplotlib figures drawn from live nnscalar objects, and a `Picture` type.

Figures are made with `matplotlib.figure.Figure` and rendered by Agg, never through pyplot, so the
tour changes no global backend (a notebook keeps its own). Curves and slopes are computed by the
engine (`backward`), not by hand-written formulas.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from matplotlib.figure import Figure

from ..core import Value
from ..files import write_atomic

__all__ = [
    "Picture",
    "TimelineEvent",
    "accumulation_timeline",
    "activation_curves",
    "as_picture",
    "derivative_curves",
    "fitted_lines",
    "loss_curves",
    "loss_history",
    "optimizer_paths",
]

_DPI = 100
_PATH_COLORS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


@dataclass(frozen=True)
class Picture:
    """One picture of the tour: a file stem, a caption and the image as PNG bytes or SVG text."""

    name: str
    caption: str
    png: bytes = b""
    svg: str = ""

    @property
    def suffix(self) -> str:
        """The file extension the picture saves with: ".svg" or ".png"."""
        return ".svg" if self.svg else ".png"

    def save(self, directory: str | Path) -> Path:
        """Write the picture into `directory` (created if missing) and return its path."""
        path = Path(directory) / f"{self.name}{self.suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_atomic(path, self.svg or self.png)

    def html(self) -> str:
        """The picture as an HTML fragment that needs no other file: inline SVG or a data: URI."""
        if self.svg:
            start = self.svg.find("<svg")
            return self.svg[start:] if start >= 0 else self.svg
        data = base64.b64encode(self.png).decode("ascii")
        return f'<img alt="{escape(self.caption)}" src="data:image/png;base64,{data}">'

    def _repr_png_(self) -> bytes | None:
        return self.png or None

    def _repr_svg_(self) -> str | None:
        return self.svg or None


def as_picture(obj: object, name: str, caption: str) -> Picture:
    """A named `Picture` of a Picture, a matplotlib Figure or a `Drawing` (anything with .svg())."""
    if isinstance(obj, Picture):
        return Picture(name, caption, obj.png, obj.svg)
    if isinstance(obj, Figure):
        return Picture(name, caption, png=_png(obj))
    svg = getattr(obj, "svg", None)
    if callable(svg):
        return Picture(name, caption, svg=svg())
    raise TypeError(f"cannot make a picture of {type(obj).__name__}; expected a Figure or Drawing")


def loss_history(losses: Sequence[float], title: str = "training loss") -> Picture:
    """The loss after each training step, as dots joined by a line."""
    fig = Figure(figsize=(5.0, 3.0), dpi=_DPI, layout="constrained")
    ax = fig.add_subplot()
    steps = range(len(losses))
    ax.plot(steps, losses, "o-", color=_PATH_COLORS[1])
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    return Picture("loss-history", title, png=_png(fig))


def fitted_lines(
    xs: Sequence[float], ys: Sequence[float], lines: Mapping[str, tuple[float, float]]
) -> Picture:
    """The data points and each named line y = slope·x + intercept drawn over them."""
    fig = Figure(figsize=(5.0, 3.4), dpi=_DPI, layout="constrained")
    ax = fig.add_subplot()
    ax.plot(xs, ys, "o", color="0.5", ms=4, label="data")
    ends = [min(xs), max(xs)]
    styles = ("-", "--", ":")
    for (name, (slope, intercept)), color, style in zip(lines.items(), _PATH_COLORS, styles):
        ax.plot(
            ends,
            [slope * x + intercept for x in ends],
            style,
            color=color,
            lw=2,
            label=f"{name}: y = {slope:.4f}x {'+' if intercept >= 0 else '−'} {abs(intercept):.4f}",
        )
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return Picture("fit", "fitted lines", png=_png(fig))


def activation_curves(
    functions: Mapping[str, Callable[[Value], Value]], low: float = -4.0, high: float = 4.0
) -> Picture:
    """Each activation f and its derivative f' on [low, high]; f' comes from `backward()`."""
    xs = _grid(low, high, 401)
    n = len(functions)
    cols = min(n, 4)
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(3.0 * cols, 2.6 * rows), dpi=_DPI, layout="constrained")
    for i, (name, f) in enumerate(functions.items()):
        ax = fig.add_subplot(rows, cols, i + 1)
        values, slopes = _values_and_slopes(f, xs)
        ax.axhline(0.0, color="0.7", lw=0.8)
        ax.axvline(0.0, color="0.7", lw=0.8)
        ax.plot(xs, values, color=_PATH_COLORS[1], label="f(x)")
        ax.plot(xs, slopes, color=_PATH_COLORS[0], ls="--", label="f′(x)")
        ax.set_title(name)
        ax.set_ylim(-2.0, 4.0)
        if name == "leaky_relu":  # its slope left of 0 is too small to see here: zoom in
            inset = ax.inset_axes((0.2, 0.52, 0.4, 0.34))
            left = [x for x in xs if x <= 0.0]
            inset.plot(left, values[: len(left)], color=_PATH_COLORS[1])
            inset.set_title("zoom on x < 0: slope 0.01", fontsize=7)
            inset.set_xticks([-4.0, 0.0])
            inset.set_yticks([-0.04, 0.0])
            inset.tick_params(labelsize=6)
        if i == 0:
            ax.legend(loc="upper left", fontsize=8)
    return Picture(
        "activations", "activation functions (solid) and their derivatives (dashed)", png=_png(fig)
    )


def loss_curves(
    curves: Mapping[str, tuple[Callable[[Value], Value], float, float, float]],
) -> Picture:
    """Each loss as a function of one prediction on (low, high) with its tangent at a point.

    `curves` maps a title to (loss of a prediction Value, low, high, point); the slope at the
    point is the gradient `backward()` gives the prediction.
    """
    fig = Figure(figsize=(4.0 * len(curves), 3.2), dpi=_DPI, layout="constrained")
    for i, (title, (f, low, high, point)) in enumerate(curves.items()):
        ax = fig.add_subplot(1, len(curves), i + 1)
        xs = _grid(low, high, 300)
        values, _ = _values_and_slopes(f, xs)
        (at,), (slope,) = _values_and_slopes(f, [point])
        ax.plot(xs, values, color=_PATH_COLORS[1], label="loss")
        half = 0.25 * (high - low)
        tx = [point - half, point + half]
        ax.plot(
            tx,
            [at - slope * half, at + slope * half],
            color=_PATH_COLORS[0],
            label=f"slope {slope:.3g} at {point:g}",
        )
        ax.plot([point], [at], "o", color=_PATH_COLORS[0])
        ax.set_xlabel("prediction")
        ax.set_ylabel("loss")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return Picture("losses", "loss functions with their slopes at a point", png=_png(fig))


def optimizer_paths(
    f: Callable[[Value, Value], Value],
    paths: Mapping[str, Sequence[tuple[float, float]]],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
) -> Picture:
    """The contour plot of a 2-D loss f(x, y) with each optimizer's path of (x, y) drawn on it."""
    fig = Figure(figsize=(7.0, 4.2), dpi=_DPI, layout="constrained")
    ax = fig.add_subplot()
    xs, ys = _grid(*xlim, 160), _grid(*ylim, 120)
    zs = [[f(Value(x), Value(y)).data for x in xs] for y in ys]
    levels = sorted(
        {
            min(map(min, zs)) + (max(map(max, zs)) - min(map(min, zs))) * (k / 24) ** 2
            for k in range(1, 25)
        }
    )
    ax.contour(xs, ys, zs, levels=levels, colors="0.6", linewidths=0.7)
    for color, (name, path) in zip(_PATH_COLORS, paths.items()):
        px, py = zip(*path)
        ax.plot(px, py, ".-", color=color, lw=1.4, ms=4, label=f"{name} ({len(path) - 1} steps)")
    start = next(iter(paths.values()))[0]
    ax.plot([start[0]], [start[1]], "ks", label="start")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title("optimizers on the same loss surface")
    ax.legend(fontsize=8, loc="lower right")
    return Picture("optimizers", "optimizer paths on a 2-D loss surface", png=_png(fig))


def derivative_curves(
    xs: Sequence[float], curves: Sequence[Sequence[float]], name: str = "tanh x"
) -> Picture:
    """A function (curves[0]) and its derivatives of order 1, 2, … (curves[1:]) over xs."""
    fig = Figure(figsize=(7.0, 4.0), dpi=_DPI, layout="constrained")
    ax = fig.add_subplot()
    ax.axhline(0.0, color="0.7", lw=0.8)
    ax.axvline(0.0, color="0.7", lw=0.8)
    for k, (ys, color) in enumerate(zip(curves, _PATH_COLORS)):
        label = name if k == 0 else f"order {k}: f" + "'" * k
        ax.plot(xs, ys, color=color, lw=2.2 if k == 0 else 1.4, label=label)
    ax.set_ylim(-5.0, 5.0)
    ax.set_xlabel("x")
    ax.set_title(
        f"{name} and its first {len(curves) - 1} derivatives, each nnscalar.grad of the last"
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return Picture("derivatives", "a function and its higher derivatives", png=_png(fig))


@dataclass(frozen=True)
class TimelineEvent:
    """One phase of a training step: "forward", "backward" or "update", its mini-batch, and where
    it starts and ends on the work axis; `grad` is the watched parameter's `.grad` at its end."""

    kind: str
    batch: int
    start: float
    end: float
    grad: float


def accumulation_timeline(
    events: Sequence[TimelineEvent], watched: str, unit: str = "graph nodes processed"
) -> Picture:
    """Gradient accumulation as a timeline: forward/backward per mini-batch, then one update,
    above the watched parameter's `.grad` summing up mini-batch by mini-batch."""
    colors = {"forward": "#1f77b4", "backward": "#d62728", "update": "#2ca02c"}
    lanes = ["forward", "backward", "update"]
    fig = Figure(figsize=(8.0, 4.0), dpi=_DPI, layout="constrained")
    bars, grads = fig.subplots(2, 1, sharex=True, height_ratios=(1.2, 1.0))
    for e in events:
        lane = lanes.index(e.kind)
        bars.broken_barh([(e.start, e.end - e.start)], (lane - 0.4, 0.8), color=colors[e.kind])
        if e.kind == "update":
            bars.text(
                e.end, lane, " one update", ha="left", va="center", color=colors[e.kind], fontsize=9
            )
        else:
            bars.text(
                (e.start + e.end) / 2,
                lane,
                f"mini-batch {e.batch + 1}",
                ha="center",
                va="center",
                color="white",
                fontsize=8,
            )
    bars.set_xlim(events[0].start, events[-1].end + 0.15 * (events[-1].end - events[0].start))
    bars.set_yticks(range(len(lanes)), lanes)
    bars.invert_yaxis()
    bars.set_title("one optimizer step with gradient accumulation")
    ends = [(e.end, e.grad) for e in events if e.kind == "backward"]
    gx = [events[0].start] + [x for x, _ in ends]
    gy = [0.0] + [g for _, g in ends]
    grads.step(gx, gy, where="post", color=colors["backward"])
    grads.plot(gx[1:], gy[1:], "o", color=colors["backward"])
    update = next(e.start for e in events if e.kind == "update")
    grads.axvline(update, color=colors["update"], ls="--", label="optimizer.step()")
    grads.axhline(0.0, color="0.7", lw=0.8)
    grads.set_ylabel(f"{watched}.grad")
    grads.set_xlabel(unit)
    grads.legend(fontsize=8, loc="best")
    return Picture("accumulation", "gradient accumulation timeline", png=_png(fig))


def _values_and_slopes(
    f: Callable[[Value], Value], xs: Sequence[float]
) -> tuple[list[float], list[float]]:
    values, slopes = [], []
    for x in xs:
        v = Value(x, label="x")
        out = f(v)
        out.backward()
        values.append(out.data)
        slopes.append(v.grad)
    return values, slopes


def _grid(low: float, high: float, n: int) -> list[float]:
    return [low + (high - low) * i / (n - 1) for i in range(n)]


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
