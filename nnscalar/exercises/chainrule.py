"""Why a hand-computed gradient is wrong: compare it with the chain rule, path by path.

A gradient dL/dx is the sum over every path from x up to L of the product of the local
derivatives along it. A wrong number usually is that sum with one slip: a path left out (a shared
node), a factor left out, a node's value used in place of its derivative, or a sign.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .. import ops
from ..core import Value
from .model import Part, close, number_part

__all__ = ["describe_step", "gradient_parts", "paths_to"]

_MAX_PATHS = 64
_WORD = re.compile(r"\b[A-Za-z_]\w*\b")

Step = tuple[Value, int]  # a node and the index of the parent the path goes to


def paths_to(root: Value, leaf: Value) -> list[list[Step]]:
    """Every path from `root` down to `leaf`, each a list of (node, parent index) steps."""
    found: list[list[Step]] = []
    stack: list[tuple[Value, list[Step]]] = [(root, [])]
    while stack and len(found) < _MAX_PATHS:
        node, path = stack.pop()
        if node is leaf:
            found.append(path)
            continue
        for i in reversed(range(len(node.parents))):
            stack.append((node.parents[i], [*path, (node, i)]))
    return found


def _name(node: Value) -> str:
    if node.label:
        return node.label
    return f"the {ops.op_of(node).title} node" if node.op else "a leaf"


def describe_step(node: Value, index: int) -> str:
    """`dout/dz = 1 − out² = 0.42`: one local derivative, its formula from the op table written
    with the operands' own names."""
    parent = node.parents[index]
    names = {"out": _name(node)}
    if ops.op_of(node).arity == 2:
        for role, operand in zip("ab", ops.operands(node)):
            names[role] = _name(operand) if isinstance(operand, Value) else f"{operand:g}"
    formula = ops.pretty(ops.derivative_formula(node, index))
    formula = _WORD.sub(lambda m: names.get(m.group(0), m.group(0)), formula)
    return f"d{_name(node)}/d{_name(parent)} = {formula} = {node.local_grads[index]:.6g}"


def _product(path: list[Step], skip: int = -1, replace: float | None = None) -> float:
    result = 1.0
    for k, (node, i) in enumerate(path):
        if k == skip:
            result *= 1.0 if replace is None else replace
        else:
            result *= node.local_grads[i]
    return result


def _mistake(root: Value, leaf: Value, given: float) -> str:
    """The slip that turns the chain rule into `given`, in words (empty when none is recognised)."""
    expected = leaf.grad
    paths = paths_to(root, leaf)
    if len(paths) > 1:
        for path in paths:
            if close(given, _product(path)):
                via = _name(path[-1][0])
                return (
                    f"you followed only the path through {via}; {_name(leaf)} reaches "
                    f"{_name(root)} along {len(paths)} paths and their contributions add up "
                    f"(the gradient flows back along every use of a node)"
                )
    for path in paths:
        for k, (node, i) in enumerate(path):
            if len(path) > 1 and close(given, _product(path, skip=k)):
                return (
                    f"the chain-rule step from {_name(node)} to {_name(node.parents[i])} is "
                    f"missing: multiply by the local derivative {describe_step(node, i)}"
                )
    if expected and close(given, -expected):
        return "the sign is wrong: check the steps whose local derivative is negative"
    for path in paths:
        for k, (node, i) in enumerate(path):
            if (
                node.op
                and not close(node.data, node.local_grads[i])
                and close(given, _product(path, skip=k, replace=node.data))
            ):
                return (
                    f"at {_name(node)} you used the node's value {node.data:.6g} in place of "
                    f"its local derivative {describe_step(node, i)}"
                )
    if paths and paths[0] and close(given, paths[0][-1][0].local_grads[paths[0][-1][1]]):
        node, i = paths[0][-1]
        return (
            f"that is only the local derivative {describe_step(node, i)}; multiply it by the "
            f"gradient arriving at {_name(node)} from above, d{_name(root)}/d{_name(node)} = "
            f"{node.grad:.6g}"
        )
    return ""


def gradient_parts(
    root: Value,
    nodes: Mapping[str, Value],
    answer: Mapping[str, object],
    names: Mapping[str, str] | None = None,
) -> list[Part]:
    """Check given gradients of `root` with respect to `nodes` (answer name → node) after backward.

    `root` must be a freshly built graph: backward() is called here.
    """
    root.backward()
    parts = []
    for key, node in nodes.items():
        given = answer.get(key)
        wrong = ""
        if isinstance(given, (int, float)) and not isinstance(given, bool):
            wrong = _mistake(root, node, float(given))
        label = (names or {}).get(key, key)
        parts.append(number_part(label, given, node.grad, wrong))
    return parts
