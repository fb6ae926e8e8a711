"""Engine benchmark vs micrograd: a 200,000-op graph of + * ** relu, built, backpropagated, dropped.

Same graph in both engines, one process, best of 5 with the engines taking turns; once with
Python's garbage collector as it is by default and once with gc.disable() around each step.
Memory per node is measured with tracemalloc.
"""

from __future__ import annotations

import gc
import time
import tracemalloc

LANES = 1000
ROUNDS = 50  # 4 ops per lane per round: 200,000 ops, plus the pairwise sum at the end


def build(value_class):
    """The benchmark graph's root."""
    lanes = [value_class(0.5 + (j % 7) / 10) for j in range(LANES)]
    for r in range(ROUNDS):
        new = []
        for j in range(LANES):
            a, b = lanes[j], lanes[(j * 7 + r + 1) % LANES]
            n = ((a * b + a).relu()) ** 0.5
            new.append(n)
        lanes = new
    while len(lanes) > 1:  # pairwise, so micrograd's recursive sort stays shallow
        lanes = [
            lanes[i] + lanes[i + 1] if i + 1 < len(lanes) else lanes[i]
            for i in range(0, len(lanes), 2)
        ]
    return lanes[0]


def time_once(value_class) -> tuple[float, float]:
    """Seconds for build + backward + dropping the graph, as one training step does them; and
    the root's value (to check both engines agree). What the step leaves for the cyclic
    collector (micrograd's graphs are cycles) is collected before the next step, untimed: so
    micrograd is not charged for it, nor the other engine, whose step would otherwise meet it."""
    start = time.perf_counter()
    root = build(value_class)
    root.backward()
    data = root.data
    del root
    return time.perf_counter() - start, data


def best_of(value_classes: list, gc_enabled: bool, repeats: int = 5) -> list[tuple[float, float]]:
    """For each engine, the best of `repeats` steps with the collector on or off, and the root's
    value. The engines take turns, step by step, so both meet the same machine (this 2-core VM's
    speed drifts by 20% and more); before each step the collector clears what the last left."""
    best = [(float("inf"), 0.0)] * len(value_classes)
    for _ in range(repeats):
        for k, value_class in enumerate(value_classes):
            gc.collect()
            if not gc_enabled:
                gc.disable()
            try:
                seconds, data = time_once(value_class)
            finally:
                gc.enable()
            best[k] = (min(best[k][0], seconds), data)
    gc.collect()
    return best


def bytes_per_node(value_class, nodes: int) -> float:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    root = build(value_class)
    root.backward()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del root
    gc.collect()
    return (after - before) / nodes


def cores() -> dict[str, type]:
    """The Value class of each core this install has: the readable engine always, the compiled
    core when it was built."""
    from nnscalar import engine

    found = {"readable": engine.Value}
    try:
        from nnscalar import _core
    except ImportError:
        return found
    return {"compiled": _core.Value, **found}


def main() -> None:
    from micrograd.engine import Value as MicroValue
    from rich.console import Console
    from rich.table import Table
    from targets import memory_cells, record, speed_cells, speed_target

    from nnscalar import engine

    values = cores()
    nodes = len(engine.topological_order(build(engine.Value)))
    name = "200k-node graph, build + backward"
    title = f"engine: {nodes:,}-node graph (+ * ** relu), build + backward + drop, best of 5"
    table = Table(title=title)
    for col in ("gc", "core", "micrograd ns/node", "nnscalar ns/node", "speed-up", "target", ""):
        table.add_column(col, justify="left" if col in ("gc", "core") else "right")
    agree = []
    for gc_on in (True, False):
        gc_name = "on" if gc_on else "off"
        best = best_of([MicroValue, *values.values()], gc_on)
        t_mg, d_mg = best[0]
        for core, (t, d) in zip(values, best[1:]):
            agree.append(abs(d_mg - d) <= 1e-9 * abs(d_mg))
            cells = speed_cells(t_mg / t, speed_target(name, core, gc_name))
            table.add_row(
                gc_name, core, f"{t_mg / nodes * 1e9:.0f}", f"{t / nodes * 1e9:.0f}", *cells
            )
            record(name, core, gc_name, *cells)
    console = Console()
    console.print(table)
    mem = Table(title="memory per node after build + backward (tracemalloc)")
    for col in ("core", "micrograd B/node", "nnscalar B/node", "ratio", "target", ""):
        mem.add_column(col, justify="left" if col == "core" else "right")
    mem_mg = bytes_per_node(MicroValue, nodes)
    for core, value_class in values.items():
        mem_nn = bytes_per_node(value_class, nodes)
        cells = memory_cells(mem_nn / mem_mg, core)
        mem.add_row(core, f"{mem_mg:.0f}", f"{mem_nn:.0f}", *cells)
        record("memory per node after backward", core, "on", *cells)
    console.print(mem)
    console.print("same root value in every engine:", all(agree))


if __name__ == "__main__":
    main()
