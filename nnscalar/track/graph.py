"""A typed expression built by the student's own engine, in the sandbox, and read back as an
nnscalar graph: `nnscalar build step` and `build draw` show what their engine computed (data,
grads, local derivatives), and `compare` sets their backward() beside the chain rule and nnscalar.

The expression is parsed (never eval'ed) and built once in nnscalar's engine, which checks the
names and values; its graph becomes a program (`child`'s steps) that the student's package runs.
The child answers with the graph the student's engine really made, walked from the root through
`parents` (or micrograd's `_prev`), so extra nodes and missing edges show as they are.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import ops
from ..core import Value, topological_order
from ..errors import ConfigError, NNScalarError
from ..exercises.sandbox import Job, Limits, run_jobs
from ..explain import node_names, number, replay, steps
from ..expr import parse
from ..foreign import as_value
from .checker import PROBES, read_package

__all__ = [
    "GradRow",
    "StudentGraph",
    "compare",
    "package_folder",
    "program_of",
    "student_graph",
    "wrong_local",
]

TIME_LIMIT = 10.0  # seconds for building one expression and its backward()
# nnscalar's op → how the student's engine is asked for it: the op and whether a constant comes
# first (`2 - x` is nnscalar's rsub, the student's Value.__rsub__)
_OPS = {
    "+": "+",
    "-": "-",
    "*": "*",
    "/": "/",
    "**": "**",
    "rsub": "-",
    "rdiv": "/",
    "rpow": "**",
}
_UNARY = ("neg", "exp", "tanh", "relu")
# the ops whose local derivatives `wrong_local` recomputes in nnscalar's engine, by arity
_RULES = {
    "+": lambda v: v[0] + v[1],
    "-": lambda v: v[0] - v[1],
    "*": lambda v: v[0] * v[1],
    "/": lambda v: v[0] / v[1],
    "neg": lambda v: -v[0],
    "exp": lambda v: v[0].exp(),
    "tanh": lambda v: v[0].tanh(),
    "relu": lambda v: v[0].relu(),
}


@dataclass(frozen=True)
class StudentGraph:
    """The student's graph of one expression (nnscalar Values carrying their numbers) and
    nnscalar's own graph of it, both after one backward()."""

    expression: str
    root: Value  # the student's graph: their data, grads and local derivatives
    reference: Value  # nnscalar's graph of the same expression
    backward_error: str  # what the student's backward() raised ("" when it ran)


@dataclass(frozen=True)
class GradRow:
    """One node's gradient three ways: the student's backward(), the chain rule on their graph
    (what the steps show), and nnscalar's engine (named inputs only; None elsewhere)."""

    name: str
    yours: float
    chain: float
    nnscalar: float | None

    @property
    def backward_wrong(self) -> bool:
        """The student's backward() disagrees with the chain rule on their own graph."""
        return not _close(self.yours, self.chain)

    @property
    def local_wrong(self) -> bool:
        """The chain rule on their local derivatives disagrees with nnscalar."""
        return self.nnscalar is not None and not _close(self.chain, self.nnscalar)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 + 1e-6 * abs(b)


def package_folder(name: str) -> Path:
    """The folder of a package: `name` itself when it is a folder, else the folder of the installed
    package of that name (found, never imported here), e.g. `micrograd`."""
    path = Path(name)
    if path.is_dir():
        return path
    spec = None
    if name.isidentifier():
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise ConfigError(
            f"{name!r} is neither a folder nor an installed package; give the folder "
            "`nnscalar build start` wrote (e.g. mygrad/) or a package name such as micrograd"
        )
    return Path(locations[0])


def program_of(expression: str, values: Mapping[str, float]) -> tuple[list, dict[int, str], Value]:
    """The child's program for `expression` (leaves first, the root last), each named leaf's
    label by step, and nnscalar's graph of it (after backward()). Bad text is a ParseError."""
    root = parse(expression).build(values)
    if not root.parents:
        what = "is a single name" if root.label else "uses no name"
        raise ConfigError(
            f"{expression!r} {what}: there is no operation to step through; write an expression "
            'of names and give their values with --set, e.g. "a*b + a" --set a=2,b=-3'
        )
    order = topological_order(root)
    index: dict[Value, int] = {}
    program: list[list] = []
    labels: dict[int, str] = {}
    for node in order:
        index[node] = len(program)
        if not node.parents:
            labels[len(program)] = node.label
            program.append(["leaf", node.data])
            continue
        tokens = [["v", index[x]] if isinstance(x, Value) else ["c", x] for x in ops.operands(node)]
        if node.op in _OPS:
            program.append([_OPS[node.op], *tokens])
        elif len(tokens) == 1 and node.arg is None:  # neg, exp, tanh, relu, or a method they added
            program.append([node.op, *tokens])
        else:
            raise ConfigError(
                f"{ops.op_of(node).spelling or node.op}(…) with a parameter has no method in the "
                f"track's engine; use +, -, *, /, **, {', '.join(_UNARY)} or one-argument functions"
            )
    root.backward()
    return program, labels, root


def student_graph(
    package: str | Path, expression: str, values: Mapping[str, float], isolation: str = "auto"
) -> StudentGraph:
    """Build `expression` with the engine of the package in `package` (its `engine.Value`), in
    the sandbox, call backward() on it, and read the graph back."""
    files = read_package(package_folder(str(package)))
    program, labels, reference = program_of(expression, values)
    job = Job(
        "build-track-graph",
        "",
        "student/__init__.py",
        {"files": files, "cases": [{"kind": "expression", "program": program, "labels": labels}]},
        TIME_LIMIT,
    )
    (outcome,) = run_jobs([job], Limits(isolation=isolation, memory_mb=1024), [PROBES])
    if outcome.status != "ok":
        raise ConfigError(f"building {expression!r} with your engine failed: {outcome.error}")
    data = outcome.data
    error = data.get("error") or data.get("0.error")
    if error:
        raise ConfigError(f"building {expression!r} with your engine failed: {error}")
    got = {key[2:]: value for key, value in data.items() if key.startswith("0.")}
    return StudentGraph(expression, _rebuild(got), reference, str(got.get("backward", "")))


class _Node:
    """A node of the student's graph as the child reported it (read by `foreign.as_value`)."""

    def __init__(self, data: float, grad: float, op: str, label: str) -> None:
        self.data, self.grad, self.op, self.label = data, grad, op, label
        self.parents: tuple = ()


def _rebuild(got: dict[str, Any]) -> Value:
    """The reported graph (node 0 the root) as nnscalar Values, numbers as the engine left them."""
    nodes = []
    for i, (data, grad) in enumerate(zip(got["data"], got["grad"])):
        for what, x in (("data", data), ("grad", grad)):
            if not isinstance(x, float) or not math.isfinite(x):
                raise ConfigError(
                    f"your engine's graph has a node ({got['op'][i] or 'a leaf'}) whose {what} is "
                    f"{x!r}: only finite numbers can be shown"
                )
        nodes.append(_Node(data, grad, got["op"][i], got["label"][i]))
    for node, parents, local in zip(nodes, got["parents"], got["local"]):
        if not isinstance(parents, str) or not isinstance(local, str) or "…" in parents + local:
            raise ConfigError(
                f"your engine's graph has a node ({node.op}) with too many parents to show"
            )
        node.parents = tuple(nodes[int(j)] for j in parents.split())
        if local != "missing":
            node.local_grads = tuple(float(x) for x in local.split())  # type: ignore[attr-defined]
    try:
        return as_value(nodes[0])
    except NNScalarError as exc:
        raise ConfigError(f"your engine's graph cannot be read: {exc}") from None


def compare(graph: StudentGraph) -> list[GradRow]:
    """Each node of the student's graph, root first: its grad from their backward(), from the
    chain rule on their local derivatives, and from nnscalar (for the named inputs)."""
    records = steps(graph.root)
    chain = replay(records.backward, len(records.backward))
    chain[graph.root] = 1.0
    theirs = {n.label: n.grad for n in topological_order(graph.reference) if n.label}
    names = node_names(graph.root)
    rows = []
    for node in reversed(topological_order(graph.root)):
        named = node.label if not node.parents and node.label in theirs else None
        rows.append(
            GradRow(
                names[node],
                node.grad,
                chain.get(node, 0.0),
                theirs[named] if named else (1.0 if node is graph.root else None),
            )
        )
    return rows


def wrong_local(graph: StudentGraph) -> str:
    """The first node from the root whose local derivative differs from its op's rule, said as
    `n3 = tanh(n2): your ∂n3/∂n2 is 0.4375; 1 − out² gives 0.5966` ('' when none does)."""
    records = steps(graph.root)
    for step in records.backward:
        node = step.node
        rule = _RULES.get(node.op)
        if rule is None or len(node.parents) != (1 if node.op in _UNARY else 2):
            continue
        fresh = [Value(p.data) for p in node.parents]  # one per edge: a + a gives two
        rule(fresh).backward()
        for term, expected in zip(step.terms, (f.grad for f in fresh)):
            if not _close(term.local, expected):
                return (
                    f"{step.forward}: your ∂{step.name}/∂{term.parent_name} is "
                    f"{number(term.local)}; {term.formula} gives {number(expected)}"
                )
    return ""
