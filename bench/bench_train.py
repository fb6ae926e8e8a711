"""Training benchmark: one epoch of `nnscalar train`'s defaults vs the same epoch in micrograd, and
the peak memory of one step at batch 256 with gradient accumulation 1 vs 8.

The defaults: 160 moons points, MLP(2, [16, 16, 1]) with relu, mean hinge loss, Adam (lr 0.05),
batches of 32 in the Trainer's shuffled order. micrograd gets the same starting weights, the same
batches and the same Adam written out by hand; both must end with the same weights.
"""

from __future__ import annotations

import gc
import math
import random
import time
import tracemalloc

REPEATS = 5
BATCH = 32
LR = 0.05
BETAS = (0.9, 0.999)
EPS = 1e-8


def setup():
    """The default `nnscalar train` data and model (as cmd_train builds them)."""
    from nnscalar import data
    from nnscalar.nn import MLP

    X, y = data.moons(n=200, noise=0.1, seed=0)
    X_train, _, y_train, _ = data.train_test_split(X, y, test_size=0.2, seed=0)
    return X_train, y_train, MLP(2, [16, 16, 1], seed=0)


def nnscalar_epoch(X, y, model) -> None:
    """One epoch with the Trainer, exactly as `nnscalar train` runs it."""
    from nnscalar.optim import Adam
    from nnscalar.train import Trainer

    trainer = Trainer(model, "hinge", Adam(model.parameters(), lr=LR))
    trainer.fit(X, y, epochs=1, batch_size=BATCH, seed=0, quiet=True)


def micrograd_epoch(X, y, model, batch: int = BATCH) -> None:
    """The same epoch in micrograd: same batches (the Trainer's order), hinge loss, Adam."""
    params = model.parameters()
    m = [0.0] * len(params)
    v = [0.0] * len(params)
    order = list(range(len(X)))
    random.Random(0).shuffle(order)  # the Trainer's first-epoch order for seed 0
    t = 0
    for lo in range(0, len(X), batch):
        idx = order[lo : lo + batch]
        scores = [model(X[i]) for i in idx]
        losses = [(1 + -y[i] * s).relu() for i, s in zip(idx, scores)]
        loss = sum(losses) * (1.0 / len(losses))
        model.zero_grad()
        loss.backward()
        t += 1
        b1, b2 = BETAS
        for k, p in enumerate(params):
            m[k] = b1 * m[k] + (1 - b1) * p.grad
            v[k] = b2 * v[k] + (1 - b2) * p.grad * p.grad
            m_hat, v_hat = m[k] / (1 - b1**t), v[k] / (1 - b2**t)
            p.data -= LR * m_hat / (math.sqrt(v_hat) + EPS)


def micrograd_copy(model):
    """A micrograd MLP holding the same weights as the nnscalar `model`."""
    from micrograd.nn import MLP as MicroMLP

    theirs = MicroMLP(2, [16, 16, 1])
    for p, q in zip(theirs.parameters(), model.parameters(), strict=True):
        p.data = q.data
    return theirs


def best_times(*runs) -> list[float]:
    """The best of REPEATS times of each run, the runs taking turns (the machine's speed drifts)."""
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(REPEATS):
        for run, seen in zip(runs, times):
            gc.collect()
            start = time.perf_counter()
            run()
            seen.append(time.perf_counter() - start)
    return [min(seen) for seen in times]


def peak_of(step) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        step()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def memory_rows() -> list[tuple[str, int]]:
    """Peak bytes of one step at batch 256: nnscalar with accumulation 1 and 8, and micrograd."""
    from nnscalar import data
    from nnscalar.nn import MLP
    from nnscalar.optim import Adam
    from nnscalar.train import Trainer

    X, y = data.moons(n=256, noise=0.1, seed=0)
    rows = []
    for k in (1, 8):
        model = MLP(2, [16, 16, 1], seed=0)
        trainer = Trainer(model, "hinge", Adam(model.parameters(), lr=LR), accumulation_steps=k)
        trainer.step(X, y)  # the optimizer's state exists from here on
        rows.append((f"nnscalar, accumulation {k}", peak_of(lambda t=trainer: t.step(X, y))))
    theirs = micrograd_copy(MLP(2, [16, 16, 1], seed=0))
    rows.append(("micrograd, full batch", peak_of(lambda: micrograd_epoch(X, y, theirs, 256))))
    return rows


def main() -> None:
    from rich.console import Console
    from rich.table import Table
    from targets import record, speed_cells, speed_target

    from nnscalar import engine_info

    X, y, model = setup()
    start = [p.data for p in model.parameters()]

    def reset() -> None:
        for p, w in zip(model.parameters(), start, strict=True):
            p.data, p.grad = w, 0.0

    def ours() -> None:
        reset()
        nnscalar_epoch(X, y, model)

    theirs_model = micrograd_copy(model)

    def theirs() -> None:
        for p, w in zip(theirs_model.parameters(), start, strict=True):
            p.data, p.grad = w, 0.0
        micrograd_epoch(X, y, theirs_model)

    t_ours, t_theirs = best_times(ours, theirs)
    difference = max(
        abs(p.data - q.data)
        for p, q in zip(model.parameters(), theirs_model.parameters(), strict=True)
    )
    console = Console()
    core = engine_info()["core"]
    name = "one epoch of `nnscalar train` defaults"
    table = Table(title=f"{name} ({len(X)} moons, batch {BATCH}); nnscalar's {core} core")
    for col in ("engine", "ms / epoch", "speed-up", "target", ""):
        table.add_column(col, justify="left" if col == "engine" else "right")
    cells = speed_cells(t_theirs / t_ours, speed_target(name, core, "on"))
    record(name, core, "on", *cells)
    table.add_row("nnscalar Trainer", f"{t_ours * 1e3:.1f}", *cells)
    table.add_row("micrograd", f"{t_theirs * 1e3:.1f}", "1.0x", "", "")
    console.print(table)
    console.print(f"same weights after the epoch (largest difference {difference:.1e})")

    rows = memory_rows()
    table = Table(title="peak memory of one step at batch 256 (tracemalloc)")
    table.add_column("run")
    table.add_column("peak MB", justify="right")
    table.add_column("vs accumulation 1", justify="right")
    for name, peak in rows:
        table.add_row(name, f"{peak / 1e6:.2f}", f"{peak / rows[0][1]:.2f}")
    console.print(table)


if __name__ == "__main__":
    main()
