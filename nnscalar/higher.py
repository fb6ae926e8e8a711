"""Gradients as Values: `grad(out, inputs)` builds d(out)/d(input) as a new graph, so it can be
differentiated again (second derivatives, Hessians, Newton's method).

It walks the recorded graph child before parent, as `backward` does, but each local derivative
is written with Value ops (the table `LOCAL` below, one entry per op of `nnscalar.ops`) instead of
the number the engine stored. Only public Value ops are used, so it works on both cores.
The second-derivative formulas the table implies are in `SECOND` (text, for readers and tests).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Union

from ._checks import number
from .core import Operand, Value, no_grad, topological_order, vsum
from .errors import NNScalarError, NotANumberError, ShapeError
from .forward import as_values

__all__ = ["LOCAL", "SECOND", "grad", "hessian", "hvp"]

Local = Union[Value, float]  # a local derivative: a Value (differentiable) or a constant


def _one_each(node: Value) -> tuple[Local, ...]:
    return (1.0,) * len(node.parents)


def _minus(node: Value) -> tuple[Local, ...]:  # a - b, or a - c (one parent)
    return (1.0, -1.0) if len(node.parents) == 2 else (1.0,)


def _times(node: Value) -> tuple[Local, ...]:  # a * b: (b, a); a * c: (c,)
    if len(node.parents) == 2:
        a, b = node.parents
        return (b, a)
    return (node.arg,)


def _divide(node: Value) -> tuple[Local, ...]:  # a / b: (1/b, −out/b); a / c: (1/c,)
    if len(node.parents) == 2:
        b = node.parents[1]
        return (1.0 / b, -node / b)
    return (1.0 / node.arg,)


def _power(node: Value) -> tuple[Local, ...]:  # a ** c: c·a^(c−1); a ** b: (b·a^(b−1), out·ln a)
    a = node.parents[0]
    if len(node.parents) == 1:
        c = node.arg
        if c == 1.0 or c == 0.0:
            return (c,)  # the slope of a and of 1, constant everywhere
        return (c * a ** (c - 1.0),)
    b = node.parents[1]
    if a.data > 0.0:
        return (b * a ** (b - 1.0), node * a.log())
    return (1.0 if b.data == 1.0 else 0.0, 0.0)  # 0 ** b, b >= 1: the engine's slopes


def _rpow(node: Value) -> tuple[Local, ...]:  # c ** a: out·ln c
    c = node.arg
    return (node * math.log(c),) if c > 0.0 else (0.0,)


def _wsum(node: Value) -> tuple[Local, ...]:  # Σ wᵢxᵢ + b: (x…, w of Value inputs…, 1)
    given = node.arg
    n = len(given)
    weights = node.parents[:n]
    w_of_values = [w for w, x in zip(weights, given) if isinstance(x, Value)]
    return (*given, *w_of_values, 1.0)


def _log_softmax(node: Value) -> tuple[Local, ...]:  # [i = k] − exp(aᵢ − (aₖ − out))
    k = node.arg
    a = node.parents
    log_total = a[k] - node
    return tuple([(1.0 if i == k else 0.0) - (ai - log_total).exp() for i, ai in enumerate(a)])


def _sign(a: float) -> float:  # abs's slope, 0 at 0 as the engine's
    return 1.0 if a > 0.0 else -1.0 if a < 0.0 else 0.0


def _one(f: Callable[[Value], Local]) -> Callable[[Value], tuple[Local, ...]]:
    return lambda node: (f(node),)


LOCAL: dict[str, Callable[[Value], tuple[Local, ...]]] = {
    "+": _one_each,
    "-": _minus,
    "*": _times,
    "/": _divide,
    "**": _power,
    "rsub": _one(lambda node: -1.0),
    "rdiv": _one(lambda node: -node / node.parents[0]),
    "rpow": _rpow,
    "neg": _one(lambda node: -1.0),
    "abs": _one(lambda node: _sign(node.parents[0].data)),
    "exp": _one(lambda node: node),
    "log": _one(lambda node: 1.0 / node.parents[0]),
    "sqrt": _one(lambda node: 0.5 / node),
    "tanh": _one(lambda node: 1.0 - node * node),
    "sigmoid": _one(lambda node: node * (1.0 - node)),
    "relu": _one(lambda node: 1.0 if node.parents[0].data > 0.0 else 0.0),
    "leaky_relu": _one(lambda node: 1.0 if node.parents[0].data > 0.0 else node.arg),
    "elu": _one(lambda n: 1.0 if n.parents[0].data > 0.0 else n.arg * n.parents[0].exp()),
    "softplus": _one(lambda node: node.parents[0].sigmoid()),
    "sin": _one(lambda node: node.parents[0].cos()),
    "cos": _one(lambda node: -node.parents[0].sin()),
    "sum": _one_each,
    "wsum": _wsum,
    "log_softmax": _log_softmax,
}
"""Each op's local derivatives d(out)/d(parent), one per parent, as Values built from the node."""

# d²(out)/d(operand)² (and the mixed one for two operands), as the table above implies.
# The op table in nnscalar/ops.py is being refactored; these move there as a column after it.
SECOND: dict[str, str] = {
    "+": "0",
    "-": "0",
    "*": "d²/da² = 0, d²/da db = 1",
    "/": "d²/da² = 0, d²/da db = -1 / b**2, d²/db² = 2 * a / b**3",
    "**": "d²/da² = b * (b - 1) * a**(b - 2), d²/db² = out * log(a)**2",
    "rsub": "0",
    "rdiv": "2 * c / a**3",
    "rpow": "out * log(c)**2",
    "neg": "0",
    "abs": "0 (a ≠ 0)",
    "exp": "out",
    "log": "-1 / a**2",
    "sqrt": "-1 / (4 * out**3)",
    "tanh": "-2 * out * (1 - out**2)",
    "sigmoid": "out * (1 - out) * (1 - 2 * out)",
    "relu": "0 (a ≠ 0)",
    "leaky_relu": "0 (a ≠ 0)",
    "elu": "0 if a > 0 else alpha * exp(a)",
    "softplus": "sigmoid(a) * (1 - sigmoid(a))",
    "sin": "-sin(a)",
    "cos": "-cos(a)",
    "sum": "0",
    "wsum": "d²/dwᵢ dxᵢ = 1, others 0",
    "log_softmax": "d²/daᵢ daⱼ = -pᵢ([i = j] - pⱼ)",
}


def grad(output: Value, inputs: Value | Sequence[Value], create_graph: bool = True) -> list[Value]:
    """d(output)/d(input) for each input, as Values: with create_graph (the default) they are
    nodes of a new graph over the same inputs, so `grad` or `backward` can differentiate them
    again; without, they are bare leaves. An input `output` does not depend on gets Value(0.0).

    >>> x = Value(3.0); y = x ** 3; (dy,) = grad(y, x); (d2y,) = grad(dy, x); d2y.data
    18.0
    """
    if not isinstance(output, Value):
        raise NotANumberError(f"grad: output must be a Value, got {output!r}")
    inputs = [inputs] if isinstance(inputs, Value) else list(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise NotANumberError(f"grad: input {i} is {x!r}, expected a Value")
    order = topological_order(output)
    for node in order:
        if node.parents and node.op not in LOCAL:
            raise NNScalarError(
                f"grad: {node.op!r} is a custom op, whose derivative is only a number (its"
                f" local_grads); grad needs it as a formula. Ops it knows: {', '.join(LOCAL)}"
            )
    if create_graph:
        adjoint = _adjoints(output, order)
    else:
        with no_grad():
            adjoint = _adjoints(output, order)
    return [adjoint[x] if x in adjoint else Value(0.0) for x in inputs]


def _adjoints(output: Value, order: list[Value]) -> dict[Value, Value]:
    """d(output)/d(node) as a Value for each node output depends on (the chain rule, as Values)."""
    adjoint: dict[Value, Value] = {output: Value(1.0)}
    for node in reversed(order):  # children before parents: a node's adjoint is complete
        g = adjoint.get(node)
        if g is None or not node.parents:
            continue
        for parent, local in zip(node.parents, LOCAL[node.op](node)):
            if type(local) is float:
                if local == 0.0:
                    continue
                term = g if local == 1.0 else local * g
            else:
                term = local * g
            total = adjoint.get(parent)
            adjoint[parent] = term if total is None else total + term
    return adjoint


def hvp(
    f: Callable[..., Value], inputs: Operand | Sequence[Operand], vector: Sequence[float]
) -> list[float]:
    """The Hessian of f at `inputs` times `vector` (H·v), without forming H: the gradient of
    Σ (∂f/∂xᵢ)·vᵢ, a second backward pass through the first one's graph."""
    xs = as_values(inputs, "hvp")
    vs = [number(v, "hvp vector") for v in vector]
    if len(vs) != len(xs):
        raise ShapeError(f"hvp got {len(xs)} inputs but a vector of {len(vs)}")
    first = grad(_output(f(*xs), "hvp"), xs)
    return [h.data for h in grad(vsum([g * v for g, v in zip(first, vs)]), xs, False)]


def hessian(f: Callable[..., Value], inputs: Operand | Sequence[Operand]) -> list[list[float]]:
    """The matrix of second derivatives ∂²f/∂xᵢ∂xⱼ at `inputs` (row i: the gradient of ∂f/∂xᵢ);
    n + 1 backward passes for n inputs, so for small functions."""
    xs = as_values(inputs, "hessian")
    first = grad(_output(f(*xs), "hessian"), xs)
    return [[h.data for h in grad(g, xs, create_graph=False)] for g in first]


def _output(out: object, where: str) -> Value:
    if not isinstance(out, Value):
        raise NotANumberError(f"{where}: f returned {out!r}, expected one Value")
    return out
