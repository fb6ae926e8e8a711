"""Exercises on one neuron: the weighted input Z, the bias, activations and a forward pass."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from .. import ops
from ..core import Value, weighted_sum
from ..nn import Neuron
from .chainrule import gradient_parts
from .model import CheckResult, Exercise, Part, close, number_part
from .variants import distinct, exercise_rng, pick
from .worked import Worked, board, eq

__all__ = ["ACTIVATION_DERIVATIVES", "BIAS", "NEURON_FORWARD", "WEIGHTED_INPUT"]


def _g(x: float) -> str:
    return f"{x:g}"


def _vector(xs: list[float]) -> str:
    return "(" + ", ".join(_g(x) for x in xs) + ")"


# --- 1. the weighted input Z -------------------------------------------------------------------


def _z_numbers(seed: int) -> tuple[list[float], list[float], float]:
    rng = exercise_rng("weighted-input", seed)
    while True:  # Z = 0 would let an empty answer pass and hide every slip
        xs = [pick(rng, -2.0, 2.0) for _ in range(3)]
        ws = [pick(rng, -1.5, 1.5) for _ in range(3)]
        b = pick(rng, -1.0, 1.0)
        if abs(math.fsum([*(x * w for x, w in zip(xs, ws)), b])) >= 0.5:
            return xs, ws, b


def _z_statement(seed: int) -> str:
    xs, ws, b = _z_numbers(seed)
    return (
        f"A neuron has three inputs x = {_vector(xs)}, each carried by a synapse whose weight is "
        f"w = {_vector(ws)}, and a bias b = {_g(b)}.\n\n"
        "Compute its **weighted input** Z = x₁w₁ + x₂w₂ + x₃w₃ + b.\n\n"
        "Answer: `z = ...`"
    )


def _z_solution(seed: int) -> dict[str, float]:
    xs, ws, b = _z_numbers(seed)
    return {"z": math.fsum([*(x * w for x, w in zip(xs, ws)), b])}


def _z_check(answer: Mapping[str, Any], seed: int) -> CheckResult:
    xs, ws, b = _z_numbers(seed)
    z = _z_solution(seed)["z"]
    given = answer.get("z")
    wrong = ""
    if isinstance(given, float):
        terms = [x * w for x, w in zip(xs, ws)]
        if close(given, z - b):
            wrong = f"you left out the bias: add b = {_g(b)} to the sum of the products"
        elif close(given, z - 2 * b):
            wrong = f"the bias is added, not subtracted: + b = + {_g(b)}"
        elif close(given, sum(xs) + sum(ws) + b):
            wrong = "each input is multiplied by its weight (xᵢ·wᵢ), not added to it"
        else:
            for i, t in enumerate(terms, start=1):
                if close(given, z - t):
                    wrong = f"the term x{i}·w{i} = {_g(t)} is missing from the sum"
                elif close(given, z - 2 * t):
                    wrong = f"the sign of x{i}·w{i} = {_g(xs[i - 1])}·({_g(ws[i - 1])}) is off"
    return CheckResult("weighted-input", (number_part("z", given, z, wrong),))


WEIGHTED_INPUT = Exercise(
    id="weighted-input",
    title="The weighted input Z",
    concept="neuron: Z = Σ xᵢwᵢ + b",
    statement=_z_statement,
    solution=_z_solution,
    check=_z_check,
    hints=(
        "Each synapse multiplies its input by its weight: start with x₁·w₁.",
        "Add the three products, then add the bias once.",
        "Watch the signs: a negative input times a negative weight is positive.",
    ),
    worked=lambda seed: _z_worked(seed),
)


def _z_worked(seed: int) -> Worked:
    xs, ws, b = _z_numbers(seed)
    inputs = [Value(x, label=f"x{i}") for i, x in enumerate(xs, start=1)]
    weights = [Value(w, label=f"w{i}") for i, w in enumerate(ws, start=1)]
    z = weighted_sum(weights, inputs, Value(b, label="b"))
    z.label = "z"
    return board(z, backward=False)


# --- 2. the bias -------------------------------------------------------------------------------


def _bias_numbers(seed: int) -> tuple[float, float, float]:
    rng = exercise_rng("bias", seed)
    return pick(rng, -2.0, 2.0), pick(rng, -2.0, 2.0), float(rng.choice((1, 2, 3, 4)))


def _bias_statement(seed: int) -> str:
    w, b, x1 = _bias_numbers(seed)
    return (
        "A linear neuron with one input computes z = w·x + b (no activation). It must output "
        f"**{_g(b)} at x = 0** and **{_g(w * x1 + b)} at x = {_g(x1)}**.\n\n"
        "Find its weight and its bias. Why could a neuron without a bias not do this?\n\n"
        "Answer: `w = ...` and `b = ...`"
    )


def _bias_solution(seed: int) -> dict[str, float]:
    w, b, _ = _bias_numbers(seed)
    return {"w": w, "b": b}


def _bias_check(answer: Mapping[str, Any], seed: int) -> CheckResult:
    w, b, x1 = _bias_numbers(seed)
    y1 = w * x1 + b
    given_w, given_b = answer.get("w"), answer.get("b")
    wrong_b = wrong_w = ""
    if isinstance(given_b, float) and close(given_b, 0.0):
        wrong_b = (
            f"with b = 0 the neuron outputs 0 at x = 0 (its line goes through the origin), "
            f"but it must output {_g(b)} there: the bias is z at x = 0"
        )
    if isinstance(given_w, float) and close(given_w, y1 / x1):
        wrong_w = (
            f"{_g(y1)}/{_g(x1)} is the slope of a line through the origin; with a bias "
            f"the slope is the rise over the run: ({_g(y1)} − {_g(b)})/{_g(x1)}"
        )
    return CheckResult(
        "bias", (number_part("w", given_w, w, wrong_w), number_part("b", given_b, b, wrong_b))
    )


BIAS = Exercise(
    id="bias",
    title="The bias: a neuron off the origin",
    concept="bias: a neuron that must not pass through the origin",
    statement=_bias_statement,
    solution=_bias_solution,
    check=_bias_check,
    hints=(
        "Put x = 0 into z = w·x + b: what is left?",
        "With b known, put in the second point and solve for w.",
        "Without b, z = w·x is 0 at x = 0 whatever w is.",
    ),
    worked=lambda seed: _bias_worked(seed),
)


def _bias_worked(seed: int) -> Worked:
    w, b, x1 = _bias_numbers(seed)
    y1 = w * x1 + b
    return Worked(
        (
            eq("At x = 0: z = w·0 + b = b, so b = {}", b),
            eq(
                "At x = {}: w·{} + b = {}, so w = ({} − b)/{} = ({} − {})/{} = {}",
                x1,
                x1,
                y1,
                y1,
                x1,
                y1,
                b,
                x1,
                w,
            ),
            ("Without a bias, z = w·0 = 0 at x = 0, whatever w is.",),
        )
    )


# --- 3. activations and their derivatives ------------------------------------------------------

_ACTIVATIONS = ("sigmoid", "tanh", "relu")


def _act_z(seed: int) -> float:
    return pick(exercise_rng("activation-derivatives", seed), -2.0, 2.0)


def _act_nodes(z: float) -> dict[str, Value]:
    nodes = {}
    for name in _ACTIVATIONS:  # a z of its own each: a worked solution reads one graph at a time
        nodes[name] = getattr(Value(z, label="z"), name)()
        nodes[name].label = name
    return nodes


def _act_statement(seed: int) -> str:
    z = _act_z(seed)
    return (
        f"For the weighted input z = {_g(z)}, give the output and the derivative "
        "d(out)/dz of three activation functions: the sigmoid σ(z) = 1/(1 + e⁻ᶻ), "
        "tanh(z), and ReLU(z) = max(0, z).\n\n"
        "Answer: `sigmoid = ...`, `d_sigmoid = ...`, `tanh = ...`, `d_tanh = ...`, "
        "`relu = ...`, `d_relu = ...`"
    )


def _act_solution(seed: int) -> dict[str, float]:
    nodes = _act_nodes(_act_z(seed))
    answer: dict[str, float] = {}
    for name, node in nodes.items():
        answer[name] = node.data
        answer[f"d_{name}"] = node.local_grads[0]
    return answer


def _formula(op: str) -> str:
    return ops.pretty(ops.OPS[op].derivatives[0])


def _act_check(answer: Mapping[str, Any], seed: int) -> CheckResult:
    z = _act_z(seed)
    nodes = _act_nodes(z)
    parts: list[Part] = []
    for name, node in nodes.items():
        out, slope = node.data, node.local_grads[0]
        given = answer.get(name)
        wrong = ""
        if isinstance(given, float) and name == "relu" and close(given, z):
            wrong = "ReLU passes only positive numbers: max(0, z) is 0 for z < 0"
        parts.append(number_part(name, given, out, wrong))
        given = answer.get(f"d_{name}")
        wrong = ""
        if isinstance(given, float):
            if name != "relu" and close(given, out):
                wrong = f"that is {name}(z) itself; its derivative is {_formula(name)}"
            elif name == "tanh" and close(given, 1 - z * z):
                wrong = "you put z into 1 − out²; use the output: out = tanh(z)"
            elif name == "sigmoid" and close(given, z * (1 - z)):
                wrong = "you put z into out·(1 − out); use the output: out = σ(z)"
            elif name == "relu":
                wrong = (
                    f"ReLU's slope is 1 where z > 0 and 0 where z < 0; here z = {_g(z)}"
                    if not close(given, slope)
                    else ""
                )
        parts.append(number_part(f"d_{name}", given, slope, wrong))
    return CheckResult("activation-derivatives", tuple(parts))


def _act_worked(seed: int) -> Worked:
    worked = Worked(())
    for node in _act_nodes(_act_z(seed)).values():
        worked += board(node, node.parents)
    return worked


ACTIVATION_DERIVATIVES = Exercise(
    id="activation-derivatives",
    title="Activations and their slopes",
    concept="each activation's derivative",
    statement=_act_statement,
    solution=_act_solution,
    check=_act_check,
    hints=(
        "Compute each output first: the derivatives are easiest written with the output.",
        "From nnscalar's op table: σ' = "
        + _formula("sigmoid")
        + ", tanh' = "
        + _formula("tanh")
        + " (out is the activation's output).",
        "ReLU' = " + _formula("relu") + ": look at the sign of z.",
    ),
    worked=_act_worked,
)


# --- 7. a neuron's forward pass (and its gradients) --------------------------------------------


def _neuron(seed: int) -> tuple[Neuron, list[float]]:
    rng = exercise_rng("neuron-forward", seed)
    activation = rng.choice(("tanh", "sigmoid"))
    neuron = Neuron(2, activation=activation, seed=0, name="N1")
    while True:  # z away from 0, where tanh(z) = z nearly and slips would go unseen
        w1, w2, b = distinct(rng, 3, -1.5, 1.5, step=0.25)
        xs = distinct(rng, 2, -2.0, 2.0)
        if abs(w1 * xs[0] + w2 * xs[1] + b) >= 0.5:
            break
    neuron.weights[0].data, neuron.weights[1].data, neuron.bias.data = w1, w2, b
    out = neuron([Value(x, label=f"x{i}") for i, x in enumerate(xs, start=1)])
    # the statement's names, so the picture and the worked solution read as the exercise does
    neuron.weights[0].label, neuron.weights[1].label, neuron.bias.label = "w1", "w2", "b"
    assert neuron.z is not None
    neuron.z.label, out.label = "z", "out"
    return neuron, xs


def _neuron_statement(seed: int) -> str:
    neuron, xs = _neuron(seed)
    ws = [w.data for w in neuron.weights]
    return (
        f"A neuron with weights w = {_vector(ws)}, bias b = {_g(neuron.bias.data)} and the "
        f"**{neuron.activation}** activation gets the input x = {_vector(xs)}.\n\n"
        "1. Its forward pass: the weighted input z and the output out.\n"
        "2. Then backward: d(out)/dw₁ and d(out)/db. A slope worked out from your rounded out "
        "counts, even where the activation saturates (out near its limit) and 1 − out² cancels "
        "figures; there, more figures of out bring it closer to the exact slope.\n\n"
        "Answer: `z = ...`, `out = ...`, `dout_dw1 = ...`, `dout_db = ...`"
    )


def _neuron_solution(seed: int) -> dict[str, float]:
    neuron, _ = _neuron(seed)
    out = neuron.output
    assert out is not None and neuron.z is not None
    out.backward()
    return {
        "z": neuron.z.data,
        "out": out.data,
        "dout_dw1": neuron.weights[0].grad,
        "dout_db": neuron.bias.grad,
    }


def _neuron_check(answer: Mapping[str, Any], seed: int) -> CheckResult:
    neuron, _xs = _neuron(seed)
    z, out = neuron.z, neuron.output
    assert z is not None and out is not None
    b = neuron.bias.data
    other = "sigmoid" if neuron.activation == "tanh" else "tanh"
    given_z, given_out = answer.get("z"), answer.get("out")
    wrong_z = wrong_out = ""
    if isinstance(given_z, float) and close(given_z, z.data - b):
        wrong_z = f"you left out the bias b = {_g(b)}"
    if isinstance(given_out, float):
        if close(given_out, z.data):
            wrong_out = f"that is z; the output is {neuron.activation}(z)"
        elif close(given_out, getattr(Value(z.data), other)().data):
            wrong_out = f"you applied {other}; this neuron's activation is {neuron.activation}"
        elif close(given_out, getattr(Value(z.data - b), neuron.activation)().data):
            wrong_out = f"you left the bias b = {_g(b)} out of z before the activation"
    parts = [
        number_part("z", given_z, z.data, wrong_z),
        number_part("out", given_out, out.data, wrong_out),
    ]
    nodes = {"dout_dw1": neuron.weights[0], "dout_db": neuron.bias}
    grads = gradient_parts(out, nodes, answer)
    if parts[1].ok and isinstance(given_out, float):
        grads = _from_given_out(grads, answer, given_out, neuron.activation, _xs[0])
    parts += grads
    return CheckResult("neuron-forward", tuple(parts))


CHAIN_RTOL = 0.05  # a slope from a rounded `out` further than this from the exact one gets advice


def _near(chained: float, exact: float) -> bool:
    """A slope from a rounded out is still this slope: same sign, within a factor of 2 (out = −1.000
    giving 1 − out² = 0 for a gradient of 8.6e-5 is not: that is the vanishing-gradient slip)."""
    return chained * exact > 0 and 0.5 <= chained / exact <= 2.0


def _from_given_out(
    grads: list[Part], answer: Mapping[str, Any], out: float, activation: str, x1: float
) -> list[Part]:
    """The gradient parts, each refused one checked again against the slope worked out from the
    student's own (accepted, rounded) `out`, as the hint says: that is right too. Near saturation
    that slope drifts from the exact one (1 − out² cancels figures): right with advice while it
    is still near (`_near`), else refused, asking for more figures of out."""
    slope = 1 - out * out if activation == "tanh" else out * (1 - out)
    chained = {"dout_dw1": x1 * slope, "dout_db": slope}
    how = f"from your out = {out:.6g}"
    checked = []
    for part in grads:
        given = answer.get(part.name)
        if not part.ok and isinstance(given, float) and part.expected is not None:
            if _near(chained[part.name], part.expected):
                again = number_part(part.name, given, part.expected, "", (chained[part.name], how))
                if again.ok and not close(chained[part.name], part.expected, CHAIN_RTOL):
                    again = replace(
                        again,
                        message=f"{again.message}; near saturation 1 − out² cancels figures: "
                        "keep more figures of out to come closer",
                    )
                part = again if again.ok else part  # refused both ways: the chain rule's word
            elif close(given, chained[part.name]):
                part = Part(
                    part.name,
                    False,
                    f"{part.message}: your out = {out:.6g} has too few figures for this slope "
                    "(near saturation 1 − out² cancels them): keep more figures of out",
                    part.expected,
                    given,
                )
        checked.append(part)
    return checked


def _neuron_graph(seed: int) -> Value:
    neuron, _ = _neuron(seed)
    assert neuron.output is not None
    return neuron.output


def _neuron_worked(seed: int) -> Worked:
    neuron, _ = _neuron(seed)
    assert neuron.output is not None
    return board(neuron.output, [neuron.weights[0], neuron.bias])


NEURON_FORWARD = Exercise(
    id="neuron-forward",
    title="A neuron, forward and back",
    concept="a neuron's forward pass",
    statement=_neuron_statement,
    solution=_neuron_solution,
    check=_neuron_check,
    hints=(
        "Forward: z = x₁w₁ + x₂w₂ + b, then out = activation(z).",
        "Backward: d(out)/dz is the activation's slope at z, written with out.",
        "d(out)/dw₁ = d(out)/dz · dz/dw₁, and dz/dw₁ = x₁; dz/db = 1.",
    ),
    worked=_neuron_worked,
)
