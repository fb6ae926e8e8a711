"""A model and one sample → the labelled graph that `step --model` and `draw --model` show."""

from __future__ import annotations

import pytest

from nnscalar import MLP, topological_order
from nnscalar.cli import main
from nnscalar.errors import ConfigError, ShapeError
from nnscalar.pipeline import model_graph


def test_the_graph_of_a_model_on_one_sample_is_labelled() -> None:
    model = MLP(2, [2, 3], activation="tanh", seed=4)
    root = model_graph(model, [0.5, -1.0], output=2)
    labels = {node.label for node in topological_order(root)}
    assert {"x1", "x2", "L1.N1.w1", "L1.N2.out", "L2.N2.z"} <= labels
    assert root.label == "L2.N2.z"  # the output layer is linear: its z is the output
    assert root.data == model.predict([0.5, -1.0])[1]


def test_one_neuron_alone_on_what_reached_it() -> None:
    model = MLP(2, [2, 1], activation="tanh", seed=4)
    root = model_graph(model, [0.5, -1.0], neuron="L2.N1")
    leaves = [node.label for node in topological_order(root) if not node.parents]
    assert sorted(leaves) == ["L1.N1", "L1.N2", "L2.N1.b", "L2.N1.w1", "L2.N1.w2"]
    assert root.data == model.predict([0.5, -1.0])


def test_bad_requests_are_clear_errors() -> None:
    model = MLP(2, [2, 1], seed=4)
    with pytest.raises(ConfigError, match="output 3: the model has 1 output"):
        model_graph(model, [0.5, -1.0], output=3)
    with pytest.raises(ConfigError, match=r"neuron 'L3\.N1': the model has no such neuron; valid"):
        model_graph(model, [0.5, -1.0], neuron="L3.N1")
    with pytest.raises(ShapeError, match="MLP expects 2 inputs, got 1"):
        model_graph(model, [0.5])


def test_draw_model_with_an_input_draws_that_call(tmp_path, capsys) -> None:
    path = tmp_path / "m.json"
    MLP(2, [2, 1], activation="tanh", seed=4).save(path)
    assert main(["draw", "--model", str(path), "--input", "0.5,-1", "--backward"]) == 0
    dot = capsys.readouterr().out
    assert dot.startswith("digraph") and "<b>x1</b>" in dot and "L2.N1.z" in dot
