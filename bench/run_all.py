"""`make bench`: run every bench/bench_*.py in turn, each in its own process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

here = Path(__file__).parent
status = 0
for script in sorted(here.glob("bench_*.py")):
    print(f"\n== {script.name} ==", flush=True)
    status |= subprocess.call([sys.executable, str(script)])
raise SystemExit(status)
