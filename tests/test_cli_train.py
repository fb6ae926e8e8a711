"""`nnscalar train`: the defaults train a good moons classifier and write every picture; options
are checked; accumulation on the command line gives the same model."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nnscalar import data
from nnscalar.cli import main
from nnscalar.nn import MLP

FAST = ["--samples", "60", "--epochs", "3", "--quiet"]


def test_the_defaults_train_a_good_moons_classifier(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "nnscalar", "train", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "MLP 2 → 16 → 16 → 1 (337 parameters, relu) on moons: 160 training" in out
    train_row = re.search(r"train\s*│\s*160\s*│\s*[\d.]+\s*│\s*([\d.]+)%", out)
    assert train_row and float(train_row.group(1)) >= 97.0, out
    assert "decision boundary (background: the model's class" in out and "●" in out
    pictures = ["decision_boundary", "training_curves", "network", "neuron"]
    for name in pictures:
        for ext in ("svg", "png"):
            path = tmp_path / f"{name}.{ext}"
            assert path.stat().st_size > 1000
            assert str(path) in out.replace("\n", "")
    history = json.loads((tmp_path / "history.json").read_text())
    assert len(history) == 40 and history[-1]["accuracy"] >= 0.97
    assert history[0]["lr"] == 0.05 and history[-1]["lr"] < 0.001  # the cosine schedule
    model = MLP.load(tmp_path / "model.json")
    X, y = data.moons(n=200, noise=0.1, seed=0)
    right = sum((model.predict(x) > 0) == (t > 0) for x, t in zip(X, y, strict=True))
    assert right >= 194


def _weights(path: Path) -> list[float]:
    return list(json.loads((path / "model.json").read_text())["weights"].values())


def test_accumulation_steps_give_the_same_model(tmp_path: Path, capsys) -> None:
    common = ["train", *FAST, "--no-pictures", "--batch-size", "20"]
    assert main([*common, "--out", str(tmp_path / "one")]) == 0
    assert main([*common, "--accumulation-steps", "3", "--out", str(tmp_path / "three")]) == 0
    one, three = _weights(tmp_path / "one"), _weights(tmp_path / "three")
    assert three == pytest.approx(one, abs=1e-12, rel=0)
    assert "batch 20 in 3 mini-batch(es)" in capsys.readouterr().out


def test_a_csv_with_three_classes_trains_with_cross_entropy(tmp_path: Path, capsys) -> None:
    X, y = data.blobs(n=60, centers=3, seed=1)
    csv = tmp_path / "blobs.csv"
    csv.write_text("a,b,kind\n" + "".join(f"{p[0]},{p[1]},{t}\n" for p, t in zip(X, y)))
    args = ["train", "--data", f"csv:{csv}", "--target", "kind", "--loss", "ce", "--epochs", "5"]
    assert main([*args, "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "MLP 2 → 16 → 16 → 3 (371 parameters, relu) on csv:" in out
    assert (tmp_path / "out" / "decision_boundary.png").stat().st_size > 5000
    assert "class 2" in out  # the terminal picture's legend


def test_regression_data_has_no_accuracy_column(tmp_path: Path, capsys) -> None:
    X, y = data.sine(n=40, seed=0)
    csv = tmp_path / "sine.csv"
    csv.write_text("".join(f"{p[0]},{t}\n" for p, t in zip(X, y)))
    args = ["train", "--data", f"csv:{csv}", "--loss", "mse", *FAST, "--out", str(tmp_path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "accuracy" not in out and "samples" in out
    assert (tmp_path / "training_curves.png").exists()
    assert not (tmp_path / "decision_boundary.png").exists()


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--data", "mooons"], "unknown data set 'mooons'; valid: moons, xor, circles"),
        (["--hidden", "16,x"], "bad hidden layer sizes '16,x'; give positive ints"),
        (["--hidden", "16,-2"], "bad hidden layer sizes '16,-2'"),
        (["--lr", "0"], "argument --lr: '0' is not valid; valid: a number > 0"),
        (["--lr", "-0.1"], "argument --lr: '-0.1' is not valid; valid: a number > 0"),
        (["--epochs", "0"], "argument --epochs: '0' is not valid; valid: an int > 0"),
        (["--optimizer", "lbfgs"], "argument --optimizer: invalid choice: 'lbfgs'"),
    ],
)
def test_bad_options_are_usage_errors(option: list[str], message: str, capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["train", *option])
    assert info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--activation", "relux"], "relux"),
        (["--data", "blobs", "--loss", "hinge"], "needs two classes but the targets have 3"),
        (["--data", "csv:/nonexistent/x.csv"], "cannot read /nonexistent/x.csv"),
        (["--test-size", "1.5"], "test_size must be a fraction in (0, 1)"),
    ],
)
def test_bad_settings_are_errors(option: list[str], message: str, tmp_path: Path, capsys) -> None:
    assert main(["train", *option, *FAST, "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("nnscalar train: error: ") and message in err
