"""Each demo runs as a script (short versions: NNSCALAR_QUICK=1) and prints what it teaches."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

DEMOS = Path(__file__).resolve().parent.parent / "demos"


def run_demo(name: str, out: Path) -> str:
    env = {**os.environ, "NNSCALAR_QUICK": "1"}
    done = subprocess.run(
        [sys.executable, str(DEMOS / name), str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def numbers(line: str) -> list[float]:
    return [float(x) for x in re.findall(r"[-+]?\d+\.\d+(?:e[-+]?\d+)?", line)]


def test_a_linear_neuron_finds_the_least_squares_line(tmp_path: Path) -> None:
    trained, exact, difference = run_demo("linear_neuron.py", tmp_path).splitlines()
    assert trained == "trained neuron: w = 1.954451  b = -0.991087"
    assert exact == "least squares:  w = 1.954451  b = -0.991087"
    assert numbers(difference)[0] < 1e-12


def test_xor_needs_a_hidden_layer(tmp_path: Path) -> None:
    linear, hidden = run_demo("xor.py", tmp_path).splitlines()
    assert linear.startswith("2 → 1 ") and numbers(linear)[0] <= 75.0
    assert hidden == "2 → 4 → 1  accuracy 100.0%"


def test_the_moons_classifier_learns_and_draws(tmp_path: Path) -> None:
    lines = run_demo("moons.py", tmp_path).splitlines()
    assert numbers(lines[0])[0] >= 90.0 and numbers(lines[1])[0] >= 90.0
    for name in ("decision_boundary", "training_curves", "network", "neuron"):
        assert (tmp_path / f"{name}.png").stat().st_size > 5000
        assert (tmp_path / f"{name}.svg").read_text().lstrip().startswith("<?xml")


def test_accumulation_matches_the_full_batch_in_less_memory(tmp_path: Path) -> None:
    lines = run_demo("accumulation.py", tmp_path).splitlines()
    full, accumulated = (line.split(maxsplit=2)[-1] for line in lines[1:3])
    assert full == accumulated and len(numbers(full)) == 5
    assert numbers(lines[3])[0] < 1e-12
    assert numbers(lines[5])[0] >= 3.0  # memory ratio


def test_sine_regression_fits(tmp_path: Path) -> None:
    lines = run_demo("sine.py", tmp_path).splitlines()
    assert numbers(lines[0])[0] < 0.03
    assert numbers(lines[1])[0] < 0.5
    assert (tmp_path / "sine.png").exists()
    svg = (tmp_path / "sine.svg").read_text()  # text stays text in nnscalar's SVGs
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "a 1 → 12 → 12 → 1 tanh network fits y = sin x (40 epochs, Adam)" in texts
    assert "x" in texts and "y" in texts  # the axes say what they are


def test_every_optimizer_trains_and_is_plotted(tmp_path: Path) -> None:
    lines = run_demo("optimizers.py", tmp_path).splitlines()
    losses = {line[:13].strip(): numbers(line)[0] for line in lines[:6]}
    assert list(losses) == ["SGD", "SGD momentum", "Adagrad", "RMSprop", "Adam", "AdamW"]
    assert all(loss < 0.5 for loss in losses.values())
    assert losses["SGD momentum"] < losses["SGD"]
    assert (tmp_path / "optimizers.png").stat().st_size > 5000


def test_the_tiny_gpt_beats_the_unigram_baseline_and_samples_names(tmp_path: Path) -> None:
    lines = run_demo("tiny_gpt.py", tmp_path).splitlines()
    assert lines[0].startswith("345 names, 27 tokens, 4299 parameters;")
    assert lines[1] == "unigram baseline 2.836 nats/char"
    (final,) = [line for line in lines if line.startswith("loss on the training names")]
    assert ": below the unigram 2.836 by" in final and numbers(final)[0] < 2.75
    assert lines[-2].startswith("seconds per step")
    assert lines[-1].startswith("samples: ") and len(lines[-1].split()) == 11


def test_higher_derivatives_newton_and_the_forward_reverse_count(tmp_path: Path) -> None:
    tanh, newton, cost, _picture = run_demo("higher_derivatives.py", tmp_path).splitlines()
    # tanh(0.5) and its derivatives: t, 1 − t², −2t(1 − t²), ... worked by hand in test_higher
    assert numbers(tanh) == [0.5, 0.46212, 0.78645, -0.72686, -0.56521, 3.95222]
    assert newton.endswith("1.1309012148 1.1309011226")  # the root of 4x³ − 6x + 1 near 1.13
    assert "301 nodes: reverse mode 1 pass" in cost and "forward mode 100 passes" in cost
    assert numbers(cost)[-1] <= 1e-12
    assert (tmp_path / "tanh_derivatives.png").stat().st_size > 5000
