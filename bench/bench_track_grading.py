"""Grading speed of the build track: `nnscalar grade --track` on a class of packages (40 by
default): correct ones, `=` instead of `+=`, untouched skeletons and packages that exit at import,
a quarter each, some nested one folder down and some zipped, every task checked under the
sandbox. Prints the wall-clock time, the time per student and the isolation used.
Run: `python bench/bench_track_grading.py [--students 40] [--jobs N]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from nnscalar.exercises import isolation
from nnscalar.track import start

KINDS = ("solution", "assign", "skeleton", "crash")


def _packages(base: Path) -> dict[str, Path]:
    made = {}
    for kind in KINDS:
        folder = base / "kinds" / kind / "mygrad"
        start(folder, seed=7, solution=kind != "skeleton")
        engine = folder / "engine.py"
        if kind == "assign":
            old = "                parent.grad += local * node.grad\n"
            engine.write_text(engine.read_text().replace(old, old.replace("+=", "=")))
        if kind == "crash":
            engine.write_text("import os\nos._exit(3)\n")
        made[kind] = folder
    return made


def _class(root: Path, packages: dict[str, Path], count: int) -> None:
    for i in range(count):
        package = packages[KINDS[i % len(KINDS)]]
        student = root / f"s{i:03d}_submission"
        if i % 3 == 0:  # zipped
            student.mkdir(parents=True)
            with zipfile.ZipFile(student / "mygrad.zip", "w") as archive:
                for path in package.glob("*.py"):
                    archive.write(path, f"mygrad/{path.name}")
        elif i % 3 == 1:  # one folder down
            shutil.copytree(package, student / "mygrad")
        else:
            shutil.copytree(package, student)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nnscalar-bench-track-") as tmp:
        base = Path(tmp)
        _class(base / "subs", _packages(base), args.students)
        command = [sys.executable, "-m", "nnscalar", "grade", "--track", str(base / "subs")]
        command += ["--seed", "2024", "--seed-from-name", "--jobs", str(args.jobs)]
        command += ["--out", str(base / "out")]
        begin = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - begin
        if done.returncode != 0:
            print(done.stderr)
            raise SystemExit(1)
        rows = (base / "out" / "grades.csv").read_text().count("\n") - 1
    print(f"isolation: {isolation.choose()}; {args.jobs} jobs; {len(KINDS)} kinds of package")
    print(
        f"grade --track {args.students} packages x 10 tasks: {seconds:.1f} s wall "
        f"({seconds / args.students * 1000:.0f} ms per student), {rows} rows in grades.csv"
    )


if __name__ == "__main__":
    main()
