"""Grading at scale: submissions graded in parallel processes, a wall-clock cap per submission,
and no submission lost when a grading process dies, hangs or is interrupted."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from nnscalar.errors import ConfigError
from nnscalar.exercises import Limits, all_exercises, isolation
from nnscalar.exercises.grading import default_submission_time, grade_all
from nnscalar.exercises.pool import Lost, run_pool
from nnscalar.exercises.worksheet import answer_file_name

from .processes import alive, command_line, descendants, sandboxes

SEED = 3
EXERCISES = all_exercises()
WEIGHTED, NEW_OP = EXERCISES[0], EXERCISES[5]
ITEMS = [(1, WEIGHTED), (6, NEW_OP)]
F1 = answer_file_name(1, WEIGHTED)  # 01-weighted-input.txt
F6 = answer_file_name(6, NEW_OP)  # 06-new-op-backward.py
RIGHT_Z = f"z = {WEIGHTED.solution(SEED)['z']!r}\n"
SLEEP = "import time\ntime.sleep(40)\n"
BWRAP = isolation.bwrap_problem() == ""
NO_ISOLATION = [] if BWRAP else ["--no-isolation"]
needs_bwrap = pytest.mark.skipif(not BWRAP, reason="needs bubblewrap: apt-get install bubblewrap")


def _cli(*args: str, **kwargs) -> subprocess.Popen:
    command = [sys.executable, "-m", "nnscalar", "grade", *args, *NO_ISOLATION]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs
    )


def _rows(out: Path) -> list[dict[str, str]]:
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _class(root: Path, students: dict[str, dict[str, str]]) -> Path:
    for student, files in students.items():
        (root / student).mkdir(parents=True)
        for name, text in files.items():
            (root / student / name).write_text(text)
    return root


def _checkers(pids: list[int]) -> list[int]:
    """The processes, among `pids`, that run student code (nnscalar's runner, sandboxed or not)."""
    found = [(pid, command_line(pid)) for pid in pids]
    return [p for p, line in found if b"exercises.runner" in line and not line.startswith(b"bwrap")]


def test_a_submission_over_its_cap_is_stopped_with_every_child_and_listed(tmp_path):
    """A student whose code sleeps in every exercise is cut at the submission's cap (not after
    2 x 30 s of per-exercise limits); the others are graded; no process outlives grading."""
    subs = _class(
        tmp_path / "subs",
        {
            "ann": {F1: RIGHT_Z, F6: NEW_OP.solution(SEED)},
            "sleepy": {F1.replace(".txt", ".py"): SLEEP, F6: SLEEP},
            "quitter": {F1.replace(".txt", ".py"): "import os\nos._exit(3)\n", F6: RIGHT_Z},
        },
    )
    out = tmp_path / "out"
    proc = _cli(str(subs), "--seed", str(SEED), "--exercises", "1,6", "--time-limit", "30",
                "--submission-time-limit", "4", "--jobs", "2", "--out", str(out))  # fmt: skip
    seen: set[int] = set()
    checkers: set[int] = set()
    while proc.poll() is None:  # every process grading starts, while it runs
        running = descendants(proc.pid)
        seen.update(running)
        checkers.update(_checkers(running))
        time.sleep(0.05)
    stdout, stderr = proc.communicate()
    assert proc.returncode == 0, stderr
    assert len(checkers) >= 3, "the students' code never ran"
    time.sleep(0.5)
    assert [pid for pid in seen if alive(pid)] == []  # no grading process, sandbox or sleeper
    rows = _rows(out)
    assert [r["student"] for r in rows] == ["ann", "quitter", "sleepy"]  # by name
    ann, quitter, sleepy = rows
    assert (ann["1-weighted-input"], ann["6-new-op-backward"]) == ("1.0", "1.0")
    assert ann["total"] == "2.0"
    assert quitter["1-weighted-input"] == "0.0" and quitter["total"] == "0.0"
    assert quitter["problems"].startswith(
        "1: the code ended the checker's process with exit code 3 (os._exit?)"
    )
    assert (sleepy["seed"], sleepy["total"]) == ("", "")
    assert sleepy["problems"] == "not graded: took longer than 4 s"
    assert "sleepy: not graded: took longer than 4 s" in stdout  # as it happens, then the table
    assert "ann, quitter: the files state no seed: graded with --seed 3" in stdout  # one line
    assert "graded 3/3" in stderr  # no terminal: plain progress lines


@needs_bwrap
def test_a_killed_grading_process_costs_only_its_own_submission(tmp_path):
    """Three students, two grading processes: one is killed while it grades; its student's row
    says so, the others are graded (the killed one's sandbox dies with it)."""
    slow = "import time\ntime.sleep(3)\n" + RIGHT_Z
    subs = _class(tmp_path, {name: {F1.replace(".txt", ".py"): slow} for name in ("a", "b", "c")})
    killed: list[int] = []
    gone: list[int] = []

    def kill_one() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            for pid in descendants(os.getpid()):
                if b"multiprocessing" in command_line(pid) and sandboxes(pid):
                    gone.extend(descendants(pid))
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                    break
            time.sleep(0.05)

    killer = threading.Thread(target=kill_one)
    killer.start()
    grades = grade_all(subs, [(1, WEIGHTED)], SEED, jobs=2, limits=Limits(time=20))
    killer.join()
    assert len(killed) == 1
    assert [g.student for g in grades] == ["a", "b", "c"]
    lost = [g for g in grades if not g.graded]
    assert [g.problems() for g in lost] == [
        "not graded: the grading process was killed by SIGKILL (out of memory?) while checking "
        "this submission"
    ]
    assert sorted(g.total for g in grades if g.graded) == [1.0, 1.0]
    time.sleep(0.5)
    assert [pid for pid in gone if alive(pid)] == []


@needs_bwrap
def test_ctrl_c_kills_everything_and_writes_nothing(tmp_path):
    """Ctrl-C: the terminal signals the grader and its grading processes (SIGTERM to the grader
    alone: test_hostile)."""
    subs = _class(tmp_path / "subs", {f"s{i}": {F6: SLEEP} for i in range(3)})
    out = tmp_path / "out"
    proc = _cli(str(subs), "--seed", "1", "--exercises", "6", "--time-limit", "30",
                "--jobs", "3", "--out", str(out), start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(_checkers(descendants(proc.pid))) < 3:
        time.sleep(0.1)
    running = descendants(proc.pid)
    assert len(_checkers(running)) == 3  # every student's code is running
    os.killpg(proc.pid, signal.SIGINT)  # the whole foreground process group
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "nnscalar grade: interrupted" in err
    time.sleep(0.5)
    assert [pid for pid in running if alive(pid)] == []
    assert not out.exists()


def test_the_cap_per_submission():
    assert default_submission_time(ITEMS) == 60 + 5 + 5
    assert default_submission_time([(1, WEIGHTED), (13, EXERCISES[12])]) == 60 + 5 + 60
    assert default_submission_time(ITEMS, Limits(time=2)) == 64
    for wrong in (0, -1, float("nan"), float("inf")):
        with pytest.raises(ConfigError, match=r"submission time limit .* is not valid"):
            grade_all(".", ITEMS, SEED, submission_time=wrong, allow_unisolated=True)
    with pytest.raises(ConfigError, match=r"jobs -1 is not valid; valid: a whole number"):
        grade_all(".", ITEMS, SEED, jobs=-1, allow_unisolated=True)


def _double(offset: int):
    def work(x: int) -> int:
        if x == 13:
            os._exit(7)  # a worker that dies in the middle of a task
        if x == 99:
            time.sleep(30)
        return 2 * x + offset

    return work


def test_the_pool_keeps_order_and_says_why_a_task_was_lost():
    results = run_pool(_double, 1, [1, 13, 2, 99, 3, 4], jobs=2, seconds=3)
    assert results == [
        3,
        Lost("the grading process ended with exit code 7 while checking this submission"),
        5,
        Lost("took longer than 3 s"),
        7,
        9,
    ]


def test_a_terminal_sees_a_progress_bar(tmp_path):
    import pexpect

    slow = "import time\ntime.sleep(1)\n" + RIGHT_Z
    subs = _class(tmp_path / "subs", {s: {F1.replace(".txt", ".py"): slow} for s in "abc"})
    args = ["-m", "nnscalar", "grade", str(subs), "--seed", str(SEED), "--exercises", "1",
            "--jobs", "1", "--out", str(tmp_path / "out"), *NO_ISOLATION]  # fmt: skip
    child = pexpect.spawn(
        sys.executable,
        args,
        env={**os.environ, "COLUMNS": "100", "LINES": "40", "TERM": "xterm"},
        encoding="utf-8",
        timeout=120,
    )
    child.expect_exact("grading")
    child.expect(r"[0-2]/3")  # the bar counts while the students are graded
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "graded 1/3" not in child.before  # the plain lines are for logs, not terminals
    assert [r["total"] for r in _rows(tmp_path / "out")] == ["1.0", "1.0", "1.0"]


def test_a_script_without_the_main_guard_is_told_what_to_do(tmp_path):
    """Spawned grading processes import the script that started them: unguarded, it would
    grade again in each; they end before they start, and the error says why."""
    _class(tmp_path / "subs", {"ann": {F1: RIGHT_Z}})
    script = tmp_path / "grade.py"
    script.write_text(
        "from nnscalar.exercises import Limits, all_exercises\n"
        "from nnscalar.exercises.grading import grade_all\n"
        f"grade_all({str(tmp_path / 'subs')!r}, [(1, all_exercises()[0])], {SEED},"
        " allow_unisolated=True)\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert done.returncode == 1
    assert "grading processes keep dying before they start" in done.stderr
    assert "must call grade_all under `if __name__ == '__main__':`" in done.stderr
