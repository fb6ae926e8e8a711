"""Pictures of models drawn from live nn objects: the network as columns of circles, and one neuron.

Only attributes are read (`layers`, `neurons`, `synapses`, `weight`, `bias`, `inputs`, `z`,
`output`), so this module needs no import of nn and never changes a number.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from . import dot
from .colors import ROLE_COLORS, sign_color
from .drawing import Drawing
from .graph import RANKDIRS

if TYPE_CHECKING:
    from ..nn import MLP, Neuron

__all__ = ["draw_network", "draw_neuron"]


def _check(rankdir: str, precision: int) -> None:
    if rankdir not in RANKDIRS:
        raise ConfigError(f"rankdir={rankdir!r} is not valid; valid: {', '.join(RANKDIRS)}")
    if not isinstance(precision, int) or isinstance(precision, bool) or precision < 1:
        raise ConfigError(f"precision={precision!r} is not valid; valid: an int >= 1")


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
) -> Drawing:
    """The classic picture of `mlp`: columns of circles, an edge per synapse (width by |weight|).

    Edges are blue for positive weights, red for negative; biases are written in their neuron;
    after a call, inputs and outputs show their numbers too.
    """
    _check(rankdir, precision)
    n = precision
    inputs = getattr(mlp.layers[0].neurons[0], "inputs", None)
    columns: list[list[tuple[str, str, str]]] = [[]]  # per column: (node id, label, role)
    for i in range(mlp.n_inputs):
        text = f"<b>x{i + 1}</b>"
        if inputs is not None:
            text += _small(dot.number(_data(inputs[i]), n))
        columns[0].append((f"x{i + 1}", text, "input"))
    titles = ["input layer"]
    edges = []
    weights = [
        abs(s.weight.data) for layer in mlp.layers for nr in layer.neurons for s in nr.synapses
    ]
    largest = max(weights, default=0.0) or 1.0
    last = len(mlp.layers) - 1
    for k, layer in enumerate(mlp.layers):
        column = []
        for neuron in layer.neurons:
            text = f"<b>{dot.html(neuron.name)}</b>" + _small(
                f"b {dot.number(neuron.bias.data, n)}"
            )
            if show_grad:
                text += _small(f"∂b {dot.number(neuron.bias.grad, n)}")
            output = getattr(neuron, "output", None)
            if output is not None:
                text += _small(f"out {dot.number(output.data, n)}")
            column.append((_node_id(neuron.name), text, "output" if k == last else "neuron"))
            for synapse in neuron.synapses:
                edges.append(_synapse_edge(synapse, k, largest, show_weights, show_grad, n))
        columns.append(column)
        kind = "output layer" if k == last else f"hidden layer {k + 1}"
        titles.append(f"{kind} ({layer.activation})")
    body = [
        dot.node("node", shape="circle", style="filled", fixedsize="true", width=_SIZE, fontsize=10)
    ]
    tallest = max(len(column) for column in columns)
    for c, (title, column) in enumerate(zip(titles, columns)):
        for r, (name, text, role) in enumerate(column):
            place = _place(c, r - (len(column) - 1) / 2, rankdir)
            body.append(
                dot.node(name, label=dot.Html(text), fillcolor=ROLE_COLORS[role], pos=place)
            )
        header = _place(c, -(tallest - 1) / 2 - 0.8, rankdir)
        body.append(
            dot.node(
                f"title{c}",
                shape="plaintext",
                style="",
                fixedsize="false",
                fontsize=11,
                label=title,
                pos=header,
            )
        )
    # Positions are computed here (columns, rows in order) and pinned: a layout engine would
    # reorder the neurons of a column to save crossings, and a picture must keep N1 above N2.
    text = dot.digraph([*body, *edges], rankdir=rankdir, layout="neato", splines="false")
    return Drawing(text)


_SIZE = 0.95  # inches: a neuron's circle
_COLUMN_GAP = 2.6
_ROW_GAP = 1.25


def _place(column: float, row: float, rankdir: str) -> str:
    """A pinned position in inches: columns left to right (LR) or top to bottom (TB)."""
    across, down = column * _COLUMN_GAP, row * _ROW_GAP
    x, y = (across, -down) if rankdir in ("LR", "RL") else (down, -across)
    if rankdir in ("RL", "BT"):
        x, y = (-x, y) if rankdir == "RL" else (x, -y)
    return f"{x:g},{y:g}!"


def _synapse_edge(
    synapse: Any, layer: int, largest: float, show_weights: bool, show_grad: bool, n: int
) -> str:
    w = synapse.weight
    source = f"x{synapse.source + 1}" if layer == 0 else f"L{layer}_N{synapse.source + 1}"
    attrs: dict[str, object] = {
        "penwidth": f"{0.4 + 3.6 * abs(w.data) / largest:.2f}",
        "color": sign_color(w.data),
        "arrowsize": 0.5,
        "tooltip": f"{w.label} = {dot.number(w.data, n)}",
    }
    label = [dot.number(w.data, n)] if show_weights else []
    if show_grad:
        label.append(f"∂ {dot.number(w.grad, n)}")
    if label:
        attrs.update(
            headlabel=" ".join(label),
            labeldistance=6,
            labelangle=9,
            fontcolor="#333333",
            fontsize=8,
        )
    return dot.edge(source, _node_id(synapse.target.name), **attrs)


def draw_neuron(
    neuron: Neuron, show_grad: bool = True, precision: int = 4, rankdir: str = "LR"
) -> Drawing:
    """One neuron, part by part: inputs → synapses (weights) → Σ (z) → activation → output.

    After a call the boxes carry that call's numbers (each wᵢxᵢ, z, output), and after
    `backward()` their gradients unless `show_grad=False`.
    """
    _check(rankdir, precision)
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
    title = f"neuron {neuron.name} ({neuron.activation})"
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
