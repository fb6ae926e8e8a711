"""A class of hostile submissions, graded by `nnscalar grade` and checked by `exercises check`.

Every attack of issue 13 is a student here. Each must be contained (no write outside its
scratch, no read of another's files, no network, no process outliving its check), reported in
its own row with a clear reason, and leave the other students' results and the teacher's files
untouched.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from nnscalar.exercises import all_exercises, isolation
from nnscalar.exercises.worksheet import answer_file_name

from .processes import alive, descendants, sandboxes

pytestmark = pytest.mark.skipif(
    isolation.bwrap_problem() != "",
    reason=f"no bubblewrap sandbox here ({isolation.bwrap_problem()}); `make test` installs it "
    "as root, else: apt-get install bubblewrap",
)

SEED = 5
EXERCISES = all_exercises()
WEIGHTED, NEW_OP, TRAIN = EXERCISES[0], EXERCISES[5], EXERCISES[12]
F1 = answer_file_name(1, WEIGHTED).replace(".txt", ".py")  # 01-weighted-input.py
F6 = answer_file_name(6, NEW_OP)
F13 = answer_file_name(13, TRAIN)
RIGHT_Z = f"z = {WEIGHTED.solution(SEED)['z']!r}\n"
MARKER = "29.4817"  # the argument of the `sleep` a student leaves behind

# Turns the in-process audit hook off, as the first attack did: what follows must still
# be contained by the operating system's boundary.
UNHOOK = (
    "import sys, os\n"
    "r = sys.modules['nnscalar.exercises.runner']\n"
    "r._SCRATCH = '/'; r._BLOCKED = set(); r._BLOCKED_PREFIXES = ('-',); r._BLOCKED_MODULES = ()\n"
)


def _attacks(teacher: Path, classmate: Path, port: int) -> dict[str, dict[str, str | bytes]]:
    """student → {file name: content} (bytes for odd files)."""
    notes, answer = str(teacher / "notes.txt"), str(classmate / F1)
    return {
        "good": {F1: RIGHT_Z, F6: NEW_OP.solution(SEED)},
        "tamper": {
            F1: UNHOOK
            + "import subprocess\n"
            + "ids = subprocess.run(['id', '-u'], capture_output=True).stdout\n"
            + "print('uid', os.getuid(), ids)\n"
            + f"for path in ({notes!r}, {answer!r}, '/root/.bashrc'):\n"
            + "    try:\n        open(path, 'a').write('PWNED')\n"
            + "    except OSError as exc:\n        print('write refused:', type(exc).__name__)\n"
            + RIGHT_Z
        },
        "dirfd": {
            F1: f"import os\nd = os.open({str(classmate)!r}, os.O_RDONLY)\n"
            + "fd = os.open('PWNED', os.O_CREAT | os.O_WRONLY, dir_fd=d)\n"
            + f"os.unlink({F1!r}, dir_fd=d)\n"
            + RIGHT_Z
        },
        "reader": {
            F1: UNHOOK
            + f"for path in ({notes!r}, {answer!r}):\n"
            + "    try:\n        print(open(path).read())\n"
            + "    except OSError as exc:\n        print('read refused:', type(exc).__name__)\n"
            + "z = 0.0\n"
        },
        "network": {
            F1: UNHOOK
            + "import socket\ntry:\n"
            + f"    socket.create_connection(('127.0.0.1', {port}), timeout=1).sendall(b'x')\n"
            + "    print('connected')\n"
            + "except OSError as exc:\n    print('network refused:', type(exc).__name__)\n"
            + "z = 0.0\n"
        },
        "outlive": {
            F1: UNHOOK
            + "import subprocess\n"
            + f"subprocess.Popen(['sleep', '{MARKER}'], start_new_session=True)\n"
            + RIGHT_Z
        },
        "killer": {F1: UNHOOK + "import signal\nos.kill(-1, signal.SIGKILL)\n" + RIGHT_Z},
        "forkbomb": {
            F1: UNHOOK + "while True:\n    try:\n        os.fork()\n    except OSError:\n"
            "        pass\n"
        },
        "forger": {
            F13: "import os, sys, json\nf = sys._getframe()\n"
            "while 'token' not in f.f_locals:\n    f = f.f_back\n"
            "line = json.dumps({'status': 'ok', 'data': {'scores': [1.0] * 30}})\n"
            "os.write(1, b'\\n' + f.f_locals['token'].encode() + line.encode() + b'\\n')\n"
            "os._exit(0)\n"
        },
        "forge6": {
            F6: "import os, sys\nf = sys._getframe()\n"
            "while 'token' not in f.f_locals:\n    f = f.f_back\n"
            'line = \'{"status": "ok", "data": {"values": [Infinity, {"a": 1}, "\' '
            "+ 'y' * 1000 + '\", 1]}}'\n"
            "os.write(1, b'\\n' + f.f_locals['token'].encode() + line.encode() + b'\\n')\n"
            "os._exit(0)\n"
        },
        "nan": {F6: "def local_derivative(a, out):\n    return float('nan')\n"},
        "huge": {F6: "def local_derivative(a, out):\n    return 'x' * 10_000_000\n"},
        "hang": {
            F1: "import os, signal, time\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
            "os.close(1)\nos.close(2)\ntime.sleep(3600)\n"
        },
        "spam": {F1: "import os\nfor _ in range(64):\n    os.write(1, b'A' * 262144)\n" + RIGHT_Z},
        "memory": {F1: "x = bytearray(10 ** 10)\n"},
        "bom": {answer_file_name(1, WEIGHTED): "\ufeff" + RIGHT_Z},
        "a b": {F1: RIGHT_Z},
        "a_b": {F1: "z = 0.0\n"},
        "é": {F1: RIGHT_Z},
        "ü": {F1: "z = 0.0\n"},
        "grades.csv": {F1: RIGHT_Z},
        '=HYPERLINK("evil")': {F1: RIGHT_Z},
        '"><img src=x onerror=alert(2)>': {F1: RIGHT_Z},
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade the hostile class once through the CLI; returns (paths, stdout, rows, leaks)."""
    base = tmp_path_factory.mktemp("hostile")
    teacher = base / "teacher"
    teacher.mkdir()
    (teacher / "notes.txt").write_text("exam_password = 'hunter2'\n")
    root = base / "submissions"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.2)
    leaks: list[bytes] = []
    stop = threading.Event()

    def listen() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            leaks.append(conn.recv(100))
            conn.close()

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    for student, files in _attacks(teacher, root / "good", listener.getsockname()[1]).items():
        folder = root / student
        folder.mkdir(parents=True)
        for name, content in files.items():
            (folder / name).write_text(content, encoding="utf-8")
    odd = {"symlink": root / "symlink", "sparse": root / "sparse"}
    for folder in odd.values():
        folder.mkdir()
    os.symlink(teacher / "notes.txt", odd["symlink"] / answer_file_name(1, WEIGHTED))
    with open(odd["sparse"] / F1, "wb") as f:
        f.truncate(1024**3)  # 1 GB that takes no disk
    (root / "shape.ipynb").write_text("[1, 2, 3]")
    (root / "cells.ipynb").write_text('{"cells": 5}')
    (root / "deep.ipynb").write_text("[" * 100_000 + "]" * 100_000)
    before = _tree(base)
    out = base / "grades"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "nnscalar",
            "grade",
            str(root),
            "--seed",
            str(SEED),
            "--exercises",
            "1,6,13",
            "--time-limit",
            "2",
            "--jobs",
            "2",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    stop.set()
    thread.join()
    listener.close()
    assert done.returncode == 0, done.stderr
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    with open(out / "folders.csv", newline="", encoding="utf-8") as f:
        folders = {row["student"]: row["folder"] for row in csv.DictReader(f)}
    results = {
        student: json.loads((out / folder / "results.json").read_text(encoding="utf-8"))
        for student, folder in folders.items()
    }
    return {
        "base": base,
        "before": before,
        "after": _tree(base, skip=out),
        "rows": rows,
        "results": results,
        "folders": folders,
        "leaks": leaks,
        "stdout": done.stdout,
        "out": out,
    }


def _tree(base: Path, skip: Path | None = None) -> dict[str, str]:
    """Every file under `base` (but `skip`) with a hash of its bytes; links by their target."""
    found = {}
    for here, dirs, names in os.walk(base):
        if skip is not None and Path(here) == skip.parent and skip.name in dirs:
            dirs.remove(skip.name)
        for name in names:
            path = Path(here) / name
            if path.is_symlink():
                found[str(path)] = "-> " + os.readlink(path)
            elif path.stat().st_size < 10**6:
                found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                found[str(path)] = str(path.stat().st_size)
    return found


def _test(graded, student: str, number: int) -> dict:
    results = graded["results"][student]
    return next(t for t in results["tests"] if t["number"] == str(number))


def test_every_submission_has_a_row_and_teacher_files_are_untouched(graded):
    expected = set(_attacks(Path("t"), Path("c"), 1)) | {"symlink", "sparse"}
    expected |= {"shape", "cells", "deep"}
    assert set(graded["rows"]) == {_csv(s) for s in expected}
    assert set(graded["results"]) == {_csv(s) for s in expected}
    assert graded["after"] == graded["before"]  # submissions and teacher's notes as they were
    assert graded["leaks"] == []  # nothing reached the listening socket


def _csv(student: str) -> str:
    return "'" + student if student.startswith(("=", "+", "-", "@")) else student


def test_the_honest_student_is_graded_right_despite_the_class(graded):
    row = graded["rows"]["good"]
    assert (row["1-weighted-input"], row["6-new-op-backward"], row["total"]) == (
        "1.0",
        "1.0",
        "2.0",
    )


def test_tampering_with_the_audit_hook_gains_nothing(graded):
    output = _test(graded, "tamper", 1)["output"]
    assert "uid 0 " not in output  # never root
    if os.geteuid() == 0:
        assert "uid 16" in output  # a uid of its own, from the grader's high range
    assert output.count("write refused: ") == 3  # teacher's notes, a classmate, root's rc file
    assert "PWNED" not in (graded["base"] / "teacher" / "notes.txt").read_text()


def test_a_dir_fd_reaches_nothing_outside(graded):
    assert "FileNotFoundError" in _test(graded, "dirfd", 1)["output"]
    assert graded["rows"]["dirfd"]["1-weighted-input"] == "0.0"


def test_nobody_reads_another_students_files_or_the_teachers(graded):
    output = _test(graded, "reader", 1)["output"]
    assert output.count("read refused: FileNotFoundError") == 2
    assert not any("hunter2" in json.dumps(r) for r in graded["results"].values())


def test_the_network_is_not_there(graded):
    assert "network refused: " in _test(graded, "network", 1)["output"]


def test_no_process_outlives_its_check(graded):
    left = []
    for pid in os.listdir("/proc"):
        try:
            if MARKER.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                left.append(pid)
        except (OSError, ValueError):
            continue
    assert left == []
    assert graded["rows"]["outlive"]["1-weighted-input"] == "1.0"


def test_a_killer_or_a_fork_bomb_hurts_only_itself(graded):
    assert graded["rows"]["killer"]["1-weighted-input"] == "0.0"
    assert _test(graded, "forkbomb", 1)["output"].startswith("weighted-input: not yet")
    assert "time limit" in _test(graded, "forkbomb", 1)["output"]


def test_a_forged_result_cannot_pass(graded):
    assert graded["rows"]["forger"]["13-train-to-accuracy"] == "0.0"
    assert "test points right" in _test(graded, "forger", 13)["output"]


def test_odd_values_are_that_students_reason(graded):
    nan = _test(graded, "nan", 6)["output"]
    assert "returned nan, not a finite number" in nan
    huge = _test(graded, "huge", 6)["output"]
    assert len(huge) < 1000 and "returned 'xxxx" in huge
    forged = _test(graded, "forge6", 6)["output"]
    assert "returned inf, not a finite number" in forged
    assert "returned a dict, not a number" in forged and "yyyy…" in forged


def test_a_hanging_submission_is_stopped_at_its_limit(graded):
    assert "time limit: the code ran longer than 2 s" in _test(graded, "hang", 1)["output"]
    assert graded["rows"]["hang"]["problems"].startswith(
        "1: time limit: the code ran longer than 2 s and was stopped"
    )
    assert "Problems (" in graded["stdout"]


def test_output_is_clipped(graded):
    output = _test(graded, "spam", 1)["output"]
    assert len(output) < 6000 and "more characters" in output
    assert graded["rows"]["spam"]["1-weighted-input"] == "1.0"


def test_memory_and_bom(graded):
    assert "memory limit" in _test(graded, "memory", 1)["output"]
    assert graded["rows"]["bom"]["1-weighted-input"] == "1.0"


def test_links_giant_files_and_bad_notebooks_are_refused_with_a_reason(graded):
    assert "is a symbolic link" in _test(graded, "symlink", 1)["output"]
    assert "1073741824 bytes; at most" in _test(graded, "sparse", 1)["output"]
    assert "not a notebook (no list of cells)" in _test(graded, "shape", 1)["output"]
    assert "not a notebook (no list of cells)" in _test(graded, "cells", 1)["output"]
    assert "nested too deeply" in _test(graded, "deep", 1)["output"]


def test_every_student_has_a_folder_of_their_own(graded):
    folders = graded["folders"]
    assert len(set(folders.values())) == len(folders)
    assert folders["good"] == "good" and folders["a_b"] == "a_b"
    assert folders["a b"].startswith("a_b-") and folders["grades.csv"].startswith("grades.csv-")
    assert graded["results"]["a b"]["score"] == 1.0 and graded["results"]["a_b"]["score"] == 0.0
    assert graded["results"]["é"]["score"] == 1.0 and graded["results"]["ü"]["score"] == 0.0
    assert (graded["out"] / "grades.csv").is_file()
    assert graded["rows"]['\'=HYPERLINK("evil")']["total"] == "1.0"
    assert (graded["out"] / "grades.csv").stat().st_mode & 0o077 == 0  # the owner's only
    assert (graded["out"] / "good" / "results.json").stat().st_mode & 0o077 == 0


def test_sigterm_to_the_grader_kills_every_child(tmp_path):
    import signal
    import time

    marker = "37.2291"
    for i in range(3):
        folder = tmp_path / "subs" / f"s{i}"
        folder.mkdir(parents=True)
        (folder / F1).write_text(f"import time\ntime.sleep(60)  # {marker}\n")
    command = [sys.executable, "-m", "nnscalar", "grade", str(tmp_path / "subs"), "--seed", "1"]
    command += ["--exercises", "1", "--time-limit", "60", "--jobs", "3"]
    proc = subprocess.Popen(
        [*command, "--out", str(tmp_path / "out")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(sandboxes(proc.pid)) < 3:
        time.sleep(0.1)
    children = descendants(proc.pid)  # grading processes, their sandboxes, the student code
    assert len(sandboxes(proc.pid)) == 3  # one sandbox per student, all running
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "interrupted" in err
    time.sleep(0.5)
    assert [pid for pid in children if alive(pid)] == []
    assert not (tmp_path / "out").exists()


# A student who knows their printed seed rebuilds exercise 13's held-out labels from the package
# and hands in a lookup table instead of a model.
LOOKUP = (
    "from nnscalar.exercises.ex_training import _moons\n"
    "_, X_test, _, y_test = _moons({seed})\n"
    "TABLE = {{tuple(x): t for x, t in zip(X_test, y_test)}}\n\n"
    "class Lookup:\n    def predict(self, x):\n        return TABLE.get(tuple(x), 1.0)\n\n"
    "def train(X, y):\n    return Lookup()\n"
)


def test_the_course_secret_defeats_an_answer_key_built_from_the_package(tmp_path):
    from nnscalar.exercises import Limits
    from nnscalar.exercises.grading import grade_all

    (tmp_path / "mallory").mkdir()
    (tmp_path / "mallory" / F13).write_text(LOOKUP.format(seed=SEED))
    items = [(13, TRAIN)]
    limits = Limits(time=10.0)
    (practice,) = grade_all(tmp_path, items, SEED, False, limits=limits)
    assert practice.total == 1.0  # practice mode: the package and the seed are the key
    (graded,) = grade_all(tmp_path, items, SEED, False, limits=limits, secret="s" * 32)
    assert graded.total == 0.0
    assert "test points right" in graded.results[13].parts[0].message


def test_exercises_check_contains_every_attack_file(tmp_path):
    from nnscalar.exercises import Limits, check_files

    teacher, classmate = tmp_path / "teacher", tmp_path / "classmate"
    for folder in (teacher, classmate):
        folder.mkdir()
    (teacher / "notes.txt").write_text("exam_password = 'hunter2'\n")
    (classmate / F1).write_text(RIGHT_Z)
    before = _tree(tmp_path)
    by_file = {F1: WEIGHTED, F6: NEW_OP, F13: TRAIN}
    items = []
    for student, files in _attacks(teacher, classmate, 9).items():
        for name, content in files.items():
            if name in by_file and student not in ("good", "hang", "forkbomb"):  # slow ones: grade
                path = tmp_path / "attacks" / student.replace("/", "_") / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(content, encoding="utf-8")
                items.append((by_file[name], path, SEED))
    results = check_files(items, Limits(time=2.0))
    assert len(results) == len(items) == 19
    reports = "\n".join(str(r) for r in results)
    assert "hunter2" not in reports and "PWNED" not in reports
    assert _tree(tmp_path, skip=tmp_path / "attacks") == {
        k: v for k, v in before.items() if "/attacks/" not in k
    }


def test_a_checker_that_cannot_start_is_not_blamed_on_the_student(tmp_path):
    from nnscalar.exercises import Limits, check_files, load_path

    folder = tmp_path / "teacher"
    folder.mkdir()
    (folder / "gate.py").write_text(
        (Path(__file__).parents[1] / "examples" / "exercises" / "sigmoid_gate.py").read_text()
        + "\nimport os\nif os.environ.get('HOME') == '/work':  # only inside the sandbox\n"
        "    raise RuntimeError('the teacher file broke')\n"
    )
    assert load_path(folder)  # fine here, in the grader
    answer = tmp_path / "op.py"
    answer.write_text(NEW_OP.solution(SEED))
    (result,) = check_files([(NEW_OP, answer, SEED)], Limits(time=2.0), paths=[folder])
    assert result.error == (
        "the checker could not start (exit code 1; not the student's doing): "
        "RuntimeError: the teacher file broke"
    )
