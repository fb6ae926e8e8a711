"""The build track as data: each task's statement, hints and the cases its hidden check runs.

Cases are expression programs (see `child`) drawn from the student's seed: random graphs with
shared nodes, constants on either side of an op and a node used twice (`a + a`).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from .variants import track_rng

__all__ = ["TASKS", "Task", "cases", "random_program"]


@dataclass(frozen=True)
class Task:
    """One step of the track: what to write, where, and the hints a stuck student reads."""

    number: int
    title: str
    file: str
    statement: str
    hints: tuple[str, ...]
    time_limit: float = 5.0  # seconds; the model solution needs well under one


TASKS: tuple[Task, ...] = (
    Task(
        1,
        "Value, + and *",
        "engine.py",
        "A Value holds `data` (a float), `grad` (0.0), `parents` and `op`. `a + b` and `a * b` "
        "return a new Value whose parents are the operands in order and whose op is '+' or '*'. "
        "A number on either side (`a + 2`, `3 * a`) becomes a leaf Value first.",
        (
            "`__radd__` runs for `2 + a`: the number is the left operand, so it comes first.",
            "`a + a` has two parents, both `a`: keep both edges.",
        ),
    ),
    Task(
        2,
        "more ops and their local derivatives",
        "engine.py",
        "Add -, neg, /, ** (a number exponent), exp, tanh and relu. Each result also records "
        "`local_grads`: d(result)/d(parent) for each parent, as numbers, computed right away.",
        (
            "For a / b: d/da = 1/b, d/db = -a/b².",
            "tanh's derivative is 1 - out² where out = tanh(x), the result, not x.",
        ),
    ),
    Task(
        3,
        "topological order without recursion",
        "engine.py",
        "`topological_order(root)` lists every node root depends on, once each, every parent "
        "before the nodes that use it. A chain of 100,000 nodes must work: no recursion.",
        (
            "Keep an explicit stack of (node, parents_done) pairs.",
            "Mark a node as seen the first time you meet it, or shared nodes appear twice.",
        ),
        time_limit=10.0,
    ),
    Task(
        4,
        "backward: the chain rule with +=",
        "engine.py",
        "`root.backward()` sets root.grad to 1 and, walking the topological order backwards, "
        "adds each node's share to its parents: `parent.grad += local * node.grad`.",
        (
            "b = a + a; c = b * b: a.grad must be 4·b, both edges count.",
            "With `=` a node used twice keeps only the last share.",
        ),
    ),
    Task(
        5,
        "leaves accumulate; zero_grad",
        "engine.py",
        "Calling backward twice gives every op's result the same grad again (reset them to 0 "
        "first), while leaves (inputs, parameters) accumulate: twice the grad. "
        "`zero_grad(values)` sets their grads back to 0 — call it between training steps.",
        (
            "Only nodes with parents are reset inside backward.",
            "Accumulating leaves is what makes gradient accumulation over mini-batches work.",
        ),
    ),
    Task(
        6,
        "a Neuron with Synapses",
        "nn.py",
        "`Neuron(n, activation)` holds one `Synapse` (a weight Value and its input's index) per "
        "input and a bias. Calling it on inputs (numbers or Values) computes the weighted input "
        "Z = Σ wᵢxᵢ + b, keeps it as `neuron.z`, and returns activation(Z) ('tanh', 'relu' or "
        "'linear'). `parameters()` lists the weights in input order, then the bias.",
        (
            "Start from z = self.bias and add each weight times its input.",
            "The bias is a parameter like the weights: it gets a gradient too.",
        ),
    ),
    Task(
        7,
        "Layer, MLP and parameters()",
        "nn.py",
        "A `Layer` is neurons reading the same inputs; an `MLP` feeds each layer's outputs to "
        "the next (the last layer is linear) and returns the last layer's outputs as a list. "
        "`parameters()` lists them neuron by neuron, layer by layer.",
        ("The grader sets your parameters from parameters(): its order must be the stated one.",),
    ),
    Task(
        8,
        "two losses and SGD, trained on moons",
        "train.py",
        "`mse(predictions, targets)` is the mean of (prediction − target)²; `hinge(predictions, "
        "targets)` the mean of max(0, 1 − target·prediction), targets ±1 (micrograd's demo "
        "loss); `sgd_step(params, lr)` moves each parameter by −lr · grad; `train(model, xs, ys, "
        "steps, lr, loss=mse)` runs full-batch gradient descent on `loss` and returns the loss of "
        "each step. The check trains MLP(2, [8, 1]) from its own starting weights with your "
        "train() and hinge on 40 moons points, 150 steps at lr 2.0: at least 90 % of 100 "
        "held-out points must come out right (the whole task has 60 s; the model solution "
        "needs 1 to 4).",
        (
            "Gradient descent goes down: p.data -= lr * p.grad.",
            "Leaves accumulate (task 5): zero the gradients before each backward().",
            "hinge: max(0, ·) is relu; a point right by a margin of 1 or more adds nothing.",
        ),
        time_limit=60.0,
    ),
    Task(
        9,
        "gradient accumulation",
        "train.py",
        "`accumulate_gradients(model, xs, ys, k)` splits the samples into k consecutive "
        "mini-batches and backward()s each one's mse times its share (its size / all samples): "
        "the parameters then hold the full batch's gradients, as one big batch would give.",
        (
            "Mini-batches of sizes 3, 3, 3, 1: the last one's share is 1/10, not 1/4.",
            "zero_grad once, before the first mini-batch, never between them.",
        ),
    ),
    Task(
        10,
        "a finite-difference gradient check",
        "gradcheck.py",
        "`numerical_gradient(f, values, h)` estimates each d f/d value by central differences "
        "(f builds a new graph from the list of Values); `gradient_check(f, values, tolerance)` "
        "is True when backward()'s gradients agree with them, False when they do not — a check "
        "of your own engine that catches a wrong local derivative.",
        (
            "(f(x + h) − f(x − h)) / 2h is accurate to about h²; put each value's data back.",
            "Compare relative to max(1, |grad|): big gradients need room, small ones none.",
        ),
    ),
)

_BINARY = ("+", "-", "*", "/")
_UNARY = ("neg", "exp", "tanh", "relu", "**")
_OPS = {1: ("+", "*"), 2: _BINARY + _UNARY}


def _apply(op: str, a: float, b: float) -> float:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return a / b
    if op == "**":
        return a**b
    if op == "neg":
        return -a
    if op == "exp":
        return math.exp(a)
    if op == "tanh":
        return math.tanh(a)
    return max(0.0, a)


def random_program(rng: random.Random, ops: tuple[str, ...], size: int) -> list[list]:
    """A random expression program: 2-4 leaves, then `size` ops, shared nodes and constants."""
    program: list[list] = []
    values: list[float] = []
    for _ in range(rng.randint(2, 4)):
        x = round(rng.uniform(-2.0, 2.0), 2) or 0.5
        program.append(["leaf", x])
        values.append(x)
    while len(program) < len(values) or len(program) < size + 4:
        op = rng.choice(ops)
        i = rng.randrange(max(0, len(values) - 4), len(values))
        j = i if rng.random() < 0.15 else rng.randrange(len(values))  # a + a: one node twice
        a, b = values[i], values[j]
        left, right = ["v", i], ["v", j]
        if op == "**":
            exponent = rng.choice((2.0, 3.0) if abs(a) < 0.3 else (2.0, 3.0, -1.0, 0.5))
            if exponent == 0.5 and a <= 0:
                exponent = 2.0
            right, b = ["c", exponent], exponent
        elif op in _BINARY and rng.random() < 0.3:  # a constant, on either side
            c = round(rng.uniform(0.5, 3.0), 1)
            if rng.random() < 0.5:
                right, b = ["c", c], c
            else:
                left, right, a, b = ["c", c], ["v", i], c, a
        if (op == "/" and abs(b) < 0.3) or (op == "exp" and a > 4):
            continue
        try:
            out = _apply(op, a, b)
        except (ArithmeticError, ValueError):
            continue
        if not math.isfinite(out) or abs(out) > 1e3:
            continue
        step = [op, left] if op in ("neg", "exp", "tanh", "relu") else [op, left, right]
        program.append(step)
        values.append(out)
    # the root depends on many steps: add the last three results up
    n = len(program)
    program.append(["+", ["v", n - 1], ["v", n - 2]])
    program.append(["*", ["v", n], ["v", n - 3]])
    return program


def cases(task: int, seed: int) -> list[dict]:
    """The hidden check's cases of `task` for the student whose seed is `seed`."""
    if task == 10:
        rng = track_rng("10", seed)
        programs = [random_program(rng, _OPS[2], size) for size in (4, 8)]
        x = round(rng.uniform(0.5, 2.0), 2)
        return [{"kind": "gradcheck", "program": p, "x": x} for p in programs]
    if task >= 6:
        from .netcheck import net_cases

        return net_cases(task, seed)
    rng = track_rng(str(task), seed)
    ops = _OPS.get(task, _OPS[2])
    programs = [random_program(rng, ops, size) for size in (3, 6, 10, 14)]
    if task >= 2:  # every op at least once, whatever the random draws gave
        x, y = round(rng.uniform(0.3, 1.2), 2), round(rng.uniform(-1.5, -0.4), 2)
        steps = [["tanh", ["v", 0]], ["exp", ["v", 1]], ["relu", ["v", 0]], ["neg", ["v", 1]]]
        steps += [
            ["/", ["v", 0], ["v", 1]],
            ["-", ["c", 2.0], ["v", 0]],
            ["**", ["v", 0], ["c", 3.0]],
        ]
        steps += [["*", ["v", 2], ["v", 3]], ["+", ["v", 4], ["v", 5]], ["+", ["v", 6], ["v", 7]]]
        steps += [
            ["*", ["v", 8], ["v", 9]],
            ["+", ["v", 10], ["v", 11]],
            ["+", ["v", 12], ["v", 13]],
        ]
        programs.insert(0, [["leaf", x], ["leaf", y], *steps])
    if task in (1, 2):
        return [{"kind": "graph", "program": p} for p in programs]
    if task == 3:
        chain = {"kind": "chain", "x": round(rng.uniform(0.5, 2.0), 2), "length": 100_000}
        return [{"kind": "order", "program": p} for p in programs] + [chain]
    if task == 4:
        return [{"kind": "backward", "program": p} for p in programs]
    return [{"kind": "backward", "program": p, "calls": 2, "zero": True} for p in programs]
