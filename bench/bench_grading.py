"""Grading speed: `nnscalar grade` on a class of mixed submissions (300 by default).

The class: right answers, wrong numbers, crashing code, notebooks, infinite loops (5 %), code that
tampers with the sandbox, NaN answers, symbolic links and empty folders, graded on exercises
1, 2, 4 and 6 with a 1 s time limit. Prints the wall-clock time, the time per student and the
isolation used. Run: `python bench/bench_grading.py [--students 300] [--jobs N]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nnscalar.exercises import all_exercises, isolation
from nnscalar.exercises.worksheet import answer_file_name, write_worksheets

NUMBERS = (1, 2, 4, 6)
EXERCISES = all_exercises()
ITEMS = [(n, EXERCISES[n - 1]) for n in NUMBERS]
TAMPER = (
    "import sys\nr = sys.modules['nnscalar.exercises.runner']\nr._SCRATCH = '/'\n"
    "open('/etc/passwd', 'a').write('x')\n"
)


def _class(root: Path, handout: Path, count: int) -> dict[str, int]:
    """Write `count` submissions under `root`; returns how many of each kind."""
    kinds = ["right", "wrong", "crash", "notebook", "tamper", "nan", "link", "empty"]
    made: dict[str, int] = {}
    for i in range(count):
        kind = "loop" if i % 20 == 7 else kinds[i % len(kinds)]
        made[kind] = made.get(kind, 0) + 1
        student = f"s{i:03d}"
        folder = root / student
        key = handout / "keys" / student
        if kind == "notebook":
            root.mkdir(parents=True, exist_ok=True)
            shutil.copy(key / "answer_key.ipynb", root / f"{student}.ipynb")
            continue
        folder.mkdir(parents=True)
        for number, exercise in ITEMS:
            name = answer_file_name(number, exercise)
            text = (key / "answers" / name).read_text()
            if kind == "wrong" and exercise.kind == "numbers":
                text = "\n".join(line.split("=")[0] + "= 1.0" for line in text.splitlines()[1:])
            elif kind in ("crash", "loop", "tamper", "nan") and number == 6:
                text = {
                    "crash": "def local_derivative(a, out):\n    return 1 / 0\n",
                    "loop": "while True:\n    pass\n",
                    "tamper": TAMPER,
                    "nan": "def local_derivative(a, out):\n    return float('nan')\n",
                }[kind]
            elif kind == "link" and number == 1:
                os.symlink("/etc/hostname", folder / name)
                continue
            elif kind == "empty":
                continue
            (folder / name).write_text(text)
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nnscalar-bench-grading-") as tmp:
        base = Path(tmp)
        students = [f"s{i:03d}" for i in range(args.students)]
        write_worksheets(base / "handout", 2024, students, ITEMS)
        made = _class(base / "subs", base / "handout", args.students)
        command = [sys.executable, "-m", "nnscalar", "grade", str(base / "subs")]
        command += ["--seed-from-name", "--seed", "2024", "--exercises", "1,2,4,6"]
        command += ["--time-limit", "1", "--jobs", str(args.jobs), "--out", str(base / "out")]
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            print(done.stderr)
            raise SystemExit(1)
        rows = (base / "out" / "grades.csv").read_text().count("\n") - 1
    mix = ", ".join(f"{n} {k}" for k, n in sorted(made.items()))
    print(f"isolation: {isolation.choose()}; {args.jobs} jobs; class: {mix}")
    print(
        f"grade {args.students} submissions x {len(NUMBERS)} exercises: {seconds:.1f} s wall "
        f"({seconds / args.students * 1000:.0f} ms per student), {rows} rows in grades.csv"
    )


if __name__ == "__main__":
    main()
