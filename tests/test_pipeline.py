"""The train pipeline is a library call; `nnscalar train` is argument parsing around it."""

from __future__ import annotations

import dataclasses
import json

import pytest

from nnscalar import pipeline
from nnscalar.cli import main
from nnscalar.errors import ConfigError
from nnscalar.pipeline import TrainConfig


def test_the_library_run_writes_what_the_cli_writes(tmp_path, capsys) -> None:
    options = ["--data", "xor", "--hidden", "3", "--epochs", "3", "--samples", "40", "--quiet"]
    assert main(["train", *options, "--no-pictures", "--out", str(tmp_path / "cli")]) == 0
    config = TrainConfig(data="xor", hidden=(3,), epochs=3, samples=40, pictures=False)
    result = pipeline.run(dataclasses.replace(config, out=tmp_path / "lib"))
    assert (tmp_path / "cli" / "model.json").read_bytes() == (
        tmp_path / "lib" / "model.json"
    ).read_bytes()
    cli, lib = (json.loads((tmp_path / d / "history.json").read_text()) for d in ("cli", "lib"))
    for record in (*cli, *lib):
        del record["seconds"]  # the one number that differs run to run
    assert cli == lib and len(cli) == 3
    assert list(result.files) == ["model", "history"]
    assert result.results["train"].n == 32 and result.model.sizes == [3, 1]
    assert f"{result.results['test'].loss:.4f}" in capsys.readouterr().out


def test_the_head_and_labels_follow_the_loss() -> None:
    run = pipeline.prepare(TrainConfig(data="blobs", loss="ce", samples=30, hidden=(2,)))
    assert run.model.sizes == [2, 3] and run.trainer.decide == "argmax"
    run = pipeline.prepare(TrainConfig(data="moons", loss="bce", samples=30, hidden=()))
    assert run.model.output_activation == "sigmoid" and set(run.y_train) == {0.0, 1.0}
    assert run.description.startswith("an MLP 2 → 1 (3 parameters, relu) on moons: 24 training")


def test_a_bad_config_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="unknown data set 'moon'; valid: moons, xor"):
        pipeline.prepare(TrainConfig(data="moon"))
    with pytest.raises(ConfigError, match="unknown schedule 'linear'; valid: cosine, step, none"):
        pipeline.prepare(TrainConfig(schedule="linear"))
    with pytest.raises(ConfigError, match="unknown optimizer 'adamm'"):
        pipeline.prepare(TrainConfig(optimizer="adamm", samples=20))


def test_out_none_writes_nothing(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = pipeline.run(TrainConfig(data="xor", hidden=(2,), epochs=1, samples=20, out=None))
    assert result.files == {} and list(tmp_path.iterdir()) == []
    assert len(result.trainer.history) == 1
