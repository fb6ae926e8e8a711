"""`nnscalar build step` and `build draw`: an expression built by the student's own engine in the
sandbox, stepped through and drawn with its numbers, their backward() set beside the chain rule
and nnscalar — on the model solution, on two typical mistakes, and on micrograd."""

from __future__ import annotations

import importlib.util
import math
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from nnscalar import topological_order
from nnscalar.cli import main
from nnscalar.errors import ConfigError
from nnscalar.track import start
from nnscalar.track.graph import compare, student_graph, wrong_local

EXPRESSION, VALUES = "tanh(a*b + a)", {"a": 1.5, "b": -0.5}
SET = "a=1.5,b=-0.5"
# by hand: x = a·b + a = 0.75, out = tanh(x), d = 1 - out²; ∂out/∂b = d·a, ∂out/∂a = d·(b + 1)
OUT = math.tanh(0.75)
D = 1 - OUT**2
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The model solution, and two copies each with one typical mistake in engine.py."""
    root = tmp_path_factory.mktemp("graphs")
    right = root / "right" / "mygrad"
    start(right, seed=3, solution=True)
    folders = {"right": right}
    for name, old, new in (
        (
            "assign",
            "    parent.grad += local * node.grad\n",
            "    parent.grad = local * node.grad\n",
        ),
        ("tanh of x", '"tanh", (1.0 - out * out,))', '"tanh", (1.0 - self.data**2,))'),
    ):
        folder = root / name.replace(" ", "-") / "mygrad"
        folder.mkdir(parents=True)
        for path in right.glob("*.py"):
            text = path.read_text()
            if path.name == "engine.py":
                assert text.count(old) == 1
                text = text.replace(old, new)
            (folder / path.name).write_text(text)
        folders[name] = folder
    return folders


def _grads(graph) -> dict[str, tuple[float, float, float | None]]:
    return {row.name: (row.yours, row.chain, row.nnscalar) for row in compare(graph)}


def test_the_solution_builds_the_graph_nnscalar_builds(packages: dict[str, Path]) -> None:
    graph = student_graph(packages["right"], EXPRESSION, VALUES, isolation="none")
    assert graph.backward_error == ""
    assert [n.op for n in topological_order(graph.root)] == ["", "", "*", "+", "tanh"]
    assert graph.root.data == pytest.approx(OUT, rel=1e-15)
    grads = _grads(graph)
    assert grads["a"] == pytest.approx((D * 0.5, D * 0.5, D * 0.5))
    assert grads["b"] == pytest.approx((D * 1.5, D * 1.5, D * 1.5))
    assert grads["n3"] == (1.0, 1.0, 1.0)
    assert not any(r.backward_wrong or r.local_wrong for r in compare(graph))
    assert wrong_local(graph) == ""


def test_assign_for_plus_equals_shows_in_their_grads_not_in_the_chain_rule(
    packages: dict[str, Path],
) -> None:
    graph = student_graph(packages["assign"], EXPRESSION, VALUES, isolation="none")
    rows = {row.name: row for row in compare(graph)}
    # backward() kept only a's last share, d·b; the chain rule adds d·1 from `+ a` too
    assert rows["a"].yours == pytest.approx(D * -0.5)
    assert rows["a"].chain == pytest.approx(D * 0.5) == rows["a"].nnscalar
    assert rows["a"].backward_wrong and not rows["a"].local_wrong
    assert not rows["b"].backward_wrong


def test_a_wrong_local_derivative_shows_in_the_chain_rule(packages: dict[str, Path]) -> None:
    graph = student_graph(packages["tanh of x"], EXPRESSION, VALUES, isolation="none")
    tanh = graph.root
    assert tanh.local_grads == (pytest.approx(1 - 0.75**2),)  # 0.4375, not 1 - out²
    rows = {row.name: row for row in compare(graph)}
    assert rows["b"].yours == rows["b"].chain == pytest.approx(0.4375 * 1.5)
    assert rows["b"].nnscalar == pytest.approx(D * 1.5)
    assert rows["b"].local_wrong and not rows["b"].backward_wrong
    assert wrong_local(graph) == "n3 = tanh(n2): your ∂n3/∂n2 is 0.4375; 1 − out² gives 0.5966"


def test_before_backward_works_the_steps_show_what_it_must_do(
    packages: dict[str, Path], tmp_path: Path, capsys
) -> None:
    folder = tmp_path / "mygrad"
    start(folder)  # the skeleton, with the model solution's engine.py ...
    engine = (packages["right"] / "engine.py").read_text()
    backward = engine.index("        order = topological_order(self)")
    rest = engine.index("def topological_order")
    engine = engine[:backward] + '        raise NotImplementedError("task 4")\n\n\n' + engine[rest:]
    (folder / "engine.py").write_text(engine)  # ... but backward() not written yet
    graph = student_graph(folder, EXPRESSION, VALUES, isolation="none")
    assert graph.backward_error.endswith("NotImplementedError: task 4")
    assert {r.name: r.chain for r in compare(graph)}["b"] == pytest.approx(D * 1.5)
    args = [EXPRESSION, "--set", SET, "--isolation", "none", "--all"]
    assert main(["build", "step", str(folder), *args]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "Step 3 of 3: n1 = a·b" in out
    assert "NotImplementedError: task 4; the steps above are the chain rule" in out


def test_micrograd_by_its_package_name() -> None:
    pytest.importorskip("micrograd.engine")
    graph = student_graph("micrograd", "relu(a*b + a) - a/b", {"a": 2.0, "b": -3.0}, "none")
    rows = compare(graph)
    assert graph.root.data == pytest.approx(2 / 3)
    named = {r.name: (r.yours, r.chain, r.nnscalar) for r in rows if r.name in ("a", "b")}
    assert named == {"a": pytest.approx((1 / 3,) * 3), "b": pytest.approx((2 / 9,) * 3)}
    # micrograd writes a - b as a + (-b) and a / b as a · b**-1: its own graph, as it built it
    assert sorted({n.op for n in topological_order(graph.root)}) == [
        "",
        "*",
        "**",
        "+",
        "relu",
    ]


def test_bad_input_is_refused_by_name(packages: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="uses no name"):
        student_graph(packages["right"], "2*3", {}, "none")
    with pytest.raises(ConfigError, match="'a' is a single name: there is no operation"):
        student_graph(packages["right"], "a", {"a": 1.0}, "none")
    with pytest.raises(ConfigError, match=r"leaky_relu\(…\) with a parameter"):
        student_graph(packages["right"], "leaky_relu(a, 0.1)", {"a": 1.0}, "none")
    with pytest.raises(ConfigError, match="neither a folder nor an installed package"):
        student_graph(tmp_path / "nothing", "a", {"a": 1.0}, "none")
    skeleton = tmp_path / "mygrad"
    start(skeleton)
    with pytest.raises(ConfigError, match="NotImplementedError: task 1"):
        student_graph(skeleton, "a*b", {"a": 1.0, "b": 2.0}, "none")


def test_the_cli_draws_and_steps(packages: dict[str, Path], tmp_path: Path, capsys) -> None:
    svg = tmp_path / "graph.svg"
    args = [EXPRESSION, "--set", SET, "--isolation", "none"]
    assert main(["build", "draw", str(packages["assign"]), *args]) == 0
    assert "grad -0.2983" in capsys.readouterr().out  # the DOT text, with their wrong grad of a
    assert main(["build", "draw", str(packages["assign"]), *args, "-o", str(svg)]) == 0
    assert "<svg" in svg.read_text() and "&#45;0.2983" in svg.read_text()  # Graphviz writes −
    capsys.readouterr()
    assert main(["build", "step", str(packages["right"]), *args, "--all"]) == 0
    out = capsys.readouterr().out
    assert "Step 3 of 3: n1 = a·b" in out
    assert "✓ Your backward() agrees with the chain rule and with nnscalar." in out
    assert main(["build", "step", str(packages["assign"]), *args, "--all"]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "✗ Your backward() left a.grad = -0.2983, but the chain rule on your own graph " in out
    assert "gives 0.2983" in out
    page = tmp_path / "step.html"
    assert main(["build", "step", str(packages["right"]), *args, "--html", str(page)]) == 0
    assert page.read_text().startswith("<!DOCTYPE html>")


def _spawn(folder: Path) -> pexpect.spawn:
    return pexpect.spawn(
        sys.executable,
        ["-m", "nnscalar", "build", "step", str(folder), EXPRESSION, "--set", SET],
        encoding="utf-8",
        dimensions=(24, 80),
        timeout=60,
        env={**os.environ, "NO_COLOR": "1", "TERM": "xterm"},
    )


def _screen(child: pexpect.spawn) -> str:
    return " ".join(ANSI.sub("", child.before).split())


def test_stepping_a_wrong_tanh_in_a_terminal_shows_its_wrong_grad(
    packages: dict[str, Path],
) -> None:
    child = _spawn(packages["tanh of x"])  # bubblewrap, as a student's run would be
    child.expect_exact("Enter: start backward")
    child.sendline("")
    child.expect_exact("Enter or n: next")
    step = _screen(child)
    # their local derivative, 1 - x² = 0.4375, where the formula with out gives 0.5966
    assert "Step 1 of 3: n3 = tanh(n2)" in step
    assert "1 − out² = 1 − 0.6351² = 0.4375" in step
    assert "grad of n2: 0.0 + 0.4375 = 0.4375" in step
    child.sendline("n")
    child.expect_exact("Enter or n: next")
    child.sendline("n")
    child.expect_exact("last step")
    child.sendline("")
    child.expect_exact("gives 0.5966.")
    verdict = _screen(child)
    assert "✗ b.grad is 0.6562; nnscalar gives 0.8949: a local derivative is wrong." in verdict
    assert verdict.endswith("n3 = tanh(n2): your ∂n3/∂n2 is 0.4375; 1 − out²")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1


def test_stepping_the_solution_in_a_terminal(packages: dict[str, Path]) -> None:
    child = _spawn(packages["right"])
    child.expect_exact("Enter: start backward")
    child.sendline("")
    for _ in range(3):
        child.expect_exact("Enter or n: next")
        child.sendline("")
    child.expect_exact("✓ Your backward() agrees with the chain rule and with nnscalar.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_the_track_readme_commands_and_code_run_as_written(packages: dict[str, Path]) -> None:
    folder = packages["right"]  # a package named mygrad: its README says mygrad/
    text = (folder / "README.md").read_text()
    commands = [
        line
        for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S)
        for line in block.splitlines()
    ]
    code = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert commands[:2] == [
        'nnscalar build step mygrad/ "tanh(a*b + a)" --set a=1.5,b=-0.5',
        'nnscalar build draw mygrad/ "tanh(a*b + a)" --set a=1.5,b=-0.5 -o graph.svg',
    ]
    has_micrograd = importlib.util.find_spec("micrograd") is not None
    for line in commands if has_micrograd else commands[:2]:
        run = subprocess.run(
            [sys.executable, "-m", *shlex.split(line)],
            cwd=folder.parent,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, (line, run.stdout[-2000:], run.stderr)
        if "build step" in line:
            assert "✓ Your backward() agrees with the chain rule and with nnscalar." in run.stdout
    assert (folder.parent / "graph.svg").read_text().count("<svg") == 1
    outputs = []
    for block in code if has_micrograd else code[:1]:
        run = subprocess.run(
            [sys.executable, "-c", block], cwd=folder.parent, capture_output=True, text=True
        )
        assert run.returncode == 0, (block, run.stderr)
        outputs.append(run.stdout)
    assert "Step 2 of 2: n2 = n1·n1" in outputs[0]  # a*a + a, in the student's engine
    assert (folder.parent / "step.html").is_file()
    assert has_micrograd == (folder.parent / "micrograd.svg").is_file()
