"""Exercises on backpropagation: gradients by hand, a shared node, a new op's rule, a bug hunt."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from ..core import Value, custom_node
from ..gradcheck import gradcheck
from .chainrule import gradient_parts
from .model import CheckResult, Exercise, Part, close, number_part
from .variants import distinct, exercise_rng, pick
from .worked import Worked, board

__all__ = ["EXPRESSION_GRADIENTS", "NEW_OP_BACKWARD", "SHARED_NODE", "SPOT_THE_BUG"]


def _g(x: float) -> str:
    return f"{x:g}"


def _leaves(values: Mapping[str, float]) -> dict[str, Value]:
    return {name: Value(v, label=name) for name, v in values.items()}


def _labelled(node: Value, label: str) -> Value:
    node.label = label
    return node


def _gradients(root: Value, nodes: Mapping[str, Value]) -> dict[str, float]:
    root.backward()
    return {name: node.grad for name, node in nodes.items()}


def _gradient_exercise(
    exercise_id: str,
    build: Callable[[int], tuple[Value, dict[str, Value]]],
) -> tuple[Callable[[int], dict[str, float]], Callable[[Mapping[str, Any], int], CheckResult]]:
    """The solution and the checker of a 'give these gradients' exercise on the graph `build`."""

    def solution(seed: int) -> dict[str, float]:
        return _gradients(*build(seed))

    def check(answer: Mapping[str, Any], seed: int) -> CheckResult:
        root, nodes = build(seed)
        return CheckResult(exercise_id, tuple(gradient_parts(root, nodes, answer)))

    return solution, check


def _board(root: Value, nodes: Mapping[str, Value]) -> Worked:
    """The worked solution: the forward pass, then the chain rule down to the asked nodes."""
    return board(root, nodes.values())


def _answer_line(nodes: Mapping[str, Value]) -> str:
    return "Answer: " + ", ".join(f"`{name} = ...`" for name in nodes)


# --- 4. gradients of a small expression by hand ------------------------------------------------


def _expression(seed: int) -> tuple[Value, dict[str, Value]]:
    rng = exercise_rng("expression-gradients", seed)
    v = _leaves(dict(zip("abcd", distinct(rng, 4, -3.0, 3.0))))
    e = _labelled(v["a"] * v["b"], "e")
    f = _labelled(e + v["c"] if rng.random() < 0.5 else e - v["c"], "f")
    loss = _labelled(f * v["d"], "L")
    nodes = {
        "dL_df": f,
        "dL_de": e,
        "dL_da": v["a"],
        "dL_db": v["b"],
        "dL_dc": v["c"],
        "dL_dd": v["d"],
    }
    return loss, nodes


def _expression_statement(seed: int) -> str:
    _loss, nodes = _expression(seed)
    f = nodes["dL_df"]
    sign = "+" if f.op == "+" else "−"
    values = ", ".join(f"{n} = {_g(nodes['dL_d' + n].data)}" for n in "abcd")
    return (
        f"With {values}, the graph computes e = a·b, f = e {sign} c and L = f·d "
        f"(the picture shows each node's value).\n\n"
        "By hand, working backwards from L, give dL/df, dL/de and the gradients of the four "
        "inputs.\n\n" + _answer_line(nodes)
    )


_expression_solution, _expression_check = _gradient_exercise("expression-gradients", _expression)

EXPRESSION_GRADIENTS = Exercise(
    id="expression-gradients",
    title="Gradients by hand",
    concept="gradients of a small expression by hand",
    statement=_expression_statement,
    solution=_expression_solution,
    check=_expression_check,
    hints=(
        "Start at the top: dL/dL = 1. For L = f·d, dL/df = d and dL/dd = f.",
        "Go one node down at a time: dL/de = dL/df · df/de, and df/de = 1.",
        "For the inputs of e = a·b: dL/da = dL/de · b and dL/db = dL/de · a.",
    ),
    graph=lambda seed: _expression(seed)[0],
    worked=lambda seed: _board(*_expression(seed)),
)


# --- 5. the chain rule through a shared node ---------------------------------------------------


def _shared(seed: int) -> tuple[Value, dict[str, Value]]:
    rng = exercise_rng("shared-node", seed)
    v = _leaves(dict(zip("xyz", distinct(rng, 3, -3.0, 3.0))))
    a = _labelled(v["x"] * v["y"], "a")
    b = _labelled(v["x"] + v["z"], "b")
    loss = _labelled(a * b, "L")
    return loss, {"dL_da": a, "dL_db": b, "dL_dx": v["x"], "dL_dy": v["y"], "dL_dz": v["z"]}


def _shared_statement(seed: int) -> str:
    _loss, nodes = _shared(seed)
    values = ", ".join(f"{n} = {_g(nodes['dL_d' + n].data)}" for n in "xyz")
    return (
        f"With {values}: a = x·y, b = x + z and L = a·b. The input x is **used twice**: it "
        "feeds both a and b (see the picture).\n\n"
        "Give dL/da, dL/db and the gradients of x, y and z.\n\n" + _answer_line(nodes)
    )


_shared_solution, _shared_check = _gradient_exercise("shared-node", _shared)

SHARED_NODE = Exercise(
    id="shared-node",
    title="The chain rule through a shared node",
    concept="the chain rule through a shared node",
    statement=_shared_statement,
    solution=_shared_solution,
    check=_shared_check,
    hints=(
        "dL/da = b and dL/db = a.",
        "x reaches L along two paths: x → a → L and x → b → L.",
        "Add the paths: dL/dx = dL/da · da/dx + dL/db · db/dx = b·y + a·1.",
    ),
    graph=lambda seed: _shared(seed)[0],
    worked=lambda seed: _board(*_shared(seed)),
)


# --- 6. the backward rule of a new op ----------------------------------------------------------


def _sigmoid(a: float) -> float:
    return 1.0 / (1.0 + math.exp(-a)) if a >= 0 else math.exp(a) / (1.0 + math.exp(a))


# name → (the op written out, its forward function, the body of a reference local_derivative)
_NEW_OPS: dict[str, tuple[str, Callable[[float], float], str]] = {
    "cube": ("out = a³", lambda a: a**3, "return 3 * a**2"),
    "softsign": ("out = a / (1 + |a|)", lambda a: a / (1 + abs(a)), "return 1 / (1 + abs(a)) ** 2"),
    "gauss": ("out = exp(−a²)", lambda a: math.exp(-a * a), "return -2 * a * out"),
    "swish": (
        "out = a·σ(a), with σ(a) = 1/(1 + e⁻ᵃ)",
        lambda a: a * _sigmoid(a),
        "s = 1 / (1 + math.exp(-a))\n    return out + s * (1 - out)",
    ),
}


def _new_op(seed: int) -> tuple[str, list[float]]:
    rng = exercise_rng("new-op-backward", seed)
    name = rng.choice(sorted(_NEW_OPS))
    points = sorted({pick(rng, -2.0, 2.0, step=0.25) for _ in range(4)})
    return name, points


def _new_op_statement(seed: int) -> str:
    name, _ = _new_op(seed)
    written = _NEW_OPS[name][0]
    return (
        f"A new op, **{name}**: {written}.\n\n"
        "nnscalar stores each node's local derivative d(out)/d(a) as a number when the node is "
        "made; `backward()` then multiplies it by the gradient arriving from above. Write the "
        "rule for the new op as a Python function of the input `a` and the output `out`:\n\n"
        "```python\ndef local_derivative(a, out):\n    ...\n```\n\n"
        "The checker plugs your function into a node and compares it with finite differences "
        "(`nnscalar.gradcheck`) at several points. Answer: a Python file defining "
        "`local_derivative`."
    )


def _new_op_solution(seed: int) -> str:
    name, _ = _new_op(seed)
    body = _NEW_OPS[name][2]
    return (
        f"import math\n\n\ndef local_derivative(a, out):\n"
        f'    """d(out)/da of {name}."""\n    {body}\n'
    )


def _new_op_inputs(seed: int) -> dict[str, Any]:
    """The (a, out) pairs the student's rule is called on (the op's forward stays here)."""
    name, points = _new_op(seed)
    return {"pairs": [[a, _NEW_OPS[name][1](a)] for a in points]}


def _new_op_probe(namespace: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
    fn = namespace.get("local_derivative")
    if not callable(fn):
        return {"missing": "define a function local_derivative(a, out)"}
    values: list[Any] = []
    for a, out in inputs["pairs"]:
        try:
            value = fn(a, out)
        except Exception as exc:  # the student's error is the answer at this point
            values.append(f"{type(exc).__name__}: {exc}")
            continue
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        values.append(float(value) if is_number else f"returned {value!r:.60}, not a number")
    return {"values": values}


def _new_op_check(data: Mapping[str, Any], seed: int) -> CheckResult:
    name, points = _new_op(seed)
    forward = _NEW_OPS[name][1]
    if "missing" in data:
        return CheckResult(
            "new-op-backward", (Part("local_derivative", False, str(data["missing"])),)
        )
    values = data.get("values")
    if not isinstance(values, list) or len(values) != len(points):
        return CheckResult(
            "new-op-backward",
            (Part("local_derivative", False, "no value for every point came back"),),
        )
    parts = []
    for a, given in zip(points, values):
        label = f"local_derivative({_g(a)}, out={forward(a):.4g})"
        if isinstance(given, str):
            parts.append(Part(label, False, given))
            continue
        if not math.isfinite(given):
            parts.append(Part(label, False, f"returned {given}, not a finite number"))
            continue

        def node(x: Value, slope: float = given, op: str = name) -> Value:
            out = custom_node(forward(x.data), op, (x,), (slope,))  # the student's local rule
            out.label = "out"
            return out

        row = gradcheck(node, [Value(a, label="a")]).rows[0]
        if row.ok:
            parts.append(
                Part(label, True, f"{given:.6g} agrees with gradcheck", row.numeric, given)
            )
            continue
        wrong = f"gradcheck: yours {given:.6g}, finite differences {row.numeric:.6g}"
        if close(given, forward(a)):
            wrong += "; you returned out, the op's value, not its slope"
        elif close(given, -row.numeric):
            wrong += "; the sign is wrong"
        parts.append(Part(label, False, wrong, row.numeric, given))
    return CheckResult("new-op-backward", tuple(parts))


NEW_OP_BACKWARD = Exercise(
    id="new-op-backward",
    title="The backward rule of a new op",
    concept="the backward rule of a new op, checked with gradcheck",
    statement=_new_op_statement,
    solution=_new_op_solution,
    check=_new_op_check,
    probe=_new_op_probe,
    inputs=_new_op_inputs,
    functions=("local_derivative",),
    template="import math\n\n\ndef local_derivative(a, out):\n    ...  # d(out)/da\n",
    hints=(
        "Differentiate out = f(a) with respect to a, as in calculus.",
        "You may use out in the formula: tanh' = 1 − out² is cheaper than recomputing tanh(a).",
        "Try your function against a finite difference: (f(a + h) − f(a − h)) / 2h, h = 1e-6.",
    ),
)


# --- 14. spot the bug in a broken backward -----------------------------------------------------

_CODE = (
    "z = w * x + b",
    "out = math.tanh(z)",
    "dz = 1 - out**2",
    "dw = x * dz",
    "db = dz",
    "dx = w * dz",
)
# why each line is right, shown when a student blames a line that is not the bug
_WHY_RIGHT = (
    "the forward pass: z = w·x + b",
    "the forward pass: out = tanh(z)",
    "tanh' = 1 − out², written with the output",
    "d(w·x)/dw = x",
    "dz/db = 1: the bias is added",
    "d(w·x)/dx = w",
)
# line (1-based) → (the buggy text, what it gets wrong)
_BUGS: dict[int, tuple[tuple[str, str], ...]] = {
    3: (
        ("dz = 1 - z**2", "tanh' is 1 − out² with out = tanh(z), not 1 − z²"),
        ("dz = out * (1 - out)", "out·(1 − out) is the sigmoid's slope; tanh' is 1 − out²"),
    ),
    4: (("dw = w * dz", "d(w·x)/dw is x, the other factor, not w"),),
    5: (("db = b * dz", "dz/db is 1 (the bias is added), so db = dz"),),
    6: (("dx = x * dz", "d(w·x)/dx is w, the other factor, not x"),),
}


def _bug(seed: int) -> tuple[int, str, str, dict[str, float]]:
    rng = exercise_rng("spot-the-bug", seed)
    line = rng.choice(sorted(_BUGS))
    text, why = rng.choice(_BUGS[line])
    while True:  # distinct sizes, so that every wrong line changes some gradient
        values = {
            "x": pick(rng, -1.5, 1.5),
            "w": pick(rng, -1.0, 1.0, step=0.25),
            "b": pick(rng, -0.5, 0.5, step=0.25),
        }
        if len({abs(v) for v in values.values()} | {1.0}) == 4:
            return line, text, why, values


def _bug_graph(seed: int) -> tuple[Value, dict[str, Value]]:
    values = _bug(seed)[3]
    v = _leaves(values)
    z = _labelled(v["w"] * v["x"] + v["b"], "z")
    out = _labelled(z.tanh(), "out")
    return out, {"dw": v["w"], "db": v["b"], "dx": v["x"]}


def _bug_listing(seed: int) -> list[str]:
    line, text, _, _ = _bug(seed)
    return [text if i == line else code for i, code in enumerate(_CODE, start=1)]


def _bug_statement(seed: int) -> str:
    values = _bug(seed)[3]
    body = "\n".join(f"    {code:<22}# line {i}" for i, code in enumerate(_bug_listing(seed), 1))
    return (
        "This hand-written backward pass of out = tanh(w·x + b) has **one wrong line**:\n\n"
        f"```python\ndef backward(x, w, b):\n{body}\n    return dw, db, dx\n```\n\n"
        "Which line is wrong? Then give the correct gradients of out at "
        + ", ".join(f"{k} = {_g(v)}" for k, v in values.items())
        + ".\n\nAnswer: `bug_line = ...`, `dw = ...`, `db = ...`, `dx = ...`"
    )


def _bug_solution(seed: int) -> dict[str, float]:
    return {"bug_line": float(_bug(seed)[0]), **_gradients(*_bug_graph(seed))}


def _buggy_gradients(seed: int) -> dict[str, float]:
    """What the broken code returns: the numbers a student who trusted it would give."""
    x, w, b = (_bug(seed)[3][k] for k in "xwb")
    env: dict[str, float] = {"x": x, "w": w, "b": b}
    for code in _bug_listing(seed):
        name, _, expression = code.partition(" = ")
        env[name] = _BUG_EVAL[expression](env)
    return {k: env[k] for k in ("dw", "db", "dx")}


# The listing's right-hand sides, as functions (the listing is data, never evaluated).
_BUG_EVAL: dict[str, Callable[[dict[str, float]], float]] = {
    "w * x + b": lambda e: e["w"] * e["x"] + e["b"],
    "math.tanh(z)": lambda e: math.tanh(e["z"]),
    "1 - out**2": lambda e: 1 - e["out"] ** 2,
    "1 - z**2": lambda e: 1 - e["z"] ** 2,
    "out * (1 - out)": lambda e: e["out"] * (1 - e["out"]),
    "x * dz": lambda e: e["x"] * e["dz"],
    "w * dz": lambda e: e["w"] * e["dz"],
    "dz": lambda e: e["dz"],
    "b * dz": lambda e: e["b"] * e["dz"],
}


def _bug_check(answer: Mapping[str, Any], seed: int) -> CheckResult:
    line, _, why, _ = _bug(seed)
    given = answer.get("bug_line")
    wrong = ""
    if isinstance(given, float) and given.is_integer() and 1 <= given <= len(_CODE):
        if int(given) != line:
            wrong = f"line {int(given)} is right ({_WHY_RIGHT[int(given) - 1]})"
    parts = [number_part("bug_line", given, float(line), wrong)]
    if parts[0].ok:
        parts[0] = Part("bug_line", True, f"line {line} is the bug: {why}", line, given)
    root, nodes = _bug_graph(seed)
    buggy = _buggy_gradients(seed)
    for part in gradient_parts(root, nodes, answer):
        if (
            not part.ok
            and part.given is not None
            and part.expected is not None
            and close(part.given, buggy[part.name])
        ):
            part = Part(
                part.name,
                False,
                f"expected {part.expected:.6g}, given "
                f"{part.given:.6g}: that is what the broken code returns; fix line "
                f"{line} and run it again",
                part.expected,
                part.given,
            )
        parts.append(part)
    return CheckResult("spot-the-bug", tuple(parts))


def _bug_worked(seed: int) -> Worked:
    line, text, why, _ = _bug(seed)
    found = f"Line {line}, `{text}`, is wrong: {why}. The right line is `{_CODE[line - 1]}`."
    root, nodes = _bug_graph(seed)
    return Worked(((found,),)) + _board(root, nodes)


SPOT_THE_BUG = Exercise(
    id="spot-the-bug",
    title="Spot the bug in a broken backward",
    concept="spot the bug in a broken backward",
    statement=_bug_statement,
    solution=_bug_solution,
    check=_bug_check,
    hints=(
        "Check each line against the local derivative of the op it differentiates.",
        "For a product w·x, the derivative with respect to one factor is the other factor.",
        "tanh' = 1 − out²; the bias is added, so its local derivative is 1.",
    ),
    graph=lambda seed: _bug_graph(seed)[0],
    worked=_bug_worked,
)
