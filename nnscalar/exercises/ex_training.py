"""Exercises on learning: losses and their gradients, SGD and Adam by hand, gradient
accumulation, and training a small network to a target accuracy."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..core import Value, no_grad
from ..data import moons, train_test_split
from ..losses import cross_entropy, mse
from ..optim import SGD, Adam
from ..train import Trainer
from .chainrule import gradient_parts
from .model import CheckResult, Exercise, Part, close, number_part
from .variants import exercise_rng, pick
from .worked import Worked, board, eq

__all__ = ["ACCUMULATION", "ADAM_STEP", "CROSS_ENTROPY", "MSE_LOSS", "SGD_STEP", "TRAIN_NET"]


def _g(x: float) -> str:
    return f"{x:g}"


def _p(x: float) -> str:
    """A number as a factor: negative ones in parentheses."""
    return f"({x:.6g})" if x < 0 else f"{x:.6g}"


def _first(checks: list[tuple[float, str]], given: object) -> str:
    """The explanation of the first known mistake whose number `given` matches."""
    if isinstance(given, float):
        for value, why in checks:
            if close(given, value):
                return why
    return ""


# --- 8. mean squared error and its gradient ----------------------------------------------------


def _mse_numbers(seed: int) -> tuple[list[float], list[float]]:
    rng = exercise_rng("mse-loss", seed)
    while True:
        ps = [pick(rng, -2.0, 2.0) for _ in range(3)]
        ts = [pick(rng, -2.0, 2.0) for _ in range(3)]
        if all(p != t for p, t in zip(ps, ts)):
            return ps, ts


def _mse_graph(seed: int) -> tuple[Value, list[Value]]:
    ps, ts = _mse_numbers(seed)
    predictions = [Value(p, label=f"p{i}") for i, p in enumerate(ps, start=1)]
    targets = [Value(t, label=f"t{i}") for i, t in enumerate(ts, start=1)]  # named: tᵢ
    loss = mse(predictions, targets)
    loss.label = "L"
    return loss, predictions


def _mse_statement(seed: int) -> str:
    ps, ts = _mse_numbers(seed)
    pairs = ", ".join(
        f"p{i} = {_g(p)} (target t{i} = {_g(t)})" for i, (p, t) in enumerate(zip(ps, ts), start=1)
    )
    return (
        f"A network predicts {pairs}. The loss is the **mean squared error** "
        "L = (1/n) Σ (pᵢ − tᵢ)², as `nnscalar.losses.mse` computes it.\n\n"
        "Give L and its gradient with respect to each prediction.\n\n"
        "Answer: `loss = ...`, `dL_dp1 = ...`, `dL_dp2 = ...`, `dL_dp3 = ...`"
    )


def _mse_solution(seed: int) -> dict[str, float]:
    loss, predictions = _mse_graph(seed)
    loss.backward()
    return {"loss": loss.data, **{f"dL_dp{i}": p.grad for i, p in enumerate(predictions, 1)}}


def _mse_check(answer: Mapping[str, Any], seed: int) -> CheckResult:
    ps, ts = _mse_numbers(seed)
    n = len(ps)
    solution = _mse_solution(seed)
    diffs = [p - t for p, t in zip(ps, ts)]
    loss_wrong = _first(
        [
            (
                sum(d * d for d in diffs),
                f"that is the sum of the squares; the mean divides by n = {n}",
            ),
            (
                sum(abs(d) for d in diffs) / n,
                "that is the mean absolute error: square each difference",
            ),
        ],
        answer.get("loss"),
    )
    parts = [number_part("loss", answer.get("loss"), solution["loss"], loss_wrong)]
    for i, d in enumerate(diffs, start=1):
        name = f"dL_dp{i}"
        wrong = _first(
            [
                (-2 * d / n, "the sign is wrong: d(p − t)²/dp = 2(p − t), not 2(t − p)"),
                (2 * d, f"you left out the 1/n of the mean: divide by n = {n}"),
                (d / n, "the 2 is missing: the derivative of (p − t)² is 2(p − t)"),
                (d, "both the 2 of the square and the 1/n of the mean are missing"),
            ],
            answer.get(name),
        )
        parts.append(number_part(name, answer.get(name), solution[name], wrong))
    return CheckResult("mse-loss", tuple(parts))


MSE_LOSS = Exercise(
    id="mse-loss",
    title="Mean squared error and its gradient",
    concept="a loss and its gradient: MSE",
    statement=_mse_statement,
    solution=_mse_solution,
    check=_mse_check,
    hints=(
        "Square each difference pᵢ − tᵢ, add them up, divide by n = 3.",
        "Only the i-th term depends on pᵢ: d(pᵢ − tᵢ)²/dpᵢ = 2(pᵢ − tᵢ).",
        "Keep the 1/n of the mean: dL/dpᵢ = 2(pᵢ − tᵢ)/n.",
    ),
    worked=lambda seed: board(*_mse_graph(seed)),
)


# --- 9. cross-entropy and its gradient ---------------------------------------------------------


def _ce_numbers(seed: int) -> tuple[list[float], int]:
    rng = exercise_rng("cross-entropy", seed)
    return [pick(rng, -2.0, 2.0) for _ in range(3)], rng.randrange(3)


def _ce_graph(seed: int) -> tuple[Value, list[Value]]:
    zs, k = _ce_numbers(seed)
    logits = [Value(z, label=f"z{i}") for i, z in enumerate(zs)]
    loss = cross_entropy(logits, k)
    loss.label = "L"
    return loss, logits


def _ce_statement(seed: int) -> str:
    zs, k = _ce_numbers(seed)
    logits = ", ".join(f"z{i} = {_g(z)}" for i, z in enumerate(zs))
    return (
        f"A classifier gives the logits {logits} for classes 0, 1 and 2; the right class is "
        f"**{k}**. The loss is the **cross-entropy** L = −log softmax(z)[{k}], with "
        "softmax(z)ᵢ = e^zᵢ / Σⱼ e^zⱼ (`nnscalar.losses.cross_entropy`; log is the natural "
        "log).\n\nGive L and its gradient with respect to each logit.\n\n"
        "Answer: `loss = ...`, `dL_dz0 = ...`, `dL_dz1 = ...`, `dL_dz2 = ...`"
    )


def _ce_solution(seed: int) -> dict[str, float]:
    loss, logits = _ce_graph(seed)
    loss.backward()
    return {"loss": loss.data, **{f"dL_dz{i}": z.grad for i, z in enumerate(logits)}}


def _ce_check(answer: Mapping[str, Any], seed: int) -> CheckResult:
    zs, k = _ce_numbers(seed)
    total = sum(math.exp(z) for z in zs)
    probs = [math.exp(z) / total for z in zs]
    solution = _ce_solution(seed)
    loss_wrong = _first(
        [
            (math.log(probs[k]), "the sign: the loss is −log p, a positive number"),
            (-math.log10(probs[k]), "log here is the natural log (ln), not log base 10"),
        ]
        + [
            (-math.log(p), f"that is −log softmax[{i}]; the right class is {k}")
            for i, p in enumerate(probs)
            if i != k
        ],
        answer.get("loss"),
    )
    parts = [number_part("loss", answer.get("loss"), solution["loss"], loss_wrong)]
    for i, p in enumerate(probs):
        name = f"dL_dz{i}"
        if i == k:
            checks = [
                (p, f"for the right class subtract 1: softmax[{k}] − 1"),
                (1 - p, "the sign: the gradient is softmax − 1, which is negative here"),
            ]
        else:
            checks = [
                (0.0, f"every logit gets a gradient: dL/dz{i} = softmax[{i}], not 0"),
                (p - 1, f"subtract 1 only at the right class ({k}), not at class {i}"),
                (-p, "the sign: dL/dzᵢ = softmaxᵢ for a wrong class, a positive number"),
            ]
        wrong = _first(checks, answer.get(name))
        parts.append(number_part(name, answer.get(name), solution[name], wrong))
    return CheckResult("cross-entropy", tuple(parts))


CROSS_ENTROPY = Exercise(
    id="cross-entropy",
    title="Cross-entropy and its gradient",
    concept="a loss and its gradient: cross-entropy",
    statement=_ce_statement,
    solution=_ce_solution,
    check=_ce_check,
    hints=(
        "First the softmax: exponentiate each logit and divide by the sum of the exponentials.",
        "L = −ln(probability of the right class).",
        "dL/dzᵢ = softmaxᵢ − [i is the right class]: subtract 1 only there.",
    ),
    worked=lambda seed: board(*_ce_graph(seed)),
)


# --- 10. one SGD step by hand ------------------------------------------------------------------


def _sgd_numbers(seed: int) -> dict[str, float]:
    rng = exercise_rng("sgd-step", seed)
    while True:
        numbers = {
            "w": pick(rng, -1.5, 1.5),
            "b": pick(rng, -1.0, 1.0),
            "x": pick(rng, -2, 2),
            "y": pick(rng, -2.0, 2.0),
            "lr": rng.choice((0.1, 0.05, 0.01)),
        }
        if numbers["w"] * numbers["x"] + numbers["b"] != numbers["y"]:
            return numbers


def _sgd_graph(seed: int) -> tuple[Value, dict[str, Value]]:
    n = _sgd_numbers(seed)
    w, b = Value(n["w"], label="w"), Value(n["b"], label="b")
    yhat = w * Value(n["x"], label="x") + b
    yhat.label = "ŷ"
    loss = (yhat - Value(n["y"], label="y")) ** 2
    loss.label = "L"
    return loss, {"dL_dw": w, "dL_db": b}


def _sgd_statement(seed: int) -> str:
    n = _sgd_numbers(seed)
    return (
        f"A linear neuron ŷ = w·x + b with w = {_g(n['w'])} and b = {_g(n['b'])} sees the sample "
        f"x = {_g(n['x'])} with target y = {_g(n['y'])}; the loss is L = (ŷ − y)².\n\n"
        f"Compute the gradients, then take **one SGD step** with learning rate {_g(n['lr'])} "
        "(as `nnscalar.optim.SGD` does).\n\n"
        "Answer: `dL_dw = ...`, `dL_db = ...`, `w_new = ...`, `b_new = ...`"
    )


def _sgd_solution(seed: int) -> dict[str, float]:
    loss, nodes = _sgd_graph(seed)
    loss.backward()
    answer = {name: node.grad for name, node in nodes.items()}
    SGD(list(nodes.values()), lr=_sgd_numbers(seed)["lr"]).step()
    answer.update(w_new=nodes["dL_dw"].data, b_new=nodes["dL_db"].data)
    return answer


def _sgd_check(answer: Mapping[str, Any], seed: int) -> CheckResult:
    n = _sgd_numbers(seed)
    solution = _sgd_solution(seed)
    loss, nodes = _sgd_graph(seed)
    parts = gradient_parts(loss, nodes, answer)
    lr = n["lr"]
    for param in ("w", "b"):
        g, old, name = solution[f"dL_d{param}"], n[param], f"{param}_new"
        checks = [
            (old + lr * g, f"step against the gradient: {param} − lr·dL/d{param}"),
            (old - g, f"scale the step by the learning rate: {param} − {_g(lr)}·dL/d{param}"),
        ]
        given_g = answer.get(f"dL_d{param}")
        if isinstance(given_g, float) and not close(given_g, g):
            checks.append(
                (
                    old - lr * given_g,
                    f"the step is right for your dL/d{param}, which is off: fix that first",
                )
            )
        wrong = _first(checks, answer.get(name))
        parts.append(number_part(name, answer.get(name), solution[name], wrong))
    return CheckResult("sgd-step", tuple(parts))


SGD_STEP = Exercise(
    id="sgd-step",
    title="One SGD step by hand",
    concept="one SGD step by hand",
    statement=_sgd_statement,
    solution=_sgd_solution,
    check=_sgd_check,
    hints=(
        "Forward first: ŷ = w·x + b.",
        "dL/dŷ = 2(ŷ − y); then dŷ/dw = x and dŷ/db = 1.",
        "SGD moves against the gradient: w_new = w − lr·dL/dw.",
    ),
    worked=lambda seed: _sgd_worked(seed),
)


def _sgd_worked(seed: int) -> Worked:
    n, s = _sgd_numbers(seed), _sgd_solution(seed)
    loss, nodes = _sgd_graph(seed)
    return board(loss, nodes.values()) + Worked(
        (
            eq("w_new = w − lr·dL/dw = {} − {}·{} = {}", n["w"], n["lr"], s["dL_dw"], s["w_new"]),
            eq("b_new = b − lr·dL/db = {} − {}·{} = {}", n["b"], n["lr"], s["dL_db"], s["b_new"]),
        )
    )


# --- 11. two Adam steps by hand ----------------------------------------------------------------

_BETAS = (0.9, 0.999)


def _adam_numbers(seed: int) -> tuple[float, float, float, float]:
    rng = exercise_rng("adam-step", seed)
    return (
        pick(rng, -2.0, 2.0),
        pick(rng, -3.0, 3.0),
        pick(rng, -3.0, 3.0),
        rng.choice((0.1, 0.05, 0.01)),
    )


def _adam_statement(seed: int) -> str:
    w, g1, g2, lr = _adam_numbers(seed)
    return (
        f"A weight w = {_g(w)} is trained with **Adam** (lr = {_g(lr)}, β₁ = {_BETAS[0]}, "
        f"β₂ = {_BETAS[1]}, ε = 1e-8, m and v starting at 0, as `nnscalar.optim.Adam`). Its "
        f"gradient is {_g(g1)} at step 1 and {_g(g2)} at step 2.\n\n"
        "Give m, v and w after each step: m = β₁m + (1 − β₁)g, v = β₂v + (1 − β₂)g², "
        "m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ), w ← w − lr·m̂/(√v̂ + ε).\n\n"
        "Answer: `m1 = ...`, `v1 = ...`, `w1 = ...`, `m2 = ...`, `v2 = ...`, `w2 = ...`"
    )


def _adam_solution(seed: int) -> dict[str, float]:
    w, g1, g2, lr = _adam_numbers(seed)
    p = Value(w, label="w")
    optimizer = Adam([p], lr=lr, betas=_BETAS, eps=1e-8)
    answer: dict[str, float] = {}
    for t, g in ((1, g1), (2, g2)):
        p.grad = g
        optimizer.step()
        state = optimizer.state[0]
        answer.update({f"m{t}": state["m"], f"v{t}": state["v"], f"w{t}": p.data})
    return answer


def _adam_check(answer: Mapping[str, Any], seed: int) -> CheckResult:
    w, g1, g2, lr = _adam_numbers(seed)
    b1, b2 = _BETAS
    solution = _adam_solution(seed)
    parts = []
    m = v = 0.0
    for t, g in ((1, g1), (2, g2)):
        previous = solution.get(f"w{t - 1}", w)
        checks_m = [
            (b1 * m + b1 * g, "the new gradient gets weight 1 − β₁, the old m gets β₁"),
            (b1 * m + g, "scale the new gradient by 1 − β₁"),
        ]
        checks_v = [
            (b2 * v + (1 - b2) * abs(g), "v averages the squared gradient g²"),
            (b2 * v + (1 - b2) * g, "v averages the squared gradient g²"),
        ]
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        raw_w = previous - lr * m / (math.sqrt(v) + 1e-8)
        checks_w = [
            (
                raw_w,
                "you left out the bias correction m̂ = m/(1 − β₁ᵗ), "
                "v̂ = v/(1 − β₂ᵗ): early on m and v are biased towards 0",
            ),
            (
                2 * previous - solution[f"w{t}"],
                "w moved with the gradient: the step is w − lr·m̂/(√v̂ + ε)",
            ),
        ]
        for name, checks in ((f"m{t}", checks_m), (f"v{t}", checks_v), (f"w{t}", checks_w)):
            parts.append(
                number_part(
                    name, answer.get(name), solution[name], _first(checks, answer.get(name))
                )
            )
    return CheckResult("adam-step", tuple(parts))


def _adam_worked(seed: int) -> Worked:
    w, g1, g2, lr = _adam_numbers(seed)
    s = _adam_solution(seed)
    b1, b2 = _BETAS
    lines = []
    m = v = 0.0
    for t, g in ((1, g1), (2, g2)):
        m_new, v_new = s[f"m{t}"], s[f"v{t}"]
        m_hat, v_hat = m_new / (1 - b1**t), v_new / (1 - b2**t)
        before = s.get(f"w{t - 1}", w)
        lines += [
            eq(f"Step {t}, g = {{}}:", g),
            eq(f"  m{t} = β₁m + (1 − β₁)g = {{}}·{{}} + {{}}·{{}} = {{}}", b1, m, 1 - b1, g, m_new),
            eq(
                f"  v{t} = β₂v + (1 − β₂)g² = {{}}·{{}} + {{}}·{{}}² = {{}}",
                b2,
                v,
                1 - b2,
                g,
                v_new,
            ),
            eq(f"  m̂ = m{t}/(1 − β₁^{t}) = {{}}/{{}} = {{}}", m_new, 1 - b1**t, m_hat),
            eq(f"  v̂ = v{t}/(1 − β₂^{t}) = {{}}/{{}} = {{}}", v_new, 1 - b2**t, v_hat),
            eq(
                f"  w{t} = w − lr·m̂/(√v̂ + ε) = {{}} − {{}}·{{}}/(√{{}} + ε) = {{}}",
                before,
                lr,
                m_hat,
                v_hat,
                s[f"w{t}"],
            ),
        ]
        m, v = m_new, v_new
    return Worked(tuple(lines))


ADAM_STEP = Exercise(
    id="adam-step",
    title="Two Adam steps by hand",
    concept="one Adam step by hand",
    statement=_adam_statement,
    solution=_adam_solution,
    check=_adam_check,
    hints=(
        "Step 1 from m = v = 0: m = 0.1·g and v = 0.001·g².",
        "Bias correction at t = 1 divides m by 0.1 and v by 0.001, so m̂ = g and v̂ = g².",
        "So the first step moves w by about lr against the gradient's sign, whatever its size.",
    ),
    worked=_adam_worked,
)


# --- 12. gradient accumulation equals the full batch -------------------------------------------


def _acc_numbers(seed: int) -> tuple[float, list[float], list[float]]:
    rng = exercise_rng("accumulation", seed)
    return (
        pick(rng, -1.5, 1.5),
        [pick(rng, -2.0, 2.0) for _ in range(5)],
        [pick(rng, -2.0, 2.0) for _ in range(5)],
    )


def _acc_gradient(w: float, xs: list[float], ys: list[float]) -> float:
    p = Value(w, label="w")
    mse([p * x for x in xs], ys).backward()
    return p.grad


def _acc_accumulated(seed: int) -> float:
    """The gradient `Trainer(accumulation_steps=2)` gathers on w before its optimizer step."""
    w, xs, ys = _acc_numbers(seed)
    p = Value(w, label="w")
    seen: list[float] = []
    trainer = Trainer(
        lambda x: p * x[0],
        "mse",
        SGD([p], lr=0.1),
        accumulation_steps=2,
        decide="",
        on_step=lambda _trainer, _info: seen.append(p.grad),
    )
    trainer.step([[x] for x in xs], ys)
    return seen[0]


def _acc_statement(seed: int) -> str:
    w, xs, ys = _acc_numbers(seed)
    data = ", ".join(f"({_g(x)}, {_g(y)})" for x, y in zip(xs, ys))
    return (
        f"A model ŷ = w·x with w = {_g(w)} is trained on five samples (x, y): {data}, "
        "with the mean squared error.\n\n"
        "1. The full-batch gradient dL/dw over all five samples.\n"
        "2. Split the batch into mini-batch 1 (the first three samples) and mini-batch 2 (the "
        "last two), as `Trainer(accumulation_steps=2)` does; give each mini-batch's gradient "
        "of its own mean loss.\n"
        "3. The accumulated gradient: the trainer scales each mini-batch's loss by its share "
        "of the batch (3/5 and 2/5) before `backward()`, and w's gradient adds up.\n\n"
        "Answer: `g_full = ...`, `g_mb1 = ...`, `g_mb2 = ...`, `g_accumulated = ...`"
    )


def _acc_solution(seed: int) -> dict[str, float]:
    w, xs, ys = _acc_numbers(seed)
    return {
        "g_full": _acc_gradient(w, xs, ys),
        "g_mb1": _acc_gradient(w, xs[:3], ys[:3]),
        "g_mb2": _acc_gradient(w, xs[3:], ys[3:]),
        "g_accumulated": _acc_accumulated(seed),
    }


def _acc_check(answer: Mapping[str, Any], seed: int) -> CheckResult:
    s = _acc_solution(seed)
    w, xs, ys = _acc_numbers(seed)
    sums = [
        sum(2 * (w * x - y) * x for x, y in zip(xs[a:b], ys[a:b]))
        for a, b in ((0, 5), (0, 3), (3, 5))
    ]
    parts = []
    for name, total, n in zip(("g_full", "g_mb1", "g_mb2"), sums, (5, 3, 2)):
        wrong = _first(
            [
                (total, f"you left out the 1/n of the mean: divide by n = {n}"),
                (total / (2 * n), "the 2 of the square is missing: d(wx − y)²/dw = 2(wx − y)·x"),
            ],
            answer.get(name),
        )
        parts.append(number_part(name, answer.get(name), s[name], wrong))
    wrong = _first(
        [
            (
                s["g_mb1"] + s["g_mb2"],
                "you added the mini-batch gradients as they are: each "
                "mini-batch's mean loss is scaled by its share (3/5, 2/5)",
            ),
            (
                (s["g_mb1"] + s["g_mb2"]) / 2,
                "equal weights ignore the mini-batches' sizes (3 and 2 "
                "samples): weight each by its share, 3/5 and 2/5",
            ),
        ],
        answer.get("g_accumulated"),
    )
    parts.append(
        number_part("g_accumulated", answer.get("g_accumulated"), s["g_accumulated"], wrong)
    )
    return CheckResult("accumulation", tuple(parts))


def _acc_worked(seed: int) -> Worked:
    s = _acc_solution(seed)
    w, xs, ys = _acc_numbers(seed)
    errors = [w * x - y for x, y in zip(xs, ys)]
    lines = [
        ("For one sample, d(w·xᵢ − yᵢ)²/dw = 2(w·xᵢ − yᵢ)·xᵢ; a mean over n divides by n.",),
        eq("w·xᵢ − yᵢ for the five samples: {}, {}, {}, {}, {}", *errors),
    ]
    for name, a, b in (("g_full", 0, 5), ("g_mb1", 0, 3), ("g_mb2", 3, 5)):
        terms = " + ".join(["{}·{}"] * (b - a))
        pairs = [v for e, x in zip(errors[a:b], xs[a:b]) for v in (e, x)]
        lines.append(eq(f"{name} = 2/{b - a}·({terms}) = {{}}", *pairs, s[name]))
    lines.append(
        eq(
            "g_accumulated = 3/5·g_mb1 + 2/5·g_mb2 = 3/5·{} + 2/5·{} = {}, the full-batch gradient",
            s["g_mb1"],
            s["g_mb2"],
            s["g_accumulated"],
        )
    )
    return Worked(tuple(lines))


ACCUMULATION = Exercise(
    id="accumulation",
    title="Gradient accumulation equals the full batch",
    concept="gradient accumulation equals the full batch",
    statement=_acc_statement,
    solution=_acc_solution,
    check=_acc_check,
    hints=(
        "For one sample, d(wx − y)²/dw = 2(wx − y)·x; a mean loss averages these.",
        "A mini-batch's gradient is the mean over its own samples only.",
        "3/5 of the mean over 3 samples plus 2/5 of the mean over 2 is the mean over all 5.",
    ),
    worked=_acc_worked,
)


# --- 13. train a small network to a target accuracy --------------------------------------------

TARGET_ACCURACY = 0.85


def _moons(seed: int) -> tuple[list, list, list, list]:
    """(X_train, X_test, y_train, y_test): the 70 training points the statement names, and 30
    held-out points drawn apart from the exercise's random source (with a course secret, the
    seed and the package do not give their labels)."""
    X, y = moons(n=100, noise=0.1, seed=seed % 10_000)
    X_train, _, y_train, _ = train_test_split(X, y, test_size=0.3, seed=seed % 10_000)
    held_out = exercise_rng("train-to-accuracy", seed).randrange(10**9)
    X_test, y_test = moons(n=30, noise=0.1, seed=held_out)
    return X_train, X_test, y_train, y_test


def _train_statement(seed: int) -> str:
    return (
        "Write a function `train(X, y)` that builds and trains a small network on the two-moons "
        "data it is given (70 points: X a list of [x1, x2], y labels −1 or +1) and returns the "
        "trained model. The checker calls `model.predict(x)` (or `model(x)`) on 30 new "
        f"points and reads the sign as the class: reach **{TARGET_ACCURACY:.0%} accuracy**.\n\n"
        f"Your data: `nnscalar.data.moons(n=100, noise=0.1, seed={seed % 10_000})`, split by "
        f"`train_test_split(X, y, test_size=0.3, seed={seed % 10_000})`.\n\n"
        "Tools: `nnscalar.nn.MLP`, `nnscalar.optim.Adam`, `nnscalar.train.Trainer`. "
        "Answer: a Python file defining `train` (it has 60 s)."
    )


def _train_solution(seed: int) -> str:
    return (
        "from nnscalar.nn import MLP\n"
        "from nnscalar.optim import Adam\n"
        "from nnscalar.train import Trainer\n\n\n"
        "def train(X, y):\n"
        '    """A 2-16-1 tanh network trained with the hinge loss and Adam."""\n'
        '    model = MLP(2, [16, 1], activation="tanh", seed=0)\n'
        '    trainer = Trainer(model, "hinge", Adam(model.parameters(), lr=0.05))\n'
        "    trainer.fit(X, y, epochs=150, quiet=True)\n"
        "    return model\n"
    )


def _train_inputs(seed: int) -> dict[str, Any]:
    """The training data and the held-out points (their labels stay with the grader)."""
    X_train, X_test, y_train, _ = _moons(seed)
    return {"X": X_train, "y": y_train, "X_test": X_test}


def _train_probe(namespace: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
    train = namespace.get("train")
    if not callable(train):
        return {"missing": "define a function train(X, y) that returns the trained model"}
    X_test = inputs["X_test"]
    model = train(inputs["X"], inputs["y"])
    predict = getattr(model, "predict", model)
    if not callable(predict):
        return {
            "missing": f"train returned {model!r:.60}, which has no predict() and cannot be called"
        }
    scores = []
    with no_grad():
        for x in X_test:
            out = predict(x)
            out = out[0] if isinstance(out, (list, tuple)) and len(out) == 1 else out
            scores.append(float(getattr(out, "data", out)))
    return {"scores": scores}


def _train_check(data: Mapping[str, Any], seed: int) -> CheckResult:
    if "missing" in data:
        return CheckResult("train-to-accuracy", (Part("train", False, str(data["missing"])),))
    y_test = _moons(seed)[3]
    scores = data.get("scores")
    if not isinstance(scores, list) or len(scores) != len(y_test):
        return CheckResult(
            "train-to-accuracy", (Part("train", False, "no score for every test point came back"),)
        )
    bad = next((s for s in scores if isinstance(s, str)), None)
    if bad is not None:
        return CheckResult("train-to-accuracy", (Part("train", False, f"the model {bad}"),))
    right = sum((s > 0) == (t > 0) for s, t in zip(scores, y_test))
    accuracy = right / len(y_test)
    message = (
        f"{right} of {len(y_test)} test points right ({accuracy:.0%}; target {TARGET_ACCURACY:.0%})"
    )
    if accuracy < TARGET_ACCURACY:
        if len({s > 0 for s in scores}) == 1:
            message += "; the model gives every point the same class: did it train?"
        else:
            message += (
                "; try more epochs, a hidden layer of 8-16 tanh neurons, or Adam "
                "with lr around 0.05"
            )
    return CheckResult(
        "train-to-accuracy",
        (Part("test accuracy", accuracy >= TARGET_ACCURACY, message, TARGET_ACCURACY, accuracy),),
    )


TRAIN_NET = Exercise(
    id="train-to-accuracy",
    title="Train a small network",
    concept="train a small net to a target accuracy",
    statement=_train_statement,
    solution=_train_solution,
    check=_train_check,
    probe=_train_probe,
    inputs=_train_inputs,
    functions=("train",),
    template=(
        "from nnscalar.nn import MLP\nfrom nnscalar.optim import Adam\n"
        "from nnscalar.train import Trainer\n\n\ndef train(X, y):\n"
        "    ...  # build a model, train it on (X, y), return it\n"
    ),
    hints=(
        "One hidden layer is enough for two moons: MLP(2, [16, 1], activation='tanh').",
        "Trainer(model, 'hinge', Adam(model.parameters(), lr=0.05)) and fit(X, y, epochs=...).",
        "If accuracy is stuck near 50%, the output never changed sign: raise lr or epochs.",
    ),
    time_limit=60.0,
)
