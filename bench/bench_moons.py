"""micrograd's moons training step in nnscalar (fused and expanded neurons) and in micrograd.

`MLP(2, [16, 16, 1])` on 100 two-moons points; loss = mean hinge + 1e-4·Σp²; one step is the
forward pass over every point (`model.batch(X)`; also timed as one `model(x)` call per sample),
zero_grad, backward and an SGD update. All start from the same weights (copied into micrograd's
model) and must give the same loss. One process, best of 5 with the runs taking turns,
once with Python's garbage collector as it is by default and once with gc.disable().
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

N_POINTS = 100
SIZES = [16, 16, 1]
ALPHA = 1e-4
LR = 0.05
REPEATS = 5


def nnscalar_step(model, X, y, batch: bool = True) -> float:
    """One training step of an nnscalar MLP; returns the loss before the update. The forward pass
    is `model.batch(X)` (each sample its own graph, each neuron reading its weights once for the
    batch), or with batch=False one call per sample, as micrograd's demo writes it."""
    from nnscalar import losses

    scores = model.batch(X) if batch else [model(x) for x in X]
    loss = losses.hinge(scores, y) + ALPHA * losses.l2(model.parameters())
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= LR * p.grad
    return loss.data


def micrograd_step(model, X, y) -> float:
    """The same step written as micrograd's demo writes it."""
    from micrograd.engine import Value

    inputs = [list(map(Value, row)) for row in X]
    scores = list(map(model, inputs))
    hinge = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(hinge) * (1.0 / len(hinge))
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    loss = data_loss + reg_loss
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= LR * p.grad
    return loss.data


def best_of(runs: dict, reset: Callable[[], None], gc_on: bool) -> dict[str, tuple]:
    """Per run, the fastest of REPEATS steps and the first loss. Every step starts from the same
    weights after an untimed collection, and the runs take turns, step by step, so all of them
    meet the same machine (this 2-core VM's speed drifts by 20% and more)."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    losses: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(REPEATS):
        for name, (step, set_up) in runs.items():
            set_up()
            reset()
            gc.collect()
            if not gc_on:
                gc.disable()
            try:
                start = time.perf_counter()
                losses[name].append(step())
                times[name].append(time.perf_counter() - start)
            finally:
                gc.enable()
    return {name: (min(times[name]), losses[name][0]) for name in runs}


def main() -> None:
    from micrograd.nn import MLP as MicroMLP
    from rich.console import Console
    from rich.table import Table
    from targets import record, speed_cells, speed_target

    from nnscalar import MLP, engine_info
    from nnscalar.data import moons

    X, y = moons(N_POINTS, noise=0.1, seed=1)
    ours = MLP(2, SIZES, seed=1337)
    theirs = MicroMLP(2, SIZES)
    initial = [p.data for p in ours.parameters()]

    def reset() -> None:
        for p, w in zip(ours.parameters(), initial):
            p.data, p.grad = w, 0.0
        for p, w in zip(theirs.parameters(), initial):
            p.data, p.grad = w, 0.0

    runs = {
        "nnscalar fused": (lambda: nnscalar_step(ours, X, y), True),
        "nnscalar fused, model(x) per sample": (lambda: nnscalar_step(ours, X, y, False), True),
        "nnscalar expanded": (lambda: nnscalar_step(ours, X, y), False),
        "micrograd": (lambda: micrograd_step(theirs, X, y), None),
    }
    benchmark = {"nnscalar fused": "moons step, fused", "nnscalar expanded": "moons step, expanded"}
    core = engine_info()["core"]
    table = Table(
        title=f"moons training step: MLP(2, {SIZES}), {N_POINTS} points, "
        f"hinge + {ALPHA}·Σp², best of {REPEATS}; nnscalar's {core} core"
    )
    for col in ("gc", "engine", "ms / step", "speed-up", "target", "", "loss"):
        table.add_column(col, justify="left" if col == "engine" else "right")

    def fused(on: bool) -> Callable[[], None]:
        def set_up() -> None:
            ours.fused = on

        return set_up

    timed = {
        name: (step, fused(on) if on is not None else lambda: None)
        for name, (step, on) in runs.items()
    }
    losses_seen = []
    for gc_on in (True, False):
        results = best_of(timed, reset, gc_on)
        losses_seen.extend(loss for _, loss in results.values())
        t_micro = results["micrograd"][0]
        gc_name = "on" if gc_on else "off"
        for name, (t, loss) in results.items():
            if name == "micrograd":
                cells = ("1.0x", "", "")
            else:
                target = speed_target(benchmark.get(name, ""), core, gc_name)
                cells = speed_cells(t_micro / t, target)
                if name in benchmark:
                    record(benchmark[name], core, gc_name, *cells)
            table.add_row(gc_name, name, f"{t * 1e3:.1f}", *cells, f"{loss:.12f}")
    console = Console()
    console.print(table)
    spread = max(losses_seen) - min(losses_seen)
    console.print(f"same loss in all three (spread {spread:.1e} <= 1e-12):", spread <= 1e-12)


if __name__ == "__main__":
    main()
