"""Student code runs in a separate, limited process: whatever it does, the checker reports it."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from nnscalar.exercises import Limits, all_exercises, check_files
from nnscalar.exercises.sandbox import Job, run_jobs

LIMITS = Limits(time=2.0, memory_mb=256)
WEIGHTED = all_exercises()[0]  # weighted-input: answer `z`


def _run(source: str, limits: Limits = LIMITS) -> tuple[str, str, str]:
    outcome = run_jobs(
        [Job("weighted-input", source, "answer.py", {"names": ["z"]}, kind="numbers")], limits
    )[0]
    return outcome.status, outcome.error, outcome.output


def test_a_right_answer_in_a_python_file(tmp_path):
    path = tmp_path / "answer.py"
    path.write_text("print('computing')\nz = 0.5 * 0.5 + 0.5 * 1.5 + 1.5 * 0.5 - 0.5\nz = 5.5\n")
    result = check_files([(WEIGHTED, path, 1)], LIMITS)[0]
    assert result.passed
    assert result.output == "computing\n"


def test_an_infinite_loop_is_stopped_and_reported():
    status, error, _ = _run("while True:\n    pass\n")
    assert status == "timeout"
    assert error == (
        "time limit: the code ran longer than 2 s and was stopped (an infinite "
        "loop, or far too much work?)"
    )


def test_a_loop_that_ignores_the_alarm_is_killed():
    status, error, _ = _run("x = 10 ** (10 ** 9)\n")  # one long C call: no signal handler runs
    assert status == "timeout"
    assert error.startswith("time limit: the code ran longer than 2 s")


def test_a_crash_shows_the_students_lines():
    status, error, _ = _run("def f():\n    return 1 / 0\n\nz = f()\n")
    assert status == "crash"
    assert error == (
        "line 4, in <module>: z = f()\nline 2, in f: return 1 / 0\n"
        "ZeroDivisionError: division by zero"
    )


def test_a_syntax_error():
    status, error, _ = _run("z = (1 +\n")
    assert (status, error) == ("crash", "SyntaxError on line 1: '(' was never closed")


def test_sys_exit_is_reported():
    status, error, _ = _run("import sys\nsys.exit(3)\n")
    assert (status, error) == (
        "exit",
        "the code called sys.exit(3); a solution must define its answer and return, not exit",
    )


def test_os_exit_kills_only_the_child():
    status, error, _ = _run("import os\nos._exit(4)\n")
    assert status == "exit"
    assert error.startswith("the code ended the checker's process with exit code 4")


def test_a_fork_bomb_is_refused():
    status, error, _ = _run("import os\nwhile True:\n    os.fork()\n")
    assert (status, error) == (
        "blocked",
        "os.fork was refused: starting processes is not allowed in the checker",
    )


def test_subprocess_is_refused():
    status, error, _ = _run("import subprocess\n")
    assert status == "blocked"
    assert error.startswith("line 1: import subprocess is not available here: use plain Python")


def test_a_huge_allocation_hits_the_memory_limit():
    status, error, _ = _run("x = bytearray(10 ** 10)\n")
    assert status == "memory"
    assert error.startswith("memory limit: the code tried to use more than the memory allowed")


def test_the_network_is_refused():
    status, error, _ = _run("import socket\nsocket.create_connection(('example.com', 80))\n")
    assert (status, error) == (
        "blocked",
        "socket.getaddrinfo was refused: the network is not allowed in the checker",
    )


@pytest.mark.parametrize(
    "code",
    [
        "open({target!r}, 'w').write('x')",
        "import os\nos.close(os.open({target!r}, os.O_CREAT | os.O_WRONLY))",
        "import pathlib\npathlib.Path({target!r}).write_text('x')",
        "import os\nos.remove({keep!r})",
        "import shutil\nshutil.rmtree({folder!r})",
        "import os\nos.chdir('/')\nos.rename({keep!r}, 'stolen')",
    ],
)
def test_files_outside_the_scratch_folder_are_left_alone(tmp_path, code):
    keep, target = tmp_path / "keep.txt", tmp_path / "new.txt"
    keep.write_text("teacher's file")
    source = code.format(target=str(target), keep=str(keep), folder=str(tmp_path))
    status, error, _ = _run(source + "\nz = 5.5\n")
    assert status == "blocked"
    assert "may only change files in its own scratch folder" in error
    assert keep.read_text() == "teacher's file" and not target.exists()


def test_files_in_the_scratch_folder_may_be_written():
    status, _, output = _run(
        "open('notes.txt', 'w').write('ok')\nprint(open('notes.txt').read())\nz = 5.5\n"
    )
    assert (status, output) == ("ok", "ok\n")


def test_a_forged_result_line_is_reported_not_trusted():
    forge = (
        "import os, sys\nf = sys._getframe()\nwhile 'token' not in f.f_locals:\n"
        "    f = f.f_back\nos.write(1, b'\\n' + f.f_locals['token'].encode() + b'not json\\n')\n"
    )
    assert _run(forge)[:2] == ("crash", "the checker's result line was garbled")


def test_output_is_captured_and_capped():
    status, _, output = _run(
        "for i in range(100000):\n    print('spam')\nz = 5.5\n", Limits(time=2.0, output_chars=20)
    )
    assert status == "ok"
    assert output == "spam\nspam\nspam\nspam\n\n… (499980 more characters)"


def test_output_around_the_checker_is_kept_apart():
    status, _, output = _run("import os\nos.write(1, b'raw')\nz = 5.5\n")
    assert status == "ok"
    assert output == "raw\n"


def test_after_a_killed_job_the_next_jobs_still_run():
    jobs = [
        Job("weighted-input", "x = 10 ** (10 ** 9)\n", "a.py", {"names": ["z"]}, kind="numbers"),
        Job("weighted-input", "z = 5.5\n", "b.py", {"names": ["z"]}, kind="numbers"),
        Job("weighted-input", "import os\nos._exit(1)\n", "c.py", {"names": ["z"]}, kind="numbers"),
        Job("weighted-input", "z = 1.0\n", "d.py", {"names": ["z"]}, kind="numbers"),
    ]
    outcomes = run_jobs(jobs, LIMITS)
    assert [o.status for o in outcomes] == ["timeout", "ok", "exit", "ok"]
    assert [o.data for o in outcomes] == [{}, {"z": 5.5}, {}, {"z": 1.0}]


def test_a_code_exercise_needs_a_python_file(tmp_path: Path):
    path = tmp_path / "answer.txt"
    path.write_text("x = 1\n")
    exercise = all_exercises()[5]
    result = check_files([(exercise, path, 1)], LIMITS)[0]
    assert result.error == "answer.txt: this exercise is answered with Python code: give a .py file"


@pytest.mark.parametrize("number", [6, 13])
def test_code_exercises_reference_solutions_pass_in_the_sandbox(tmp_path, number):
    exercise = all_exercises()[number - 1]
    path = tmp_path / "solution.py"
    path.write_text(exercise.solution(3))
    result = check_files([(exercise, path, 3)])[0]
    assert result.passed, str(result)


def test_a_wrong_backward_rule_is_caught_by_gradcheck(tmp_path):
    exercise = all_exercises()[5]
    path = tmp_path / "wrong.py"
    path.write_text("def local_derivative(a, out):\n    return -out\n")
    result = check_files([(exercise, path, 3)], LIMITS)[0]
    assert not result.passed
    assert all(p.message.startswith("gradcheck: yours ") for p in result.parts)


# --- where code runs: the isolation modes ------------------------------------------------------


def test_without_isolation_grading_refuses_but_checking_runs(tmp_path, monkeypatch):
    from nnscalar.errors import ConfigError
    from nnscalar.exercises import isolation
    from nnscalar.exercises.grading import grade_all

    monkeypatch.setattr(isolation, "bwrap_problem", lambda: "bwrap is not installed (test)")
    monkeypatch.delenv(isolation.ENV, raising=False)
    (tmp_path / "ann").mkdir()
    (tmp_path / "ann" / "01-weighted-input.py").write_text("z = 5.5\n")
    items = [(1, WEIGHTED)]
    with pytest.raises(ConfigError, match="refusing to run other people's code without isolat"):
        grade_all(tmp_path, items, 1, False, limits=LIMITS)
    (grade,) = grade_all(tmp_path, items, 1, False, limits=LIMITS, allow_unisolated=True)
    assert grade.results[1].passed  # the teacher chose to run it anyway
    assert isolation.choose() == "none"
    assert isolation.warning("none").startswith("warning: no isolation (bubblewrap not availa")
    path = tmp_path / "mine.py"
    path.write_text("z = 5.5\n")
    assert check_files([(WEIGHTED, path, 1)], LIMITS)[0].passed  # one's own code still runs


def test_a_platform_container_is_chosen_by_its_setting(monkeypatch):
    from nnscalar.errors import ConfigError
    from nnscalar.exercises import isolation

    monkeypatch.setenv(isolation.ENV, "container")
    assert isolation.choose() == "container"
    assert "the container this runs in must be the boundary" in isolation.warning("container")
    monkeypatch.setenv(isolation.ENV, "chroot")
    with pytest.raises(ConfigError, match="NNSCALAR_ISOLATION='chroot' is not valid; valid: auto"):
        isolation.choose()
    assert _run("z = 5.5\n", Limits(time=2.0, isolation="container"))[0] == "ok"


def test_under_pyodide_code_is_checked_in_the_tab(monkeypatch, tmp_path):
    import subprocess

    from nnscalar.exercises import isolation

    def no_process(*args, **kwargs):
        raise AssertionError("no process may be started in the browser")

    monkeypatch.setattr(isolation, "_platform", lambda: "emscripten")
    monkeypatch.setattr(subprocess, "Popen", no_process)
    assert isolation.choose("bwrap") == "in-process"
    assert _run("print('hi')\nz = 5.5\n")[::2] == ("ok", "hi\n")
    exercise = all_exercises()[5]
    path = tmp_path / "op.py"
    path.write_text(exercise.solution(3))
    assert check_files([(exercise, path, 3)], LIMITS)[0].passed


def test_limits_are_checked():
    from nnscalar.errors import ConfigError

    for bad in (float("inf"), float("nan"), -1.0, 0.0, 1e9):
        with pytest.raises(ConfigError, match=r"time limit .* is not valid; valid: seconds"):
            Limits(time=bad)
    with pytest.raises(ConfigError, match="isolation 'chroot' is not known; valid: auto, bwrap"):
        Limits(isolation="chroot")


def test_a_cpu_limit_kill_is_a_time_limit_not_memory():
    from nnscalar.exercises.sandbox import _ended

    killed = -signal.SIGKILL
    by_cpu = _ended(killed, 8.2, 8, 2.0, bytearray(), LIMITS, isolated=False)
    assert (by_cpu.status, by_cpu.error) == (
        "timeout",
        "time limit: the code used more CPU time than its limit allows and was stopped (an "
        "infinite loop, or far too much work?)",
    )
    by_memory = _ended(killed, 0.3, 8, 2.0, bytearray(), LIMITS, isolated=False)
    assert (
        by_memory.error == "the code was killed, most likely for using more than 256 MB of memory"
    )
    in_bwrap = _ended(128 + signal.SIGKILL, 8.2, 8, 2.0, bytearray(), LIMITS, isolated=True)
    assert in_bwrap.status == "timeout"  # bwrap reports a signal as 128 + its number


def test_numbers_and_checks_given_as_odd_values_fail_that_answer_only():
    from nnscalar.exercises.checking import outcome_result
    from nnscalar.exercises.sandbox import Outcome

    exercise = all_exercises()[5]
    result = outcome_result(exercise, Outcome("ok", {"values": 5}), 3)
    assert result.parts[0].message == "no value for every point came back"
    train = all_exercises()[12]
    result = outcome_result(
        train, Outcome("ok", {"scores": ["returned nan, not a finite number"]}), 3
    )
    assert result.parts[0].message == "no score for every test point came back"
