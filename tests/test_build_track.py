"""The build track: the model solution passes every hidden check, each typical mistake is named,
and the skeleton's visible tests fail untouched and pass on the solution."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from nnscalar import topological_order
from nnscalar.cli import main
from nnscalar.track import check, start
from nnscalar.track.checker import reference

SEED = 11

# (name, old text of the solution's engine.py, new text, task that fails, words of the diagnosis)
ENGINE_MISTAKES = [
    (
        "assign",
        "                parent.grad += local * node.grad\n",
        "                parent.grad = local * node.grad\n",
        4,
        "`=` instead of `+=`",
    ),
    (
        "recursive",
        """    order, seen = [], set()
    stack = [(root, False)]""",
        """    order, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            for p in node.parents:
                visit(p)
            order.append(node)

    visit(root)
    stack = []""",
        3,
        "recursive",
    ),
    ("order", "    return order\n", "    return order[::-1]\n", 3, "wrong topological order"),
    (
        "no local_grads",
        "        self.local_grads = tuple(local_grads)  # d(self)/d(parent), one per parent\n",
        "",
        2,
        "has no `local_grads`",
    ),
    (
        "missing term",
        '"*", (other.data, self.data))',
        '"*", (other.data,))',
        2,
        "missing local derivative term",
    ),
    (
        "no reset",
        "            if node.parents:  # results",
        "            if False:  # results",
        5,
        "gradients not reset",
    ),
    (
        "tanh of x",
        '"tanh", (1.0 - out * out,))',
        '"tanh", (1.0 - self.data**2,))',
        2,
        "in terms of x",
    ),
]


# the same for nn.py, train.py and gradcheck.py
NET_MISTAKES = [
    ("bias", "nn.py", "        z = self.bias\n", "        z = 0.0\n", 6, "the bias is missing"),
    (
        "ascent",
        "train.py",
        "p.data -= learning_rate * p.grad",
        "p.data += learning_rate * p.grad",
        8,
        "up the gradient",
    ),
    (
        "train without zero_grad",
        "train.py",
        "        zero_grad(model.parameters())\n        value = loss(",
        "        value = loss(",
        8,
        "gradients not reset between steps",
    ),
    (
        "hinge without max",
        "train.py",
        "(1.0 - y * p).relu() + total",
        "(1.0 - y * p) + total",
        8,
        "max(0, ·) is missing",
    ),
    (
        "hinge margin sign",
        "train.py",
        "(1.0 - y * p).relu() + total",
        "(1.0 + y * p).relu() + total",
        8,
        "the margin's sign is turned",
    ),
    (
        "mse sum",
        "train.py",
        "        total = (p - y) ** 2 + total\n    return total * (1.0 / len(predictions))",
        "        total = (p - y) ** 2 + total\n    return total",
        8,
        "the sum, not the mean",
    ),
    (
        "train ignores its loss",
        "train.py",
        "        value = loss([model(x)[0] for x in xs], ys)",
        "        value = mse([model(x)[0] for x in xs], ys)",
        8,
        "must use the loss it is given",
    ),
    (
        "train stops stepping",
        "train.py",
        "        sgd_step(model.parameters(), learning_rate)\n        losses",
        "        if len(losses) < 15:\n            sgd_step(model.parameters(), learning_rate)\n"
        "        losses",
        8,
        "did not learn moons",
    ),
    (
        "no share",
        "train.py",
        "loss = mse(predictions, batch_y) * (len(batch_x) / n)",
        "loss = mse(predictions, batch_y)",
        9,
        "without scaling by the share",
    ),
    (
        "reset per mini-batch",
        "train.py",
        "        predictions = [model(x)[0] for x in batch_x]\n",
        "        zero_grad(model.parameters())\n"
        "        predictions = [model(x)[0] for x in batch_x]\n",
        9,
        "gradients reset between mini-batches",
    ),
    (
        "gradcheck without backward",
        "gradcheck.py",
        "    f(values).backward()\n",
        "",
        10,
        "for a correct engine",
    ),
]
MISTAKES = [(name, "engine.py", *rest) for name, *rest in ENGINE_MISTAKES] + NET_MISTAKES


@pytest.fixture(scope="module")
def solution(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("track") / "mygrad"
    start(folder, seed=SEED, solution=True)
    return folder


def test_the_model_solution_passes_every_task(solution: Path) -> None:
    results = check(solution, seed=SEED, isolation="none")
    assert [(r.number, r.passed, r.diagnosis) for r in results] == [
        (n, True, ()) for n in range(1, 11)
    ]
    # task 8 trained the solution's MLP with its own train() and hinge, and says how well
    (note,) = results[7].notes
    assert note.startswith(
        "moons: 97% of 100 held-out points right after 150 steps of your train() with hinge "
        "(90% needed; loss 0.839 → 0.000 in "
    ), note


@pytest.mark.parametrize(
    ("name", "file", "old", "new", "task", "words"), MISTAKES, ids=[m[0] for m in MISTAKES]
)
def test_each_typical_mistake_is_named(
    solution: Path, tmp_path: Path, name: str, file: str, old: str, new: str, task: int, words: str
) -> None:
    folder = tmp_path / "mygrad"
    folder.mkdir()
    for path in solution.glob("*.py"):
        (folder / path.name).write_text(path.read_text())
    text = (folder / file).read_text()
    assert text.count(old) == 1, name
    (folder / file).write_text(text.replace(old, new))
    tasks = [n for n in range(1, task + 1) if n != 8 or task == 8]  # 8 trains for seconds
    results = {r.number: r for r in check(folder, tasks, seed=SEED, isolation="none")}
    assert not results[task].passed
    assert words in " ".join(results[task].diagnosis), results[task]
    assert all(results[n].passed for n in tasks[:-1]), [str(r) for r in results.values()]


def test_the_cli_exit_status_and_report(solution: Path, tmp_path: Path, capsys) -> None:
    assert main(["build", "check", "--seed", str(SEED), "--isolation", "none", str(solution)]) == 0
    out = capsys.readouterr().out
    assert "10/10 tasks passed" in out and "moons: 97% of 100 held-out points" in out
    skeleton = tmp_path / "mygrad"
    assert main(["build", "start", "--out", f"{skeleton}/", "--seed", str(SEED)]) == 0
    assert capsys.readouterr().out.endswith(f"read {skeleton}/README.md.\n")  # one slash
    code = main(["build", "check", "--task", "1", "--isolation", "none", str(skeleton)])
    out = capsys.readouterr().out
    assert code == 1
    assert "task  1 FAILED" in out and "NotImplementedError: task 1" in out
    assert "0/1 tasks passed" in out


def test_start_refuses_a_folder_with_files(solution: Path, capsys) -> None:
    assert main(["build", "start", "--out", str(solution)]) == 1
    assert "already exists" in capsys.readouterr().err


def _pytest(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"{folder.name}/tests"],
        cwd=folder.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_visible_tests_fail_on_the_skeleton_and_pass_on_the_solution(
    solution: Path, tmp_path: Path
) -> None:
    skeleton = tmp_path / "mygrad"
    start(skeleton, seed=SEED)
    done = _pytest(skeleton)
    assert done.returncode == 1 and "20 failed" in done.stdout, done.stdout
    done = _pytest(solution)
    assert done.returncode == 0 and "20 passed" in done.stdout, done.stdout


def test_reference_local_derivatives_per_operand() -> None:
    ref = reference([["leaf", 3.0], ["*", ["v", 0], ["v", 0]], ["/", ["c", 2.0], ["v", 0]]])
    assert ref.local[1] == [3.0, 3.0]  # a * a: one derivative per edge
    assert ref.local[2] == [None, pytest.approx(-2.0 / 9.0)]
    assert ref.data == [3.0, 9.0, pytest.approx(2.0 / 3.0)]


def _mutant(solution: Path, folder: Path, old: str, new: str) -> Path:
    folder.mkdir()
    for path in solution.glob("*.py"):
        (folder / path.name).write_text(path.read_text())
    engine = (folder / "engine.py").read_text()
    assert engine.count(old) == 1
    (folder / "engine.py").write_text(engine.replace(old, new))
    return folder


def test_a_loop_that_never_ends_is_stopped_at_the_time_limit(solution: Path, tmp_path) -> None:
    folder = _mutant(
        solution,
        tmp_path / "mygrad",
        "    def __add__(self, other):\n",
        "    def __add__(self, other):\n        while True:\n            pass\n",
    )
    (result,) = check(folder, [1], seed=SEED, isolation="none")
    assert not result.passed and "time limit" in result.diagnosis[0]


def test_a_syntax_error_names_the_file_and_line(solution: Path, tmp_path) -> None:
    folder = _mutant(
        solution,
        tmp_path / "mygrad",
        "    def __add__(self, other):\n",
        "    def __add__(self, other)\n",
    )
    (result,) = check(folder, [1], seed=SEED, isolation="none")
    line = next(
        n
        for n, text in enumerate((folder / "engine.py").read_text().splitlines(), 1)
        if "def __add__" in text
    )
    assert result.diagnosis == (
        "importing your package failed: SyntaxError in student/engine.py line "
        f"{line}: expected ':'",
    )


def test_a_failed_expression_is_drawn_as_built_and_as_nnscalar_builds_it(
    solution: Path, tmp_path: Path, capsys
) -> None:
    old, new = ENGINE_MISTAKES[0][1:3]  # `=` instead of `+=`
    folder = _mutant(solution, tmp_path / "mygrad", old, new)
    (result,) = check(folder, [4], seed=SEED, isolation="none")
    yours, nnscalars = result.graphs
    assert yours.data == pytest.approx(nnscalars.data) and yours.grad == nnscalars.grad == 1.0
    mine = {n.label: n.grad for n in topological_order(yours) if n.label}
    right = {n.label: n.grad for n in topological_order(nnscalars)}
    assert mine.keys() == right.keys()
    assert any(mine[k] != pytest.approx(right[k]) for k in mine)  # the shared node's grad
    pictures = tmp_path / "pictures"
    args = ["build", "check", "--task", "4", "--isolation", "none", "--seed", str(SEED)]
    assert main([*args, "--graphs", str(pictures), str(folder)]) == 1
    assert sorted(p.name for p in pictures.iterdir()) == ["task4-nnscalar.svg", "task4-yours.svg"]
    assert "<svg" in (pictures / "task4-yours.svg").read_text()
