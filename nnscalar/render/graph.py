"""`draw`: a computation graph as DOT text, one box per Value and one node per op.

Node names come from topological position (`v0` is the first leaf), never from `id()`, so the
same graph always gives the same text. Constants the engine kept as plain numbers get small dashed
boxes; the fused neuron op `Σwx+b` is one box; `cluster` and `collapse` read neurons from labels.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..core import Value, topological_order
from ..errors import ConfigError, RenderError, describe
from ..foreign import as_value, is_value_like
from ..ops import OPS, op_of, operands
from . import dot
from .colors import (
    CONSTANT_COLOR,
    HIGHLIGHT,
    ROLE_COLORS,
    grad_color,
    grad_legend,
    role_legend,
    sign_color,
    sign_legend,
)
from .drawing import Drawing
from .groups import PARAMETER_LABEL, layer_and_neuron, neuron_groups

__all__ = ["draw"]

RANKDIRS = ("LR", "TB", "RL", "BT")
COLOR_BY = (None, "role", "grad")
MAX_NODES = 1500
MAX_ENTRIES = 8  # a collapsed group's box shows this many outputs' numbers, then "…"
MAX_GIVEN = 4  # a group of more leaves (inputs, weights) says how many, its tooltip lists them
_WEIGHT_LABEL = re.compile(r"^L\d+\.N\d+\.w(\d+)$")


@dataclass
class _Options:
    show_grad: bool
    color_by: str | None
    precision: int
    highlight: set[Value]
    params: set[Value] | None
    root: Value
    largest_grad: float = 0.0
    signs: bool = False  # numbers written in their sign's colour (a drawing of named groups)


@dataclass
class _Picture:
    """Statements collected per place: the top level or a neuron (`L1.N3`); edges go last."""

    nodes: dict[str | None, list[str]] = field(default_factory=lambda: {None: []})
    ids: dict[str, str] = field(default_factory=dict)  # a named group's DOT name: g0, g1, …
    boxes: set[str] = field(default_factory=set)  # the DOT names of collapsed named groups
    edges: list[str] = field(default_factory=list)
    edge_set: set[tuple[str, str]] = field(default_factory=set)
    roles: set[str] = field(default_factory=set)  # for the legend: only roles that appear

    def add(self, place: str | None, statement: str) -> None:
        self.nodes.setdefault(place, []).append(statement)

    def connect(self, tail: str, head: str, once: bool = False, **attrs: object) -> None:
        if once:
            if (tail, head) in self.edge_set:
                return
            self.edge_set.add((tail, head))
        self.edges.append(dot.edge(tail, head, **attrs))


def draw(
    root: Value,
    rankdir: str = "LR",
    show_grad: bool = True,
    highlight: Value | Iterable[Value] = (),
    color_by: str | None = None,
    cluster: bool = False,
    collapse: bool = False,
    precision: int = 4,
    max_nodes: int = MAX_NODES,
    params: Iterable[Value] | None = None,
    groups: Mapping[Value, str] | None = None,
    notes: Mapping[str, str] | None = None,
    expand: Iterable[str] = (),
) -> Drawing:
    """The computation graph that produced `root`, as a `Drawing` (DOT now, SVG when asked).

    `cluster` and `collapse` group nodes by neuron, or by `groups` (node → box name, with
    `notes`: box name → what it computes) when given, as `draw_attention` does; with `collapse`,
    the groups named in `expand` still show their nodes, in a cluster.

    >>> draw(Value(2.0, label="x") * 3.0).dot.startswith("digraph")
    True
    """
    root = as_value(root) if is_value_like(root) else root  # micrograd, a student's engine
    _check_options(root, rankdir, color_by, precision, max_nodes)
    order = topological_order(root)
    named = groups is not None
    if named:
        groups = {node: groups[node] for node in order if node in groups}
    else:
        groups = neuron_groups(order) if cluster or collapse else {}
    expand = set(expand)
    collapsed = {node: g for node, g in groups.items() if g not in expand} if collapse else {}
    count = sum(1 for node in order if node not in collapsed) + len(set(collapsed.values()))
    if count > max_nodes:
        raise RenderError(
            f"this graph has {count} nodes to draw, more than max_nodes={max_nodes}: pass "
            "collapse=True (one box per neuron) or cluster=True, draw a smaller graph (one "
            "sample, a smaller model), or raise max_nodes if you really want it"
        )
    options = _Options(
        show_grad,
        color_by,
        precision,
        _highlighted(highlight, order),
        None if params is None else set(params),
        root,
        max((abs(node.grad) for node in order), default=0.0),
        named,
    )
    picture = _Picture()
    if named:
        picture.ids = group_ids(order, groups)
        picture.boxes = {picture.ids[group] for group in collapsed.values()}
    names = {node: f"v{i}" for i, node in enumerate(order)}
    for node, group in collapsed.items():
        names[node] = picture.ids.get(group) or _group_name(group)
    shared_inputs: dict[tuple[int, float], str] = {}
    for i, node in enumerate(order):
        place = groups.get(node)
        if node in collapsed:
            _draw_operands(
                picture,
                node,
                f"v{i}",
                names,
                shared_inputs,
                options,
                head=names[node],
                place=place,
                constants=not named,  # a named group's note says what its constants do
            )
            continue
        role = _role(node, options)
        picture.roles.add(role)
        picture.add(place, _value_node(names[node], node, role, options))
        if node.parents:
            op_name = f"v{i}_op"
            picture.add(place, _op_node(op_name, node, precision))
            picture.connect(op_name, names[node])
            _draw_operands(
                picture, node, f"v{i}", names, shared_inputs, options, head=op_name, place=place
            )
    if collapsed and named:
        _draw_groups(picture, order, collapsed, notes or {}, options)
    elif collapsed:
        _draw_neurons(picture, order, collapsed, options)
    if color_by == "role":
        picture.add(None, role_legend([r for r in ROLE_COLORS if r in picture.roles]))
    elif color_by == "grad":
        picture.add(None, grad_legend(options.largest_grad, precision))
    elif named:
        note = "each box: data, then grad" if show_grad else "each box: its data"
        picture.add(None, sign_legend("number", (note,)))
    body = _layout(picture, cluster, collapse, notes if named else None, set(collapsed.values()))
    return Drawing(dot.digraph(body, rankdir=rankdir, nodesep=0.25, ranksep=0.35))


def group_ids(order: Iterable[Value], groups: Mapping[Value, str]) -> dict[str, str]:
    """Each named group's DOT name, `g0`, `g1`, … in the order of its first node in `order`."""
    ids: dict[str, str] = {}
    for node in order:
        if node in groups:
            ids.setdefault(groups[node], f"g{len(ids)}")
    return ids


def group_outputs(
    order: list[Value], groups: Mapping[Value, str], root: Value
) -> dict[str, list[Value]]:
    """Each group's outputs, in `order`: its nodes that are `root` or that a node outside the
    group reads — what its box shows."""
    used_outside = {
        parent
        for node in order
        for parent in node.parents
        if groups.get(parent) != groups.get(node)
    }
    outputs: dict[str, list[Value]] = {}
    for node in order:
        if node in groups:
            kept = outputs.setdefault(groups[node], [])
            if node is root or node in used_outside:
                kept.append(node)
    return outputs


def check_options(rankdir: str, precision: int) -> None:
    """Refuse a `rankdir` or `precision` no picture can use (shared by every draw function)."""
    if rankdir not in RANKDIRS:
        raise ConfigError(f"rankdir={rankdir!r} is not valid; valid: {', '.join(RANKDIRS)}")
    if not isinstance(precision, int) or isinstance(precision, bool) or precision < 1:
        raise ConfigError(f"precision={precision!r} is not valid; valid: an int >= 1")


def _check_options(
    root: object, rankdir: str, color_by: str | None, precision: int, max_nodes: int
) -> None:
    if not isinstance(root, Value):
        raise ConfigError(f"draw needs a Value, got {type(root).__name__} {root!r}")
    check_options(rankdir, precision)
    if color_by not in COLOR_BY:
        raise ConfigError(f"color_by={color_by!r} is not valid; valid: None, 'role', 'grad'")
    if not isinstance(max_nodes, int) or isinstance(max_nodes, bool) or max_nodes < 1:
        raise ConfigError(f"max_nodes={max_nodes!r} is not valid; valid: an int >= 1")


def _highlighted(highlight: Value | Iterable[Value], order: list[Value]) -> set[Value]:
    wanted = {highlight} if isinstance(highlight, Value) else set(highlight)
    missing = wanted.difference(order)
    if missing:
        shown = ", ".join(sorted(describe(v) for v in missing))
        raise ConfigError(f"highlight: {shown} is not part of this graph; pass nodes it holds")
    return wanted


def _role(node: Value, options: _Options) -> str:
    if node is options.root:
        return "output"
    if node.parents:
        return "intermediate"
    if options.params is not None:
        return "parameter" if node in options.params else "input"
    return "parameter" if PARAMETER_LABEL.match(node.label) else "input"


def _fill(node: Value, role: str, options: _Options) -> str:
    if options.color_by == "role":
        return ROLE_COLORS[role]
    if options.color_by == "grad":
        return grad_color(node.grad, options.largest_grad)
    return "#ffffff"


def _cells(node: Value, options: _Options, label: bool = True) -> list[str]:
    """The table cells of a Value's box: label (bold), data, grad."""
    cells = [f"<td><b>{dot.html(node.label)}</b></td>"] if label and node.label else []
    cells.append(f"<td>data {_number(node.data, options)}</td>")
    if options.show_grad:
        cells.append(f"<td>grad {_number(node.grad, options)}</td>")
    return cells


def _number(x: float, options: _Options) -> str:
    """`x` as the picture writes it: in its sign's colour in a drawing of named groups."""
    text = dot.number(x, options.precision)
    if options.signs and text != "0":
        return f'<font color="{sign_color(x)}">{text}</font>'
    return text


def _table(cells: list[str], fill: str, highlighted: bool) -> dot.Html:
    border = f'border="3" color="{HIGHLIGHT}"' if highlighted else 'border="0"'
    return dot.Html(
        f'<table {border} cellborder="1" cellspacing="0" cellpadding="4" bgcolor="{fill}">'
        f"<tr>{''.join(cells)}</tr></table>"
    )


def _value_node(name: str, node: Value, role: str, options: _Options) -> str:
    label = _table(_cells(node, options), _fill(node, role, options), node in options.highlight)
    return dot.node(name, shape="plain", label=label)


def _op_node(name: str, node: Value, precision: int) -> str:
    op = op_of(node)
    text = dot.html(op.symbol)
    if op.param:
        text += f'<br/><font point-size="8">{op.param} {dot.number(node.arg, precision)}</font>'
    elif op.name == "log_softmax":
        text += f'<br/><font point-size="8">entry k = {node.arg}</font>'
    if op.name == "wsum":
        return dot.node(
            name, shape="box", style="rounded,filled", fillcolor="#eeeeee", label=dot.Html(text)
        )
    shape = "circle" if len(op.symbol) <= 2 and not op.param else "ellipse"
    return dot.node(
        name, shape=shape, style="filled", fillcolor="#eeeeee", margin=0.02, label=dot.Html(text)
    )


def _constant_node(name: str, text: str) -> str:
    return dot.node(
        name,
        shape="box",
        style="dashed,rounded,filled",
        fillcolor=CONSTANT_COLOR,
        fontsize=9,
        height=0.3,
        margin="0.06,0.02",
        label=text,
    )


def _draw_operands(
    picture: _Picture,
    node: Value,
    prefix: str,
    names: dict[Value, str],
    shared_inputs: dict[tuple[int, float], str],
    options: _Options,
    head: str,
    place: str | None,
    constants: bool = True,
) -> None:
    """Edges from each operand of `node` (Values and constants, in written order) to `head`."""
    once = head != f"{prefix}_op"  # into a collapsed neuron, one edge per source is enough
    if node.op == "wsum":
        n = len(node.arg)
        for weight, x, i in zip(node.parents[:n], node.arg, range(1, n + 1)):
            _connect_value(picture, names[weight], head, once)
            if isinstance(x, Value):
                _connect_value(picture, names[x], head, once)
            else:
                _shared_input(picture, shared_inputs, i, x, head, options)
        _connect_value(picture, names[node.parents[-1]], head, once)
        return
    items = list(operands(node))
    if node.op == "sum" and node.arg is not None:
        items.append(node.arg)
    # where operand order matters (the op table says), the edges say which is `a` and which `b`
    ordered = node.op in OPS and OPS[node.op].ordered and len(items) == 2
    for position, item in enumerate(items):
        attrs = {"label": "ab"[position]} if ordered and not once else {}
        if isinstance(item, Value):
            _connect_value(picture, names[item], head, once, **attrs)
        elif not constants:
            continue
        elif once and _input_index(node) is not None:
            # wᵢ·xᵢ of an expanded neuron, drawn collapsed: xᵢ is the layer's input i, one box
            # shared by every neuron of the layer, as for fused neurons
            _shared_input(picture, shared_inputs, _input_index(node), item, head, options)
        else:
            constant = f"{prefix}_c{position}"
            picture.add(place, _constant_node(constant, dot.number(item, options.precision)))
            picture.connect(constant, head, **attrs)


def _shared_input(
    picture: _Picture,
    shared_inputs: dict[tuple[int, float], str],
    i: int,
    x: float,
    head: str,
    options: _Options,
) -> None:
    """A layer's plain-number input i is the same for all its neurons: one box `xi = …` each."""
    key = (i, x)
    if key not in shared_inputs:
        shared_inputs[key] = f"in{len(shared_inputs)}"
        text = f"x{i} = {dot.number(x, options.precision)}"
        picture.add(None, _constant_node(shared_inputs[key], text))
    picture.connect(shared_inputs[key], head, once=True)


def _input_index(node: Value) -> int | None:
    """i when `node` is wᵢ·x of an expanded neuron (a weight labelled `L1.N3.wi` times a number)."""
    if node.op != "*" or len(node.parents) != 1:
        return None
    match = _WEIGHT_LABEL.match(node.parents[0].label)
    return int(match.group(1)) if match else None


def _connect_value(picture: _Picture, tail: str, head: str, once: bool, **attrs: object) -> None:
    if tail != head:  # inside a collapsed neuron its parts feed each other: no self-loop
        # a box standing for many numbers (x₃, Wq) feeds an op once, not once per number
        picture.connect(tail, head, once=once or tail in picture.boxes, **attrs)


def _group_name(group: str) -> str:
    return "n_" + group.replace(".", "_")


def _draw_neurons(
    picture: _Picture, order: list[Value], collapsed: dict[Value, str], options: _Options
) -> None:
    """One box per collapsed neuron, showing its output: the last of its nodes in `order`."""
    outputs: dict[str, Value] = {}
    for node in order:
        if node in collapsed:
            outputs[collapsed[node]] = node
    highlighted = {collapsed[v] for v in options.highlight if v in collapsed}
    for group, out in outputs.items():
        title = f"<b>{dot.html(group)}</b>"
        if out.label.endswith(".z"):  # a linear neuron: its output is z, the sum itself
            title += " linear"
        elif out.op:
            title += f" {dot.html(op_of(out).symbol)}"
        cells = [f"<td>{title}</td>", *_cells(out, options, label=False)]
        role = "output" if out is options.root else "neuron"
        picture.roles.add(role)
        if options.color_by == "grad":
            fill = grad_color(out.grad, options.largest_grad)
        else:
            fill = ROLE_COLORS[role if options.color_by == "role" else "neuron"]
        label = _table(cells, fill, group in highlighted)
        picture.add(group, dot.node(_group_name(group), shape="plain", label=label))


def _draw_groups(
    picture: _Picture,
    order: list[Value],
    collapsed: dict[Value, str],
    notes: Mapping[str, str],
    options: _Options,
) -> None:
    """One box per named group: its name and note beside the data and grad of its outputs (the
    nodes of the group that are the root or that a node outside it reads), in order; a group of
    many leaves (inputs, weights) says how many numbers it holds, listed in its tooltip."""
    members: dict[str, list[Value]] = {}
    for node in order:
        if node in collapsed:
            members.setdefault(collapsed[node], []).append(node)
    outputs_of = group_outputs(order, collapsed, options.root)
    highlighted = {collapsed[v] for v in options.highlight if v in collapsed}
    for group, nodes in members.items():
        outputs = outputs_of[group]
        note = notes.get(group, "")
        title = f"<b>{dot.html(group)}</b>"
        if note:
            title += f'<br/><font point-size="10">{dot.html(note)}</font>'
        if len(outputs) > MAX_GIVEN and all(not v.parents for v in outputs):
            rows = [[f"<td>{len(outputs)} numbers</td>"]]
        else:
            shown = outputs[:MAX_ENTRIES]
            more = ["<td>…</td>"] if len(outputs) > len(shown) else []
            rows = [["<td>data</td>", *[f"<td>{_number(v.data, options)}</td>" for v in shown]]]
            if options.show_grad:
                rows.append(
                    ["<td>grad</td>", *[f"<td>{_number(v.grad, options)}</td>" for v in shown]]
                )
            rows = [row + more for row in rows]
        rows[0].insert(0, f'<td rowspan="{len(rows)}">{title}</td>')
        border = f'border="3" color="{HIGHLIGHT}"' if group in highlighted else 'border="0"'
        role = "output" if options.root in nodes else "neuron"
        label = dot.Html(
            f'<table {border} cellborder="1" cellspacing="0" cellpadding="4" '
            f'bgcolor="{ROLE_COLORS[role]}">'
            + "".join(f"<tr>{''.join(row)}</tr>" for row in rows)
            + "</table>"
        )
        tooltip = "\n".join(
            f"{v.label} = {dot.number(v.data, 6)}, grad {dot.number(v.grad, 6)}" for v in nodes
        )
        statement = dot.node(picture.ids[group], shape="plain", label=label, tooltip=tooltip)
        picture.add(group, statement)


def _layout(
    picture: _Picture,
    cluster: bool,
    collapse: bool,
    notes: Mapping[str, str] | None = None,
    boxes: set[str] | frozenset[str] = frozenset(),
) -> list[str]:
    """Node statements, in clusters per layer and neuron (or per named group, in the order of
    `notes`, where not drawn as one of the `boxes`) when asked, then every edge."""
    body = list(picture.nodes[None])
    if notes is not None:
        rank = {group: i for i, group in enumerate(notes)}
        named = sorted((g for g in picture.nodes if g is not None), key=lambda g: rank.get(g, -1))
        for group in named:
            statements = picture.nodes[group]
            if (cluster or collapse) and group not in boxes:
                note = notes.get(group, "")
                body += dot.cluster(
                    picture.ids[group],
                    f"{group}: {note}" if note else group,
                    statements,
                    style="rounded",
                    color="#9e9e9e",
                    fontsize=10,
                )
            else:
                body += statements
        return body + picture.edges
    neurons = sorted((g for g in picture.nodes if g is not None), key=layer_and_neuron)
    if not cluster:
        for group in neurons:
            body += picture.nodes[group]
        return body + picture.edges
    layers: dict[int, list[str]] = {}
    for group in neurons:
        layer = layers.setdefault(layer_and_neuron(group)[0], [])
        statements = picture.nodes[group]
        if collapse:  # a collapsed neuron is one box: it needs no cluster of its own
            layer += statements
        else:
            layer += dot.cluster(
                _group_name(group), group, statements, style="rounded", color="#9e9e9e", fontsize=10
            )
    for number, statements in layers.items():
        body += dot.cluster(
            f"L{number}",
            f"L{number}",
            statements,
            style="rounded,filled",
            color="#bdbdbd",
            fillcolor="#fafafa",
            fontsize=11,
        )
    return body + picture.edges
