"""The speed and memory targets of issue 14 and how each measured figure is marked against them.

Every bench script reports its figures through `record`, which prints nothing itself: each script
prints its own table (with the target and ✓/✗ next to each figure) and, when run by run_all.py,
hands the figures over as JSON lines so that run_all prints one summary table at the end.
"""

from __future__ import annotations

import json
import os

# (benchmark, core, gc) -> the speed-up over micrograd (x) that is the target; memory targets are
# the largest fraction of micrograd's bytes per node. None: measured and shown, no target.
SPEED = {
    ("200k-node graph, build + backward", "compiled", "on"): 40.0,
    ("200k-node graph, build + backward", "compiled", "off"): 12.0,
    ("200k-node graph, build + backward", "readable", "on"): 4.0,
    ("moons step, fused", "compiled", "on"): 200.0,
    ("moons step, fused", "compiled", "off"): 60.0,
    ("moons step, fused", "readable", "on"): 40.0,
    ("moons step, fused", "readable", "off"): 15.0,
    ("moons step, expanded", "compiled", "on"): 60.0,
    ("moons step, expanded", "compiled", "off"): 20.0,
    ("moons step, expanded", "readable", "on"): 8.0,
    ("moons step, expanded", "readable", "off"): 5.0,
    ("one epoch of `nnscalar train` defaults", "compiled", "on"): 300.0,
}
MEMORY = {"compiled": 1 / 7, "readable": 1 / 3}  # bytes per node, as a fraction of micrograd's


def speed_target(benchmark: str, core: str, gc: str) -> float | None:
    return SPEED.get((benchmark, core, gc))


def mark(met: bool | None) -> str:
    return "" if met is None else "✓" if met else "✗"


def speed_cells(ratio: float, target: float | None) -> tuple[str, str, str]:
    """The speed-up, its target and ✓/✗, as table cells."""
    met = None if target is None else ratio >= target
    return f"{ratio:.1f}x", f">= {target:g}x" if target else "—", mark(met)


def memory_cells(fraction: float, core: str) -> tuple[str, str, str]:
    """Bytes per node as a fraction of micrograd's, its target and ✓/✗."""
    target = MEMORY[core]
    return f"1/{1 / fraction:.1f}", f"<= 1/{1 / target:g}", mark(fraction <= target)


def record(benchmark: str, core: str, gc: str, measured: str, target: str, met: str) -> None:
    """Hand one figure to run_all.py (a JSON line in $NNSCALAR_BENCH_OUT), when it runs us."""
    path = os.environ.get("NNSCALAR_BENCH_OUT")
    if path:
        row = {"benchmark": benchmark, "core": core, "gc": gc, "measured": measured}
        row.update(target=target, met=met)
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(row) + "\n")
