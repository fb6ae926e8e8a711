"""Grading speed: `nnscalar grade` on a class of mixed submissions (300 by default), its grading
processes against the threads that graded before (one thread per student at a time, each driving
its sandboxed children, as `grade_all` did up to issue 16).

The class: right answers, wrong numbers, crashing code, notebooks, infinite loops (5 %), code that
tampers with the sandbox, NaN answers, symbolic links and empty folders, graded on exercises
1, 2, 4 and 6 with a 1 s time limit. Prints the wall-clock times with their targets, the time per
student and the isolation used. Run: `python bench/bench_grading.py [--students 300] [--jobs N]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from targets import mark, record

from nnscalar.core import engine_info
from nnscalar.exercises import Limits, all_exercises, isolation
from nnscalar.exercises.grading import Grade, find_submissions, grade_submission
from nnscalar.exercises.seeds import choose_seed
from nnscalar.exercises.worksheet import answer_file_name, write_worksheets

NUMBERS = (1, 2, 4, 6)
CLASS_SEED = 2024
THREADS_300 = 85.0  # seconds: 300 students with threads, 2 jobs, as measured before issue 16
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


def _threads(subs: Path, jobs: int, limits: Limits) -> list[Grade]:
    """The class graded the way it was before grading processes: a thread per student at a time."""

    def one(entry: tuple[str, list[Path]]) -> Grade:
        student, files = entry

        def choose(claims: dict[int, list[str]]):
            return choose_seed(student, claims, None, CLASS_SEED, True)

        return grade_submission(student, files, choose, ITEMS, limits)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, find_submissions(subs)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    mode = isolation.choose()
    with tempfile.TemporaryDirectory(prefix="nnscalar-bench-grading-") as tmp:
        base = Path(tmp)
        students = [f"s{i:03d}" for i in range(args.students)]
        write_worksheets(base / "handout", CLASS_SEED, students, ITEMS)
        made = _class(base / "subs", base / "handout", args.students)
        command = [sys.executable, "-m", "nnscalar", "grade", str(base / "subs")]
        command += ["--seed-from-name", "--seed", str(CLASS_SEED), "--exercises", "1,2,4,6"]
        command += ["--time-limit", "1", "--jobs", str(args.jobs), "--out", str(base / "out")]
        command += ["--no-isolation"] if mode == "none" else []
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        processes = time.perf_counter() - start
        if done.returncode != 0:
            print(done.stderr)
            raise SystemExit(1)
        rows = (base / "out" / "grades.csv").read_text().count("\n") - 1
        start = time.perf_counter()
        threaded = _threads(base / "subs", args.jobs, Limits(time=1.0, isolation=mode))
        threads = time.perf_counter() - start
    mix = ", ".join(f"{n} {k}" for k, n in sorted(made.items()))
    print(f"isolation: {mode}; {args.jobs} jobs; class: {mix}")
    print(f"grade {args.students} submissions x {len(NUMBERS)} exercises, wall clock:")
    target = THREADS_300 * args.students / 300
    core = engine_info()["core"]
    for name, seconds, goal, met in (
        ("processes (nnscalar grade)", processes, f"<= {target:.0f} s", processes <= target),
        ("threads (as before)", threads, "—", None),
    ):
        per = f"{seconds / args.students * 1000:.0f} ms per student"
        print(f"  {name:<28} {seconds:6.1f} s  ({per})  target {goal:<8} {mark(met)}")
    ratio = threads / processes
    print(f"  {'speed-up over threads':<28} {ratio:6.2f}x  target >= 1x  {mark(ratio >= 1.0)}")
    print(f"  rows in grades.csv: {rows} of {args.students}; threads graded {len(threaded)}")
    what = f"grade {args.students} submissions"
    record(f"{what}, processes", core, "on", f"{processes:.1f} s", f"<= {target:.0f} s",
           mark(processes <= target))  # fmt: skip
    record(f"{what}, speed-up over threads", core, "on", f"{ratio:.2f}x", ">= 1x",
           mark(ratio >= 1.0))  # fmt: skip
    if rows != args.students:
        raise SystemExit(f"lost submissions: {rows} rows for {args.students} students")


if __name__ == "__main__":
    main()
