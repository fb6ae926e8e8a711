"""The terminal walkthrough and `nnscalar step`: in-process, as a subprocess and through a pty."""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
from rich.console import Console

from nnscalar import Value
from nnscalar.cli import main
from nnscalar.expr import parse
from nnscalar.nn import MLP
from nnscalar.walkthrough import Score, Walkthrough

# x*y + x at x=3, y=-2: step 1 is n2 = n1 + x (grads n1: 1, x: 1), step 2 is n1 = x·y
# (grads x: 1 + (-2)·1 = -1, y: 3·1 = 3)
SHARED = ("x*y + x", "x=3,y=-2")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _walkthrough(answers: list[str]) -> tuple[Walkthrough, io.StringIO, list[str]]:
    """A walkthrough of SHARED that reads `answers` (then end of input) and records prompts."""
    out = io.StringIO()
    prompts: list[str] = []
    replies: Iterator[str] = iter(answers)

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        try:
            return next(replies)
        except StopIteration:
            raise EOFError from None

    root = parse(SHARED[0]).build({"x": 3.0, "y": -2.0})
    console = Console(file=out, width=100, color_system=None)
    return Walkthrough(root, console, ask, title=SHARED[0]), out, prompts


def test_show_all_prints_forward_table_every_step_and_final_grads() -> None:
    walkthrough, out, prompts = _walkthrough([])
    walkthrough.show_all()
    text = out.getvalue()
    assert prompts == []
    for line in (
        "Forward pass: x*y + x",
        "│ x·y         │ 3.0·(-2.0)   │",
        "Step 1 of 2: n2 = n1 + x",
        "Step 2 of 2: n1 = x·y",
        "local     ∂n1/∂x: d(a·b)/da = b = -2.0",
        "chain     ∂n2/∂x += ∂n2/∂n1 · ∂n1/∂x = 1.0 · (-2.0) = -2.0",
        "gradient  grad of x: 1.0 + (-2.0) = -1.0",
        "Gradients ∂n2/∂node after 2 of 2 steps",
    ):
        assert line in text
    assert re.search(r"│ x +│ +3\.0 │ +-1\.0 │ updated +│", text)
    assert re.search(r"│ y +│ +-2\.0 │ +3\.0 │ updated +│", text)


def test_browse_goes_next_previous_and_ends_after_the_last_step() -> None:
    walkthrough, out, prompts = _walkthrough(["n", "p", "p", "what", "", ""])
    assert walkthrough.browse() == 2
    text = out.getvalue()
    titles = re.findall(r"Step (\d) of 2", text)
    assert titles == ["1", "2", "1", "1", "1", "2"]
    assert "This is the first step." in text
    assert "'what' is not a key here." in text
    assert text.rstrip().endswith("Done: every gradient is filled in, as backward() computes it.")
    assert prompts[1] == "last step · Enter or n: next · p: previous · q: quit › "


def test_browse_stops_on_q_and_at_the_end_of_input() -> None:
    walkthrough, out, _ = _walkthrough(["q"])
    assert walkthrough.browse() == 1
    assert out.getvalue().rstrip().endswith("Stopped.")
    walkthrough, out, _ = _walkthrough(["n"])
    assert walkthrough.browse() == 2


def test_quiz_scores_right_and_wrong_answers_and_explains_a_miss() -> None:
    walkthrough, out, prompts = _walkthrough(["1", "oops", "1.004", "-3*1 + 2", "2"])
    assert walkthrough.quiz() == Score(asked=4, right=3, finished=True)
    text = out.getvalue()
    assert prompts[0] == "grad of n1 after this step (∂n2/∂n1) = "
    assert prompts[4] == "grad of y after this step (∂n2/∂y) = "
    assert "'oops' is not a number: type a number such as -1.5 (or q to stop)" in text
    assert text.count("✓ right") == 3
    assert (
        "✗ not quite: you gave 2.0, the gradient is 3.0\n  d(a·b)/db = a = 3.0\n"
        "  ∂n2/∂y += ∂n2/∂n1 · ∂n1/∂y = 1.0 · 3.0 = 3.0\n  grad of y: 0.0 + 3.0 = 3.0"
    ) in text
    assert text.rstrip().endswith("Score: 3 of 4 right (75%)")


def test_quiz_can_stop_early() -> None:
    walkthrough, out, _ = _walkthrough(["5", "q"])
    assert walkthrough.quiz() == Score(asked=1, right=0, finished=False)
    assert out.getvalue().rstrip().endswith("Stopped. Score: 0 of 1 right (0%)")


def test_a_parent_used_twice_is_asked_once_for_its_gradient_after_the_step() -> None:
    out = io.StringIO()
    prompts: list[str] = []
    replies = iter(["6"])  # d(x·x)/dx = 2x = 6: both edges added, not the first edge's 3

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        return next(replies)

    root = parse("x*x").build({"x": 3.0})
    walkthrough = Walkthrough(root, Console(file=out, width=100, color_system=None), ask)
    assert walkthrough.quiz() == Score(asked=1, right=1, finished=True)
    assert prompts == ["grad of x after this step (∂n1/∂x; x enters 2 times) = "]
    # the ✓ goes on the last edge of x, whose update gives the answer
    assert re.findall(r"to x(?: ✓)?", out.getvalue()) == ["to x", "to x ✓"]


def test_a_miss_on_a_parent_used_twice_shows_both_edges() -> None:
    out = io.StringIO()
    root = parse("x*x").build({"x": 3.0})
    Walkthrough(root, Console(file=out, width=100, color_system=None), lambda p: "3").quiz()
    assert (
        "✗ not quite: you gave 3.0, the gradient is 6.0\n"
        "  d(a·b)/da = b = 3.0\n  ∂n1/∂x += ∂n1/∂n1 · ∂n1/∂x = 1.0 · 3.0 = 3.0\n"
        "  grad of x: 0.0 + 3.0 = 3.0\n"
        "  d(a·b)/db = a = 3.0\n  ∂n1/∂x += ∂n1/∂n1 · ∂n1/∂x = 1.0 · 3.0 = 3.0\n"
        "  grad of x: 3.0 + 3.0 = 6.0"
    ) in out.getvalue()


@pytest.mark.parametrize("mode", ["browse", "show_all", "quiz"])
def test_a_leaf_has_nothing_to_step_through(mode: str) -> None:
    out = io.StringIO()
    walkthrough = Walkthrough(Value(2.0, label="x"), Console(file=out, width=80), lambda p: "")
    result = getattr(walkthrough, mode)()
    assert result == {"browse": 0, "show_all": None, "quiz": Score(0, 0, finished=True)}[mode]
    text = out.getvalue()
    assert text.rstrip().endswith("The output is a leaf: there is nothing to propagate.")
    assert "Backward starts" not in text and "Gradients" not in text


# --- the command line (in-process: its own output is not a terminal) --------------------------


def _step(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["step", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _wide_output(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")


def test_cli_prints_every_step_when_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _step(
        capsys, "tanh(x1*w1 + x2*w2 + b)", "--set", "x1=2,x2=0,w1=-3,w2=1,b=6.88"
    )
    assert (code, err) == (0, "")
    assert re.findall(r"Step (\d) of 5", out) == ["1", "2", "3", "4", "5"]
    assert "local     ∂n5/∂n4: d(tanh(a))/da = 1 − out² = 1 − 0.7064² = 0.501" in out
    assert re.search(r"│ x1 +│ +2\.0 │ +-1\.503 │ updated +│", out)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x*y", "--set", "x=1,y"], "expected name=number, found 'y' at column 5"),
        (["x*y", "--set", "x=1,y=two"], "the value of y is 'two', which is not a number"),
        (["x*y", "--set", "x=1"], "no value given for 'y' at column 3"),
        (["x*y", "--set", "x=1,y=2,z=3"], "a value is given for 'z', which the expression"),
        (["tanhh(x)", "--set", "x=1"], "unknown function 'tanhh' at column 1; did you mean"),
        ([], "give exactly one of: an expression (with --set) or --model PATH"),
        (["x", "--set", "x=1", "--input", "1"], "--input goes with --model"),
    ],
)
def test_cli_errors_say_what_is_wrong(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = _step(capsys, *args)
    assert (code, out) == (1, "")
    assert err.startswith("nnscalar step: error: ")
    assert message in err


def test_cli_steps_through_a_saved_model_on_one_sample(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = str(tmp_path / "model.json")
    MLP(2, [2, 1], activation="tanh", seed=0).save(path)
    code, out, _ = _step(capsys, "--model", path, "--input", "0.5,-1", "--all")
    assert code == 0
    assert len(re.findall(r"Step \d+ of 14:", out)) == 14
    assert "Step 1 of 14: L2.N1.z = n9 + L2.N1.b" in out
    assert "Step 14 of 14: n1 = L1.N1.w1·x1" in out
    code, out, _ = _step(capsys, "--model", path, "--input", "0.5,-1", "--fused")
    assert "Step 5 of 5: L1.N1.z = L1.N1.w1·x1 + L1.N1.w2·x2 + L1.N1.b" in out
    code, _, err = _step(capsys, "--model", path)
    assert (code, err) == (
        1,
        "nnscalar step: error: --model needs one sample: --input X1,X2,... (e.g. --input 0.5,-1)\n",
    )
    code, _, err = _step(capsys, "--model", path, "--input", "1,2", "--output", "2")
    assert "--output 2: the model has 1 output(s); valid: 1 to 1" in err


def test_cli_writes_the_page(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "walk.html"
    code, out, _ = _step(capsys, "x*y + x", "--set", "x=3,y=-2", "--html", str(target))
    assert (code, out) == (0, f"wrote {target}\n")
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<svg") == 1


# --- through a real terminal ------------------------------------------------------------------


def _spawn(*args: str) -> pexpect.spawn:
    env = {**os.environ, "NO_COLOR": "1", "TERM": "xterm"}
    return pexpect.spawn(
        sys.executable,
        ["-m", "nnscalar", "step", SHARED[0], "--set", SHARED[1], *args],
        encoding="utf-8",
        dimensions=(50, 110),
        timeout=20,
        env=env,
    )


def _plain(text: str) -> str:
    return ANSI.sub("", text)


def test_terminal_next_previous_quit() -> None:
    child = _spawn()
    child.expect_exact("Step 1 of 2: n2 = n1 + x")
    child.expect_exact("Enter or n: next")
    child.sendline("n")
    child.expect_exact("Step 2 of 2: n1 = x·y")
    screen = child.before
    child.expect_exact("last step · Enter or n: next")
    assert "grad of x: 1.0 + (-2.0) = -1.0" in _plain(screen + child.before)
    child.sendline("p")
    child.expect_exact("Step 1 of 2: n2 = n1 + x")
    child.expect_exact("Enter or n: next")
    child.sendline("q")
    child.expect_exact("Stopped.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_terminal_quiz_with_right_and_wrong_answers() -> None:
    child = _spawn("--quiz")
    child.expect_exact("grad of n1 after this step (∂n2/∂n1) = ")
    child.sendline("1")
    child.expect_exact("✓ right")
    child.expect_exact("grad of x after this step (∂n2/∂x) = ")
    child.sendline("1")
    child.expect_exact("✓ right")
    child.expect_exact("grad of x after this step (∂n2/∂x) = ")
    child.sendline("-1")
    child.expect_exact("grad of y after this step (∂n2/∂y) = ")
    child.sendline("5")
    child.expect_exact("✗ not quite")
    child.expect(pexpect.EOF)
    rest = _plain(child.before)
    assert "you gave 5.0, the gradient is 3.0" in rest
    assert "grad of y: 0.0 + 3.0 = 3.0" in rest
    assert rest.rstrip().endswith("Score: 3 of 4 right (75%)")
    child.close()
    assert child.exitstatus == 0
