"""Module: the base of Neuron, Layer and MLP, and of a model a teacher writes."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from nnscalar import MLP, SGD, Layer, Module, Neuron, Value, losses
from nnscalar.errors import ConfigError, ModelFileError


class Perceptron(Module):
    """A teacher's model: one tanh neuron scaled by a weight, plus a shift."""

    def __init__(self) -> None:
        self.hidden = Neuron(2, "tanh", seed=0, name="H")
        self.scale = Value(2.0, label="scale")
        self.shifts = [Value(0.5), Value(-0.25)]  # unlabelled: named by their attribute path
        self.last = None  # a computed Value kept for inspection is no parameter
        self._cache = Value(9.0)  # private: not a parameter

    def __call__(self, x: list[float]) -> Value:
        self.last = self.hidden(x) * self.scale + self.shifts[0] + self.shifts[1]
        return self.last


def test_a_teachers_model_finds_its_parameters_in_attribute_order() -> None:
    model = Perceptron()
    model([1.0, 2.0])
    names = [name for name, _ in model.named_parameters()]
    assert names == ["H.w1", "H.w2", "H.b", "scale", "shifts.0", "shifts.1"]
    assert model.num_parameters() == 6
    assert model.parameters()[3] is model.scale


def test_a_teachers_model_trains_and_zero_grad_clears_every_gradient() -> None:
    model = Perceptron()
    optimizer = SGD(model.parameters(), lr=0.1)
    xs, ys = [[1.0, 2.0], [-1.0, 0.5]], [1.0, -1.0]
    first = None
    for _ in range(30):
        loss = losses.mse([model(x) for x in xs], ys)
        first = first if first is not None else loss.data
        model.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.data < 0.1 * first
    model.zero_grad()
    assert [p.grad for p in model.parameters()] == [0.0] * 6


def test_a_shared_parameter_counts_once() -> None:
    class Tied(Module):
        def __init__(self) -> None:
            self.w = Value(1.0, label="w")
            self.again = [self.w]

    assert Tied().num_parameters() == 1


def test_the_builtin_models_are_modules_with_the_same_parameters_as_before() -> None:
    model = MLP(3, [4, 2], seed=0)
    expected = [p for layer in model.layers for n in layer.neurons for p in (*n.weights, n.bias)]
    assert isinstance(model, Module) and isinstance(model.layers[0], Module)
    assert model.parameters() == expected and model.num_parameters() == 3 * 4 + 4 + 4 * 2 + 2
    assert model.layers[1].num_parameters() == 10 and Layer(2, 3).num_parameters() == 9
    neuron = model.layers[0].neurons[0]
    neuron([Value(1.0), 2.0, 3.0])  # a Value given as an input is no parameter of the neuron
    assert [name for name, _ in neuron.named_parameters()] == [
        "L1.N1.w1",
        "L1.N1.w2",
        "L1.N1.w3",
        "L1.N1.b",
    ]


def test_state_dict_round_trip_and_weight_files(tmp_path) -> None:
    model, other = Perceptron(), Perceptron()
    for i, p in enumerate(model.parameters()):
        p.data = 0.5 * i
    other.load_state_dict(model.state_dict())
    assert [p.data for p in other.parameters()] == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
    path = tmp_path / "w.json"
    model.save_weights(path)
    assert json.loads(path.read_text())["weights"]["shifts.1"] == 2.5
    fresh = Perceptron()
    fresh.load_weights(path)
    assert fresh.state_dict() == model.state_dict()


def test_state_dict_errors_name_the_problem(tmp_path) -> None:
    model = Perceptron()
    with pytest.raises(
        ConfigError, match=r"missing \['H.w1', 'H.w2', 'H.b'\]; expected the names H.w1"
    ):
        model.load_state_dict({})
    weights = {**model.state_dict(), "bogus": 1.0}
    with pytest.raises(ConfigError, match=r"unknown \['bogus'\]"):
        model.load_state_dict(weights)
    weights = {**model.state_dict(), "scale": float("nan")}
    with pytest.raises(ValueError, match="scale"):
        model.load_state_dict(weights)
    assert model.scale.data == 2.0  # nothing set when one value is bad
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ModelFileError, match="is not JSON"):
        model.load_weights(bad)
    bad.write_text('{"format": "nnscalar-weights", "weights": {}}')
    with pytest.raises(ModelFileError, match="missing"):
        model.load_weights(bad)
    with pytest.raises(ModelFileError, match="cannot write weights file"):
        model.save_weights(tmp_path / "nowhere" / "w.json")


def test_rich_shows_each_parameter() -> None:
    out = io.StringIO()
    Console(file=out, width=100, color_system=None).print(Perceptron())
    text = out.getvalue()
    assert "Perceptron  (6 parameters)" in text and "scale = 2.0000  grad 0.0000" in text
