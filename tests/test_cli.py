"""The command line as a user runs it: a subprocess."""

from __future__ import annotations

import subprocess
import sys

import nnscalar


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nnscalar", *args], capture_output=True, text=True, timeout=120
    )


def test_version():
    result = run("--version")
    assert result.returncode == 0
    info = nnscalar.core.engine_info()  # the subprocess inherits NNSCALAR_PURE, so it agrees
    what = "compiled core" if info["core"] == "compiled" else "readable engine"
    assert result.stdout.strip() == f"nnscalar {nnscalar.__version__}, {what} ({info['reason']})"


def test_help_lists_the_program():
    result = run("--help")
    assert result.returncode == 0
    assert "usage: nnscalar" in result.stdout


def test_unknown_command_is_a_usage_error():
    result = run("no-such-command")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_an_unreadable_file_is_an_error_message_not_a_traceback(tmp_path):
    missing = tmp_path / "no-such-model.json"
    result = run("draw", "--model", str(missing), "-o", str(tmp_path / "net.svg"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "no-such-model.json" in result.stderr


def test_no_command_points_a_newcomer_at_tour_step_and_train():
    result = run()
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"nnscalar {nnscalar.__version__}: ")
    starts = [line.split()[1] for line in lines if line.startswith("  nnscalar ")]
    assert starts == ["tour", "step", "train"]


def test_step_refuses_a_big_model_and_steps_through_one_neuron_of_it(tmp_path):
    from nnscalar import MLP

    path = tmp_path / "model.json"
    model = MLP(2, [16, 16, 1], seed=0)
    model.save(path)
    result = run("step", "--model", str(path), "--input", "0.5,-1", "--all")
    assert result.returncode == 1
    assert "2 → 16 → 16 → 1 makes a graph of 640 backward steps" in result.stderr
    assert "--neuron L1.N1 (a first-layer neuron, 2 inputs)" in result.stderr
    assert "--neuron L3.N1 (the output, 16 inputs)" in result.stderr
    # one neuron: x1·w1 + x2·w2 + b, relu — five steps, its inputs the sample's numbers
    result = run("step", "--model", str(path), "--input", "0.5,-1", "--neuron", "L1.N1", "--all")
    assert result.returncode == 0, result.stderr
    assert "Step 5 of 5" in result.stdout and "Step 6" not in result.stdout
    w1, w2 = (w.data for w in model.layers[0].neurons[0].weights)
    slope = 1.0 if 0.5 * w1 - w2 > 0 else 0.0
    assert f"grad of L1.N1.w1: 0.0 + {0.5 * slope} = {0.5 * slope}" in result.stdout
    result = run("step", "--model", str(path), "--input", "0.5,-1", "--neuron", "L9.N1")
    assert result.returncode == 1
    assert "--neuron 'L9.N1': the model has no such neuron; valid: L1.N1 … L3.N1" in result.stderr
