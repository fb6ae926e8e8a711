"""Pictures of models drawn from live nn objects: the network as columns of circles, and one neuron.

Only attributes are read (`layers`, `neurons`, `synapses`, `weight`, `bias`, `inputs`, `z`,
`output`), so this module needs no import of nn and never changes a number.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import dot
from .colors import ROLE_COLORS, sign_color, sign_legend
from .drawing import Drawing
from .graph import check_options

if TYPE_CHECKING:
    from ..nn import MLP, Neuron

__all__ = ["draw_network", "draw_neuron"]


def _data(x: Any) -> float:
    return getattr(x, "data", x)


def _node_id(name: str) -> str:
    return name.replace(".", "_")


def _small(text: str) -> str:
    return f'<br/><font point-size="8">{dot.html(text)}</font>'


def draw_network(
    mlp: MLP,
    show_weights: bool = False,
    show_grad: bool = False,
    precision: int = 3,
    rankdir: str = "LR",
    title: str | None = None,
) -> Drawing:
    """The classic picture of `mlp`: columns of circles, an edge per synapse (width by |weight|).

    Edges are blue for positive weights, red for negative (a legend says so); biases are
    written in their neuron; after a call, inputs and outputs show their numbers too. A network
    with a column of more than 8 neurons is drawn compact, for a screen: landscape, small
    circles named by number, edge width and opacity by |weight|, every number in the tooltips
    (hover in an SVG) and weight labels only on layers of at most 16 synapses, where they fit.
    `title`, when given, is written above the picture.
    """
    check_options(rankdir, precision)
    n = precision
    tallest = max(mlp.n_inputs, *(len(layer.neurons) for layer in mlp.layers))
    grid = _Grid.compact(tallest, len(mlp.layers) + 1) if tallest > _COMPACT_FROM else _Grid()
    inputs = getattr(mlp.layers[0].neurons[0], "inputs", None)
    columns: list[list[tuple[str, str, str, str]]] = [[]]  # (node id, label, role, tooltip)
    for i in range(mlp.n_inputs):
        text = f"<b>x{i + 1}</b>"
        tip = f"x{i + 1}"
        if inputs is not None:
            tip += f" = {dot.number(_data(inputs[i]), n)}"
            if not grid.compact:
                text += _small(dot.number(_data(inputs[i]), n))
        columns[0].append((f"x{i + 1}", text, "input", tip))
    titles = ["input layer"]
    edges, weight_labels = [], []
    weights = [
        abs(s.weight.data) for layer in mlp.layers for nr in layer.neurons for s in nr.synapses
    ]
    largest = max(weights, default=0.0) or 1.0
    last = len(mlp.layers) - 1
    for k, layer in enumerate(mlp.layers):
        column = []
        labelled = (show_weights or show_grad) and (
            not grid.compact or layer.neurons[0].n_inputs * len(layer.neurons) <= _LABELS_UP_TO
        )
        for i, neuron in enumerate(layer.neurons):
            name = _node_id(neuron.name)
            parts = [f"b {dot.number(neuron.bias.data, n)}"]
            if show_grad:
                parts.append(f"∂b {dot.number(neuron.bias.grad, n)}")
            output = getattr(neuron, "output", None)
            if output is not None:
                parts.append(f"out {dot.number(output.data, n)}")
            if grid.compact:
                text = f"<b>{neuron.name.split('.')[-1]}</b>"
            else:
                text = f"<b>{dot.html(neuron.name)}</b>" + "".join(_small(p) for p in parts)
            tip = f"{neuron.name}: {', '.join(parts)}"
            column.append((name, text, "output" if k == last else "neuron", tip))
            row = i - (len(layer.neurons) - 1) / 2
            for synapse in neuron.synapses:
                source = columns[k][synapse.source][0]
                edges.append(_synapse_edge(synapse, source, name, largest, n, grid.compact))
                if labelled:
                    # on the edge, part of the way back from the neuron it feeds: the edges into
                    # one neuron fan out there, so their labels stay apart
                    source_row = synapse.source - (len(columns[k]) - 1) / 2
                    at = (k + 1 - grid.label_at, row + grid.label_at * (source_row - row))
                    label = _weight_label(synapse.weight, show_weights, show_grad, n)
                    weight_labels.append((f"{source}_{name}", label, at))
        columns.append(column)
        kind = "output layer" if k == last else f"hidden layer {k + 1}"
        name = f"{kind} ({layer.activation})"
        titles.append(f"{name}, L{k + 1}" if grid.compact else name)
    body = [
        dot.node(
            "node",
            shape="circle",
            style="filled",
            fixedsize="true",
            width=grid.size,
            fontsize=grid.fontsize,
        )
    ]
    for c, (heading, column) in enumerate(zip(titles, columns)):
        for r, (name, text, role, tip) in enumerate(column):
            place = grid.place(c, r - (len(column) - 1) / 2, rankdir)
            attrs = {"tooltip": tip} if grid.compact else {}
            body.append(
                dot.node(
                    name, label=dot.Html(text), fillcolor=ROLE_COLORS[role], pos=place, **attrs
                )
            )
        # a title beside a column (TB) needs more room than one above it (LR): it is wide
        above = grid.title_gap if rankdir in ("LR", "RL") else 2 * grid.title_gap
        header = grid.place(c, -(tallest - 1) / 2 - above, rankdir)
        body.append(
            dot.node(
                f"title{c}",
                shape="plaintext",
                style="",
                fixedsize="false",
                fontsize=11,
                label=heading,
                pos=header,
            )
        )
    for name, (text, color), (column, row) in weight_labels:
        body.append(
            dot.node(
                f"w_{name}",
                shape="plaintext",
                style="filled",
                fillcolor="#ffffff",
                fixedsize="false",
                width=0,
                height=0,
                margin="0.02,0.01",
                fontsize=9 if grid.compact else 7,  # compact: the few labels have room
                fontcolor=color,
                label=text,
                pos=grid.place(column, row, rankdir),
            )
        )
    notes = ["width: |weight|"]
    if grid.compact:
        notes = ["width and opacity: |weight|", "hover a circle or an edge: its numbers"]
    body.append(
        sign_legend(
            "weight",
            tuple(notes),
            fixedsize="false",
            pos=grid.place(0, (tallest - 1) / 2 + grid.legend_below, rankdir),
        )
    )
    # Positions are computed here (columns, rows in order) and pinned: a layout engine would
    # reorder the neurons of a column to save crossings, and a picture must keep N1 above N2.
    # Edges are drawn first, under the filled circles, so no line crosses a neuron's text.
    above = {"label": title, "labelloc": "t", "fontsize": 14} if title else {}
    text = dot.digraph(
        [*body, *edges],
        rankdir=rankdir,
        layout="neato",
        splines="false",
        outputorder="edgesfirst",
        **above,
    )
    return Drawing(text)


_COMPACT_FROM = 8  # a column of more neurons than this is drawn compact
_LABELS_UP_TO = 16  # compact: a layer of at most this many synapses gets its weights written


class _Grid:
    """Where circles go, in inches: the roomy grid of small networks, or a compact one."""

    def __init__(
        self,
        column_gap: float = 2.6,
        row_gap: float = 1.25,
        row_gap_tb: float = 1.6,  # rows side by side: wider apart, so the weights' labels fit
        size: float = 0.95,  # a neuron's circle
        fontsize: float = 10,
        label_at: float = 0.4,  # where a weight's label sits: this fraction of its edge back
        title_gap: float = 0.8,  # rows between the top circle and its column's title
        legend_below: float = 1.0,  # rows from the bottom circle down to the legend's centre
        compact: bool = False,
    ) -> None:
        self.column_gap, self.row_gap, self.row_gap_tb = column_gap, row_gap, row_gap_tb
        self.size, self.fontsize, self.label_at = size, fontsize, label_at
        self.title_gap, self.legend_below, self.compact = title_gap, legend_below, compact

    @classmethod
    def compact(cls, tallest: int, columns: int) -> _Grid:
        """A grid about 7 inches tall and 1.7 times as wide: a 16:9 screen's shape."""
        row_gap = 7.0 / (tallest - 1)
        column_gap = max(2.6, 1.7 * 7.0 / max(1, columns - 1))
        return cls(column_gap, row_gap, row_gap, 0.8 * row_gap, 9, 0.55, 1.0 / row_gap, -1.0, True)

    def place(self, column: float, row: float, rankdir: str) -> str:
        """A pinned position: columns left to right (LR) or top to bottom (TB)."""
        horizontal = rankdir in ("LR", "RL")
        across = column * self.column_gap
        down = row * (self.row_gap if horizontal else self.row_gap_tb)
        x, y = (across, -down) if horizontal else (down, -across)
        if rankdir in ("RL", "BT"):
            x, y = (-x, y) if rankdir == "RL" else (x, -y)
        return f"{x:.4g},{y:.4g}!"


def _synapse_edge(
    synapse: Any, source: str, target: str, largest: float, n: int, compact: bool
) -> str:
    """One edge: width by |weight| (and opacity, compact), colour by its sign, value as tooltip."""
    w = synapse.weight
    share = abs(w.data) / largest
    color = sign_color(w.data)
    if compact:
        color += f"{round(255 * (0.15 + 0.85 * share)):02x}"
        width = f"{0.3 + 2.7 * share:.2f}"
    else:
        width = f"{0.4 + 3.6 * share:.2f}"
    return dot.edge(
        source,
        target,
        penwidth=width,
        color=color,
        arrowsize=0.5,
        **({"arrowhead": "none"} if compact else {}),  # sixteen heads into one circle: a blot
        tooltip=f"{w.label} = {dot.number(w.data, n)}",
    )


def _weight_label(w: Any, show_weights: bool, show_grad: bool, n: int) -> tuple[str, str]:
    """The text of a weight's label (its value, its gradient or both) and its colour."""
    parts = [dot.number(w.data, n)] if show_weights else []
    if show_grad:
        parts.append(f"∂w {dot.number(w.grad, n)}")
    return ", ".join(parts), sign_color(w.data)


def draw_neuron(
    neuron: Neuron,
    show_grad: bool = True,
    precision: int = 4,
    rankdir: str = "LR",
    title: str | None = None,
) -> Drawing:
    """One neuron, part by part: inputs → synapses (weights) → Σ (z) → activation → output.

    After a call the boxes carry that call's numbers (each wᵢxᵢ, z, output), and after
    `backward()` their gradients unless `show_grad=False`. `title` replaces the heading
    "neuron L1.N3 (relu)".
    """
    check_options(rankdir, precision)
    n = precision
    inputs: Sequence[Any] | None = getattr(neuron, "inputs", None)
    z = getattr(neuron, "z", None)
    output = getattr(neuron, "output", None)
    body = []
    for synapse in neuron.synapses:
        i = synapse.index + 1
        source = getattr(synapse, "source_name", f"x{synapse.source + 1}")
        text = f"<b>{dot.html(source)}</b>"
        if inputs is not None:
            x = inputs[synapse.index]
            text += f" = {dot.number(_data(x), n)}"
            if show_grad and hasattr(x, "grad"):
                text += _small(f"grad {dot.number(x.grad, n)}")
        body.append(dot.node(f"x{i}", label=dot.Html(text), fillcolor=ROLE_COLORS["input"]))
        w = synapse.weight
        text = f"<b>w{i}</b> = {dot.number(w.data, n)}"
        if show_grad:
            text += _small(f"grad {dot.number(w.grad, n)}")
        if inputs is not None:
            text += _small(f"w·x = {dot.number(w.data * _data(inputs[synapse.index]), n)}")
        body.append(dot.node(f"s{i}", label=dot.Html(text), fillcolor=ROLE_COLORS["parameter"]))
        body.append(dot.edge(f"x{i}", f"s{i}"))
        body.append(dot.edge(f"s{i}", "z", color=sign_color(w.data)))
    b = neuron.bias
    text = f"<b>b</b> = {dot.number(b.data, n)}"
    if show_grad:
        text += _small(f"grad {dot.number(b.grad, n)}")
    body.append(dot.node("b", label=dot.Html(text), fillcolor=ROLE_COLORS["parameter"]))
    body.append(dot.edge("b", "z"))
    body.append(
        dot.node(
            "z",
            shape="box",
            style="rounded,filled",
            fillcolor="#eeeeee",
            label=dot.Html("<b>Σ wᵢxᵢ + b</b>" + _value_text("z", z, show_grad, n)),
        )
    )
    linear = neuron.activation == "linear"
    if not linear:
        body.append(
            dot.node(
                "act",
                shape="ellipse",
                style="filled",
                fillcolor="#eeeeee",
                label=dot.Html(f"<b>{dot.html(neuron.activation)}</b>"),
            )
        )
        body.append(dot.edge("z", "act"))
    out_text = f"<b>{dot.html(neuron.name)}</b> out" + _value_text("", output, show_grad, n)
    body.append(dot.node("out", label=dot.Html(out_text), fillcolor=ROLE_COLORS["output"]))
    body.append(dot.edge("z" if linear else "act", "out"))
    body.append(sign_legend("weight", ("the edge from its synapse to Σ",)))
    title = title or f"neuron {neuron.name} ({neuron.activation})"
    text = dot.digraph(
        [dot.node("node", shape="box", style="rounded,filled", fontsize=10), *body],
        rankdir=rankdir,
        label=title,
        labelloc="t",
        nodesep=0.15,
        ranksep=0.45,
    )
    return Drawing(text)


def _value_text(name: str, value: Any, show_grad: bool, n: int) -> str:
    """` = data` and a small grad line for a Value computed by the last call (nothing before)."""
    if value is None:
        return ""
    prefix = f" {name}" if name else ""
    text = f"<br/>{prefix} = {dot.number(value.data, n)}"
    if show_grad:
        text += _small(f"grad {dot.number(value.grad, n)}")
    return text
