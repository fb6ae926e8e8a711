"""Gradients as Values: `grad(out, inputs)` builds d(out)/d(input) as a new graph, so it can be
differentiated again (second derivatives, Hessians, Newton's method).

It walks the recorded graph child before parent, as `backward` does, but each local derivative
is written with Value ops (each op record's `local` rule in `nnscalar.ops`, gathered in `LOCAL`)
instead of the number the engine stored. Only public Value ops are used, so it works on both
cores. The second-derivative formulas the rules imply are the records' `second` (`SECOND`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Union

from . import ops
from ._checks import number
from .core import Operand, Value, no_grad, topological_order, vsum
from .errors import NNScalarError, NotANumberError, ShapeError
from .forward import as_values

__all__ = ["LOCAL", "SECOND", "grad", "hessian", "hvp"]

Local = Union[Value, float]  # a local derivative: a Value (differentiable) or a constant

LOCAL: ops.Derived[Callable[[Value], tuple[Local, ...]]] = ops.Derived(
    lambda op: (op.name, op.local) if op.local is not None else None
)
"""Each op's local derivatives d(out)/d(parent), one per parent, as Values built from the node:
the `local` rule of its record in `ops.OPS` (ops without one are left out)."""

SECOND: ops.Derived[str] = ops.Derived(lambda op: (op.name, op.second) if op.second else None)
"""d²(out)/d(operand)² (and the mixed ones), as text: the `second` of each record in `ops.OPS`."""


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
    rules = dict(LOCAL)  # read the op table once
    for node in order:
        if node.parents and node.op not in rules:
            kind = (
                "an op-table record without a `local` rule"
                if node.op in ops.OPS
                else ("a custom op, whose derivative is only a number (its local_grads)")
            )
            raise NNScalarError(
                f"grad: {node.op!r} is {kind}; grad needs its derivative written with Value ops"
                f" (`Op.local` in nnscalar.ops). Ops it knows: {', '.join(rules)}"
            )
    if create_graph:
        adjoint = _adjoints(output, order, rules)
    else:
        with no_grad():
            adjoint = _adjoints(output, order, rules)
    return [adjoint[x] if x in adjoint else Value(0.0) for x in inputs]


def _adjoints(
    output: Value, order: list[Value], rules: dict[str, Callable[[Value], tuple[Local, ...]]]
) -> dict[Value, Value]:
    """d(output)/d(node) as a Value for each node output depends on (the chain rule, as Values)."""
    adjoint: dict[Value, Value] = {output: Value(1.0)}
    for node in reversed(order):  # children before parents: a node's adjoint is complete
        g = adjoint.get(node)
        if g is None or not node.parents:
            continue
        for parent, local in zip(node.parents, rules[node.op](node)):
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
