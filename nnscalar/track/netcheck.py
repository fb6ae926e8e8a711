"""Tasks 6-9 of the build track: the student's neurons, networks, loss, SGD and gradient
accumulation, compared with the same computation in nnscalar's engine (same parameters, same
order), naming the known mistakes (a missing bias, ascent instead of descent, gradients not reset
between steps, accumulation without scaling by the share)."""

from __future__ import annotations

import random
from typing import Any

from ..core import Value, zero_grad
from ..data import moons
from .variants import track_rng

__all__ = ["judge", "net_cases"]

RTOL, ATOL = 1e-6, 1e-9


def _count(shape: list) -> int:
    if shape[0] == "neuron":
        return shape[1] + 1
    widths = [shape[1], *shape[2]]
    return sum((widths[i] + 1) * widths[i + 1] for i in range(len(shape[2])))


def _params(rng: random.Random, shape: list) -> list[float]:
    return [round(rng.uniform(-1.0, 1.0), 3) for _ in range(_count(shape))]


def net_cases(task: int, seed: int) -> list[dict]:
    """The hidden cases of task 6, 7, 8 or 9 for the student's seed."""
    rng = track_rng(str(task), seed)
    if task == 6:
        shapes = [["neuron", 3, "tanh"], ["neuron", 4, "relu"], ["neuron", 2, "linear"]]
        return [
            {
                "kind": "neuron",
                "shape": s,
                "params": _params(rng, s),
                "inputs": [round(rng.uniform(-2, 2), 2) for _ in range(s[1])],
            }
            for s in shapes
        ]
    if task == 7:
        shapes = [["mlp", 2, [3, 1], "tanh"], ["mlp", 3, [4, 4, 2], "relu"]]
        return [
            {
                "kind": "mlp",
                "shape": s,
                "params": _params(rng, s),
                "xs": [[round(rng.uniform(-2, 2), 2) for _ in range(s[1])] for _ in range(3)],
            }
            for s in shapes
        ]
    shape = ["mlp", 2, [6, 1], "tanh"]
    xs, ys = moons(16 if task == 8 else 10, noise=0.1, seed=rng.randrange(10**6))
    case = {"shape": shape, "params": _params(rng, shape), "xs": xs, "ys": ys}
    if task == 8:
        return [{**case, "kind": "train", "lr": 0.2, "steps": 15}]
    return [{**case, "kind": "accumulate", "k": k} for k in (4, 3)]


# --- the same computations in nnscalar's engine ----------------------------------------------


def _forward(shape: list, params: list[Value], x: list[Any]) -> tuple[list[Value], list[Value]]:
    """The outputs and every neuron's Z, parameters taken in the track's order."""
    if shape[0] == "neuron":
        layers = [(shape[1], 1, shape[2])]
    else:
        widths = [shape[1], *shape[2]]
        last = len(shape[2]) - 1
        layers = [
            (widths[i], widths[i + 1], shape[3] if i < last else "linear")
            for i in range(len(shape[2]))
        ]
    k = 0
    zs: list[Value] = []
    for n_in, n_out, activation in layers:
        outs = []
        for _ in range(n_out):
            weights, bias = params[k : k + n_in], params[k + n_in]
            k += n_in + 1
            z = bias
            for w, xi in zip(weights, x):
                z = z + w * xi
            zs.append(z)
            outs.append(
                z.tanh() if activation == "tanh" else z.relu() if activation == "relu" else z
            )
        x = outs
    return x, zs


def _mse(shape: list, params: list[Value], xs: list, ys: list, scale: float = 1.0) -> Value:
    total: Any = 0.0
    for x, y in zip(xs, ys):
        total = (_forward(shape, params, x)[0][0] - y) ** 2 + total
    return total * (scale / len(xs))


def _leaves(values: list[float]) -> list[Value]:
    return [Value(v) for v in values]


def _train(case: dict, reset: bool) -> list[float]:
    params = _leaves(case["params"])
    losses = []
    for _ in range(case["steps"]):
        if reset:
            zero_grad(params)
        loss = _mse(case["shape"], params, case["xs"], case["ys"])
        loss.backward()
        for p in params:
            p.data -= case["lr"] * p.grad
        losses.append(loss.data)
    return losses


def _accumulated(case: dict, scaled: bool, reset_each: bool) -> list[float]:
    params = _leaves(case["params"])
    xs, ys, n = case["xs"], case["ys"], len(case["xs"])
    size = -(-n // case["k"])
    for start in range(0, n, size):
        if reset_each:
            zero_grad(params)
        bx, by = xs[start : start + size], ys[start : start + size]
        _mse(case["shape"], params, bx, by, len(bx) / n if scaled else 1.0).backward()
    return [p.grad for p in params]


# --- judging --------------------------------------------------------------------------------------


def _same(given: Any, expected: list[float] | float) -> bool:
    if isinstance(expected, list):
        return (
            isinstance(given, list)
            and len(given) == len(expected)
            and all(_same(g, e) for g, e in zip(given, expected))
        )
    return isinstance(given, float) and abs(given - expected) <= ATOL + RTOL * abs(expected)


def _first_wrong(given: list, expected: list[float], what: str) -> str:
    if not isinstance(given, list) or len(given) != len(expected):
        return (
            f"{what}: {len(given) if isinstance(given, list) else given!r} numbers, expected "
            f"{len(expected)}"
        )
    for i, (g, e) in enumerate(zip(given, expected)):
        if not _same(g, e):
            return f"{what} {i + 1} is {g!r}, expected {e:.6g}"
    return ""


def judge(case: dict, got: dict[str, Any]) -> list[str]:
    """What is wrong with the student's answer to one case ([] when it is right)."""
    kind = case["kind"]
    if kind == "neuron":
        return _neuron(case, got)
    if kind == "mlp":
        params = _leaves(case["params"])
        outs: list[Value] = []
        for x in case["xs"]:
            outs.extend(_forward(case["shape"], params, x)[0])
        sum(outs[1:], outs[0]).backward()
        wrong = _first_wrong(got["outs"], [o.data for o in outs], f"{_name(case)}: output")
        return [wrong] if wrong else _grads(got, params, _name(case))
    if kind == "train":
        return _training(case, got)
    return _accumulation(case, got)


def _name(case: dict) -> str:
    shape = case["shape"]
    if shape[0] == "neuron":
        return f"Neuron({shape[1]}, {shape[2]!r})"
    return f"MLP({shape[1]}, {shape[2]}, {shape[3]!r})"


def _grads(got: dict[str, Any], params: list[Value], name: str) -> list[str]:
    wrong = _first_wrong(got["grads"], [p.grad for p in params], f"{name}: grad of parameter")
    return [wrong] if wrong else []


def _neuron(case: dict, got: dict[str, Any]) -> list[str]:
    params = _leaves(case["params"])
    xs = [Value(x) if k % 2 == 0 else x for k, x in enumerate(case["inputs"])]
    (out,), (z,) = _forward(case["shape"], params, xs)
    out.backward()
    name = _name(case)
    if got["synapses"] != float(case["shape"][1]):
        return [f"{name} has {got['synapses']!r} synapses, expected one per input"]
    if got["shared"] != "yes":
        return [f"{name}: each synapse's weight must be the very Value parameters() gives"]
    if not _same(got["z"], z.data):
        why = ""
        if _same(got["z"], z.data - params[-1].data):
            why = ": the bias is missing from Z = Σ wᵢxᵢ + b"
        return [f"{name}: Z is {got['z']!r}, expected {z.data:.6g}{why}"]
    if not _same(got["out"], out.data):
        return [
            f"{name}: the output is {got['out']!r}, expected {case['shape'][2]}(Z) = {out.data:.6g}"
        ]
    wrong = _grads(got, params, name)
    if wrong:
        return wrong
    expected = [x.grad if isinstance(x, Value) else 0.0 for x in xs]
    wrong = _first_wrong(got["xgrads"], expected, f"{name}: grad of input")
    return [wrong] if wrong else []


def _training(case: dict, got: dict[str, Any]) -> list[str]:
    params = _leaves(case["params"])
    loss = _mse(case["shape"], params, case["xs"], case["ys"])
    loss.backward()
    if not _same(got["loss"], loss.data):
        return [
            f"mse of the first batch is {got['loss']!r}, expected {loss.data:.6g} "
            "(the mean of (prediction - target)²)"
        ]
    wrong = _grads(got, params, "after mse(...).backward()")
    if wrong:
        return wrong
    down = [p.data - case["lr"] * p.grad for p in params]
    if not _same(got["stepped"], down):
        up = [p.data + case["lr"] * p.grad for p in params]
        if _same(got["stepped"], up):
            return ["sgd_step moves the parameters up the gradient: p.data -= lr * p.grad"]
        return [_first_wrong(got["stepped"], down, "after sgd_step, parameter")]
    right = _train(case, reset=True)
    if _same(got["losses"], right):
        return []
    if _same(got["losses"], _train(case, reset=False)):
        return [
            "train: gradients not reset between steps: call zero_grad(parameters) before "
            "each backward(), or every step adds the old gradients again"
        ]
    return [_first_wrong(got["losses"], right, "train: loss of step")]


def _accumulation(case: dict, got: dict[str, Any]) -> list[str]:
    right = _accumulated(case, scaled=True, reset_each=False)
    if _same(got["grads"], right):
        return []
    n, k = len(case["xs"]), case["k"]
    if _same(got["grads"], _accumulated(case, scaled=False, reset_each=False)):
        return [
            f"accumulation without scaling by the share: with {n} samples in {k} "
            "mini-batches each mini-batch's mse must be multiplied by (its size / "
            f"{n}) before backward(), so the sum is the full batch's mean"
        ]
    if _same(got["grads"], _accumulated(case, scaled=True, reset_each=True)):
        return [
            "gradients reset between mini-batches: only the last mini-batch's share is left; "
            "call zero_grad once, before the first mini-batch"
        ]
    return [
        _first_wrong(got["grads"], right, f"{n} samples in {k} mini-batches: grad of parameter")
    ]
