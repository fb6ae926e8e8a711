"""Backpropagation as data: one record per node of the forward pass and per step of backward().

`backward_steps(root)` replays `root.backward()` on the side, node by node in reverse topological
order, keeping for every parent the local derivative (its formula from the op table and the
engine's number), the upstream gradient, the contribution and the gradient before and after.
The graph's `.data` and `.grad` are only read. Replaying the records gives exactly, bit for bit,
what one `backward()` call from zero leaf gradients gives.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from . import ops
from .core import Value, topological_order

__all__ = [
    "BackwardStep",
    "ForwardStep",
    "Steps",
    "Term",
    "backward_steps",
    "forward_steps",
    "node_names",
    "number",
    "replay",
    "steps",
]


def number(x: float) -> str:
    """`x` as a learner reads it: 4 significant digits, `-3.0` not `-3`, `0.0` not `-0`."""
    if x == 0.0:
        return "0.0"
    text = f"{x:.4g}"
    return text if any(c in text for c in ".en") else text + ".0"


def node_names(root: Value) -> dict[Value, str]:
    """A display name for every node of `root`'s graph: its label, else n1, n2, … in order.

    A label used by two different nodes gets `#2`, `#3` on its later uses, so names are unique.
    """
    return _names(topological_order(root))


def _names(order: list[Value]) -> dict[Value, str]:
    """`node_names` for the nodes of one topological order."""
    taken = {node.label for node in order if node.label}
    names: dict[Value, str] = {}
    seen: dict[str, int] = {}
    counter = 0
    for node in order:
        if node.label:
            seen[node.label] = seen.get(node.label, 0) + 1
            count = seen[node.label]
            names[node] = node.label if count == 1 else f"{node.label}#{count}"
        else:
            counter += 1
            while f"n{counter}" in taken:
                counter += 1
            names[node] = f"n{counter}"
    return names


# --- how an op is written, with names or with numbers ---------------------------------------------

_ROLE_SYMBOL = {"a": "a", "b": "b", "w": "w", "x": "x", "bias": "b", "term": "aᵢ"}


def _paren(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


def _written(node: Value, texts: Sequence[str]) -> str:
    """How `node`'s op is written with its operands shown as `texts` (names or numbers)."""
    op = node.op
    record = ops.op_of(node)
    form = record.form
    if form:  # the op table's way of writing it
        a, b = (*texts, "")[:2]
        return form.format(a=a, b=b, pa=_paren(a), pb=_paren(b))
    if op == "sum":
        # a sum of one term (or none) is still a node of its own: written as a call
        return " + ".join(texts) if len(texts) > 1 else f"sum({', '.join(texts)})"
    if op == "wsum":
        n = len(node.arg)
        products = [f"{_paren(w)}·{_paren(x)}" for w, x in zip(texts[:n], texts[n : 2 * n])]
        return " + ".join([*products, texts[-1]])
    if op == "log_softmax":
        return f"log_softmax({', '.join(texts)})[{node.arg}]"  # k counts from 0, as the engine
    spelled = record.spelling or op
    if record.param:
        return f"{spelled}({texts[0]}, {number(node.arg)})"
    return f"{spelled}({', '.join(texts)})"  # one operand, or a custom op's many


def _operand_texts(node: Value, names: dict[Value, str], numeric: bool) -> list[str]:
    """The operands of `node` in written order, by name (constants as numbers) or all as numbers."""
    if node.op == "wsum":
        weights = node.parents[: len(node.arg)]
        items: list[object] = [*weights, *node.arg, node.parents[-1]]
    elif node.op == "sum" and node.arg is not None:
        items = [*node.parents, node.arg]
    else:
        items = list(ops.operands(node))
    texts = []
    for item in items:
        if isinstance(item, Value):
            texts.append(number(item.data) if numeric else names[item])
        else:
            texts.append(number(float(item)))  # a constant the engine kept as a float
    return texts


def _symbolic(node: Value) -> str:
    """The op written over the table's operand names: `a·b`, `tanh(a)`, `Σ wᵢxᵢ + b`."""
    if node.op == "wsum":
        return "Σ wᵢxᵢ + b"
    if node.op == "sum":
        return "Σ aᵢ"
    if node.op == "log_softmax":
        return "log_softmax(a)ₖ"
    if node.op not in ops.OPS and len(node.parents) != 1:
        return f"{node.op}(aᵢ)"  # a custom op of many operands
    arity = ops.op_of(node).arity
    return _written(node, ["a", "b"][: arity or 1])


# a name of the formula language, not part of a longer word (`out²` has one, `sigmoid` none)
_FORMULA_NAME = re.compile(r"(?<![A-Za-z0-9_])(out|alpha|slope|ak|a|b|x|w|i|k)(?![A-Za-z0-9_])")


def _with_numbers(formula: str, env: dict[str, float]) -> str:
    """A (pretty) formula with each name replaced by its number (negatives in parentheses)."""

    def one(match: re.Match[str]) -> str:
        value = env[match.group()]
        text = str(value) if isinstance(value, int) else number(value)
        alone = formula[match.start() - 1 : match.start()] in ("", "(") and formula[
            match.end() : match.end() + 1
        ] in ("", ")")
        return f"({text})" if text.startswith("-") and not alone else text

    return _FORMULA_NAME.sub(one, formula)


# --- the records ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForwardStep:
    """One node of the forward pass: the op, its operands (constants included) and its value."""

    index: int  # position in topological order, from 0
    node: Value
    name: str
    op: str  # "" for a leaf
    operands: tuple[object, ...]  # Values and plain-number constants, in written order
    formula: str  # the op written with names, e.g. "x1·w1" ("" for a leaf)
    numbers: str  # the same with numbers, e.g. "2.0·(-3.0)"
    value: float

    @property
    def text(self) -> str:
        """`n1 = x1·w1 = 2.0·(-3.0) = -6.0`, or `x1 = 2.0` for a leaf."""
        if not self.op:
            return f"{self.name} = {number(self.value)}"
        return f"{self.name} = {self.formula} = {self.numbers} = {number(self.value)}"


@dataclass(frozen=True)
class Term:
    """One parent's share of a backward step: upstream × local derivative, added to its grad."""

    node: Value  # the child whose step this is
    index: int  # which of node.parents
    node_name: str
    parent: Value
    parent_name: str
    root_name: str
    local: float  # d(node)/d(parent), the engine's number
    upstream: float  # d(root)/d(node)
    contribution: float  # local × upstream
    grad_before: float  # d(root)/d(parent) gathered so far
    grad_after: float  # grad_before + contribution

    @property
    def role(self) -> str:
        """What the parent is to the op: 'a', 'b', 'w', 'x', 'bias' or 'term'."""
        return ops.roles(self.node)[self.index]

    @property
    def formula(self) -> str:
        """The local derivative's formula from the op table, as a person writes it: `1 − out²`."""
        return ops.pretty(ops.derivative_formula(self.node, self.index))

    @property
    def local_text(self) -> str:
        """`d(a·b)/da = b = -3.0`: the op's derivative, its formula and the number."""
        raw = ops.derivative_formula(self.node, self.index)
        head = f"d({_symbolic(self.node)})/d{_ROLE_SYMBOL[self.role]} = {ops.pretty(raw)}"
        if not _FORMULA_NAME.search(raw):
            return head  # a constant such as 1 or -1 is its own number
        value = number(self.local)
        filled = _with_numbers(ops.pretty(raw), ops.formula_env(self.node, self.index))
        if filled == value:
            return f"{head} = {value}"
        return f"{head} = {filled} = {value}"

    @property
    def chain_text(self) -> str:
        """The chain rule for this parent with numbers: `∂o/∂x += ∂o/∂n · ∂n/∂x = … = …`."""
        root, node, parent = self.root_name, self.node_name, self.parent_name
        if node == root:  # ∂o/∂o · ∂o/∂x would read as a tautology: say what each factor is
            return (
                f"∂{root}/∂{parent} += grad of the output {root} · local ∂{root}/∂{parent} = "
                f"{number(self.upstream)} · {_paren(number(self.local))} = "
                f"{number(self.contribution)}"
            )
        return (
            f"∂{root}/∂{parent} += ∂{root}/∂{node} · ∂{node}/∂{parent} = "
            f"{number(self.upstream)} · {_paren(number(self.local))} = {number(self.contribution)}"
        )

    @property
    def update_text(self) -> str:
        """`grad of x: 0.0 + (-1.5) = -1.5`: the parent's gradient before and after."""
        return (
            f"grad of {self.parent_name}: {number(self.grad_before)} + "
            f"{_paren(number(self.contribution))} = {number(self.grad_after)}"
        )


@dataclass(frozen=True)
class BackwardStep:
    """The chain rule at one node: its upstream gradient passed to each parent (`terms`)."""

    index: int  # position among the steps, from 0
    node: Value
    name: str
    op: str
    parents: tuple[Value, ...]
    upstream: float  # d(root)/d(node), complete when the step runs
    terms: tuple[Term, ...]  # one per parent edge, in operand order (a + a has two)
    forward: str  # the node's forward equation, e.g. "n4 = tanh(n3)"

    @property
    def last_terms(self) -> tuple[Term, ...]:
        """The last term of each distinct parent: its `grad_after` is the grad after this step.

        A parent used twice (`x*x`) has two terms; a quiz asks for its gradient once, at the end.
        """
        return tuple({term.parent: term for term in self.terms}.values())

    @property
    def second(self) -> str:
        """The op's second derivative(s) from the op table, as a person writes it: for tanh
        `−2·out·(1 − out²)`; "" for a custom op, which has none."""
        return ops.pretty(ops.op_of(self.node).second)


@dataclass(frozen=True)
class Steps:
    """A graph's forward records, backward records and node names, from one topological order."""

    forward: list[ForwardStep]
    backward: list[BackwardStep]
    names: dict[Value, str]


def steps(root: Value, grad: float = 1.0) -> Steps:
    """`forward_steps`, `backward_steps` and `node_names` of `root` in one pass over one
    topological order (what a step page or walkthrough shows)."""
    order = topological_order(root)
    names = _names(order)
    forward = _forward(order, names)
    return Steps(forward, _backward(order, names, forward, grad), names)


def forward_steps(root: Value) -> list[ForwardStep]:
    """Every node `root` depends on, leaves first, with the formula and number that made it."""
    order = topological_order(root)
    return _forward(order, _names(order))


def backward_steps(root: Value, grad: float = 1.0) -> list[BackwardStep]:
    """What `root.backward(grad)` does, one record per node with parents, computed on the side.

    Leaf gradients start at zero, as for a first backward() call; the graph is left unchanged.
    """
    return steps(root, grad).backward


def _forward(order: list[Value], names: dict[Value, str]) -> list[ForwardStep]:
    records = []
    for i, node in enumerate(order):
        if node.op:
            operands = tuple(ops.operands(node))
            formula = _written(node, _operand_texts(node, names, numeric=False))
            numbers = _written(node, _operand_texts(node, names, numeric=True))
        else:
            operands, formula, numbers = (), "", ""
        records.append(
            ForwardStep(i, node, names[node], node.op, operands, formula, numbers, node.data)
        )
    return records


def _backward(
    order: list[Value], names: dict[Value, str], forward: list[ForwardStep], grad: float
) -> list[BackwardStep]:
    root = order[-1]
    root_name = names[root]
    grads: dict[Value, float] = {root: 0.0 + float(grad)}  # backward(): root.grad (0) += grad
    records = []
    for node, f in zip(reversed(order), reversed(forward)):
        if not node.parents:
            continue
        upstream = grads.get(node, 0.0)
        terms = []
        for i, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            before = grads.get(parent, 0.0)
            contribution = local * upstream
            after = before + contribution  # the very float operations backward() performs
            grads[parent] = after
            terms.append(
                Term(
                    node,
                    i,
                    names[node],
                    parent,
                    names[parent],
                    root_name,
                    local,
                    upstream,
                    contribution,
                    before,
                    after,
                )
            )
        records.append(
            BackwardStep(
                len(records),
                node,
                names[node],
                node.op,
                node.parents,
                upstream,
                tuple(terms),
                f"{f.name} = {f.formula}",
            )
        )
    return records


def replay(steps: Iterable[BackwardStep], count: int | None = None) -> dict[Value, float]:
    """The gradients after the first `count` steps (all by default): node → d(root)/d(node).

    The root holds the starting gradient; nodes not reached yet are absent (their grad is 0).
    """
    grads: dict[Value, float] = {}
    for i, step in enumerate(steps):
        if i == 0:
            grads[step.node] = step.upstream
        if count is not None and i >= count:
            break
        for term in step.terms:
            grads[term.parent] = term.grad_after
    return grads
