"""Forward mode: `jvp` pushes a tangent (a direction for the inputs) from the inputs to the
outputs along the recorded graph, one pass per direction, where backward pulls one output's
gradient to all the inputs in one pass. Both use the same local derivatives, so they agree."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ._checks import constant, number
from .core import Operand, Value, topological_order
from .errors import NotANumberError, ShapeError

__all__ = ["as_values", "jvp"]


def as_values(inputs: Operand | Sequence[Operand], where: str) -> list[Value]:
    """The inputs as a list of Values: a lone Value or number is a list of one, numbers become
    new leaves."""
    items = [inputs] if isinstance(inputs, (Value, int, float)) else list(inputs)
    return [x if isinstance(x, Value) else Value(constant(x, where)) for x in items]


def jvp(
    f: Callable[..., Value | Sequence[Value]],
    inputs: Operand | Sequence[Operand],
    tangents: float | Sequence[float],
) -> tuple[Value | list[Value], float | list[float]]:
    """f's outputs at `inputs` and their directional derivative along `tangents` (J·t): each
    node's tangent is Σ local·(parent's tangent), parents before children.

    >>> out, slope = jvp(lambda x, y: x * y, [3.0, 2.0], [1.0, 0.0]); slope
    2.0
    """
    values = as_values(inputs, "jvp")
    ts = [tangents] if isinstance(tangents, (int, float)) else list(tangents)
    if len(ts) != len(values):
        raise ShapeError(f"jvp got {len(values)} inputs but {len(ts)} tangents")
    tangent = {x: number(t, "jvp tangent") for x, t in zip(values, ts)}
    out = f(*values)
    outputs = (
        [out] if isinstance(out, Value) else list(out) if isinstance(out, (list, tuple)) else [out]
    )
    for i, y in enumerate(outputs):
        if not isinstance(y, Value):
            raise NotANumberError(f"jvp: f returned {y!r} as output {i}, expected a Value")
        for node in topological_order(y):  # parents before children: their tangents are ready
            if node in tangent:
                continue  # an input (its tangent is given), or done for an earlier output
            t = 0.0  # a leaf that is not an input (a parameter, a constant) stays put
            for parent, local in zip(node.parents, node.local_grads):
                t += local * tangent[parent]
            tangent[node] = t
    slopes = [tangent[y] for y in outputs]
    return (out, slopes[0]) if isinstance(out, Value) else (outputs, slopes)
