"""Graphs built by another engine, read as nnscalar Values, so `draw`, the walkthrough and the
step page work on them: a student's own engine from the build track, micrograd, or any object
with `data`, `grad` and its parents with their op (`parents`/`op` or micrograd's `_prev`/`_op`).

Each node is copied once (an explicit stack, no recursion): its data and grad as they are, its
op renamed to nnscalar's where they differ (`ReLU` → relu, `**2` → ** with exponent 2), and its
local derivatives taken from the node (`local_grads`) or worked out from the op's rule.
"""

from __future__ import annotations

import math
from typing import Any

from .core import Value, custom_node
from .errors import NotANumberError

__all__ = ["as_value", "is_value_like"]

_NAMES = {"ReLU": "relu", "relu": "relu", "tanh": "tanh", "exp": "exp", "neg": "neg"}


def is_value_like(obj: object) -> bool:
    """True for an object with `data`, `grad` and parents (`parents` or `_prev`)."""
    return all(hasattr(obj, a) for a in ("data", "grad")) and (
        hasattr(obj, "parents") or hasattr(obj, "_prev")
    )


def _parents(node: Any) -> tuple:
    parents = getattr(node, "parents", None)
    if parents is None:
        parents = getattr(node, "_prev", ())
    return tuple(parents)


def _op(node: Any) -> str:
    op = getattr(node, "op", None)
    return str(op if op is not None else getattr(node, "_op", ""))


def _float(x: object, what: str) -> float:
    try:
        value = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise NotANumberError(f"{what} is {x!r}, not a number") from None
    return value


def _rule(op: str, out: float, parents: tuple) -> tuple[str, list[float], object]:
    """nnscalar's name of `op`, the local derivative for each parent, and the op's argument."""
    xs = [_float(p.data, f"a parent's data of a {op!r} node") for p in parents]
    if op.startswith("**") and len(xs) == 1:
        n = _float(op[2:], f"the exponent of {op!r}") if op[2:] else None
        if n is not None:
            return "**", [n * xs[0] ** (n - 1) if xs[0] or n >= 1 else 0.0], n
    if op == "+":
        return "+", [1.0] * len(xs), None
    if op == "*" and len(xs) == 2:
        return "*", [xs[1], xs[0]], None
    if op == "-" and len(xs) == 2:
        return "-", [1.0, -1.0], None
    if op == "/" and len(xs) == 2:
        return "/", [1 / xs[1], -xs[0] / xs[1] ** 2], None
    name = _NAMES.get(op)
    if name is not None and len(xs) == 1:
        x = xs[0]
        local = {"relu": 1.0 if x > 0 else 0.0, "tanh": 1 - out * out, "exp": out, "neg": -1.0}
        return name, [local[name]], None
    raise NotANumberError(
        f"a node with op {op!r} and {len(xs)} parent(s): nnscalar does not know its local "
        "derivatives; give the node `local_grads` (one per parent), or use +, -, *, /, **n, "
        "neg, exp, tanh, relu"
    )


def _named(op: str, out: float, parents: tuple, local: list[float]) -> tuple[str, object]:
    """nnscalar's name and argument for a node whose local derivatives it gave itself."""
    if op == "**" and len(parents) == 1:  # x ** n: n from out = xⁿ and local = n·xⁿ⁻¹
        x = _float(parents[0].data, "a parent's data of a '**' node")
        return ("**", local[0] * x / out) if x and out else ("x**n", None)
    if op in ("+", "-", "*", "/") or op in _NAMES:
        return _NAMES.get(op, op), None
    return op or "?", None


def as_value(root: object) -> Value:
    """`root` itself when it is an nnscalar Value, else a copy of its graph as nnscalar Values
    (data, grad, op, parents and local derivatives as the other engine left them)."""
    if isinstance(root, Value):
        return root
    if not is_value_like(root):
        raise NotANumberError(
            f"{type(root).__name__} is not a Value: expected an nnscalar Value or an object "
            "with data, grad and parents (parents/op, or micrograd's _prev/_op)"
        )
    made: dict[int, Value] = {}
    keep: list[object] = []  # the foreign nodes stay alive while their ids are keys
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in made:
            continue
        parents = _parents(node)
        if len(parents) == 1 and _op(node) in ("+", "*") and not hasattr(node, "local_grads"):
            parents = parents * 2  # micrograd keeps a + a's parents as a set: {a}, two edges
        if not ready:
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(parents) if id(p) not in made)
            continue
        keep.append(node)
        data = _float(node.data, "a node's data")
        label = str(getattr(node, "label", "") or "")
        if not parents:
            value = Value(data, label=label) if math.isfinite(data) else Value(0.0)
        else:
            op = _op(node)
            given = getattr(node, "local_grads", None)
            if given is not None and len(tuple(given)) == len(parents):  # the node says them
                local = [_float(x, f"a local derivative of a {op!r} node") for x in given]
                name, arg = _named(op, data, parents, local)
                arg = getattr(node, "arg", arg)  # an nnscalar-like node keeps its constants here
            else:
                name, local, arg = _rule(op, data, parents)
            value = custom_node(data, name, [made[id(p)] for p in parents], local, arg)
            value.label = label
        value.grad = _float(node.grad, "a node's grad")
        made[id(node)] = value
    return made[id(root)]
