"""`make bench`: every bench/bench_*.py in its own process, then one table of every figure with
its target and ✓/✗.

bench_engine.py times both cores side by side in one process (it needs only `Value`). The moons
and training benchmarks go through the whole library, which uses one core per process: they run
once on the compiled core (when it was built) and once with NNSCALAR_PURE=1 on the readable one,
each in one process with micrograd 0.1.0, best of 5, the engines taking turns.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

here = Path(__file__).parent


def compiled_core_built() -> bool:
    check = "import nnscalar._core"
    return subprocess.call([sys.executable, "-c", check], stderr=subprocess.DEVNULL) == 0


def main() -> int:
    from rich.console import Console
    from rich.table import Table

    built = compiled_core_built()
    status = 0
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "figures.jsonl"
        env = {**os.environ, "NNSCALAR_BENCH_OUT": str(out)}
        for script in sorted(here.glob("bench_*.py")):
            pure_runs = [False] if script.name == "bench_engine.py" else [False, True] * built
            for pure in pure_runs or [False]:
                run_env = {**env, "NNSCALAR_PURE": "1"} if pure else env
                core = "readable" if pure or not built else "compiled"
                what = "both cores" if script.name == "bench_engine.py" else f"{core} core"
                print(f"\n== {script.name} ({what}) ==", flush=True)
                status |= subprocess.call([sys.executable, str(script)], env=run_env, cwd=here)
        rows = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    table = Table(
        title="every figure against issue 14's targets (speed-up = micrograd time / ours)"
    )
    for col in ("benchmark", "core", "gc", "measured", "target", ""):
        table.add_column(col, justify="right" if col in ("measured", "target") else "left")
    for row in rows:
        table.add_row(*(row[k] for k in ("benchmark", "core", "gc", "measured", "target", "met")))
    console = Console(width=110)
    console.print()
    console.print(table)
    if not built:
        console.print("The compiled core is not built here: only the readable engine was measured.")
    console.print(
        "Wall-clock times on a shared machine: figures vary by 20% and more between runs."
    )
    return status


if __name__ == "__main__":
    raise SystemExit(main())
