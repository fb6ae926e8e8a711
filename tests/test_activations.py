"""Activations: one table of hand-worked values and slopes feeds value, slope and gradcheck."""

from __future__ import annotations

import math

import pytest

from nnscalar import Value, activations, gradcheck
from nnscalar.activations import ACTIVATIONS, activation_name, get_activation, log_softmax, softmax
from nnscalar.errors import ConfigError, ShapeError

LN2, LN3 = math.log(2.0), math.log(3.0)

# name, x, f(x), f'(x) — worked on paper.
TABLE = [
    ("linear", 2.0, 2.0, 1.0),
    ("relu", 2.0, 2.0, 1.0),
    ("relu", -1.5, 0.0, 0.0),
    ("relu", 0.0, 0.0, 0.0),
    ("leaky_relu", 3.0, 3.0, 1.0),
    ("leaky_relu", -2.0, -0.02, 0.01),
    ("elu", 2.0, 2.0, 1.0),
    ("elu", -1.0, math.exp(-1.0) - 1.0, math.exp(-1.0)),
    ("sigmoid", 0.0, 0.5, 0.25),
    ("sigmoid", LN3, 0.75, 0.1875),
    ("tanh", 0.0, 0.0, 1.0),
    ("tanh", LN2, 0.6, 0.64),
    ("softplus", 0.0, LN2, 0.5),
    ("softplus", LN3, math.log(4.0), 0.75),
]
IDS = [f"{name}({x:.3g})" for name, x, _, _ in TABLE]
# At relu's kink finite differences see the average of the two slopes, so it is left out there.
SMOOTH = [row for row in TABLE if row[:2] != ("relu", 0.0)]


@pytest.mark.parametrize(("name", "x", "value", "slope"), TABLE, ids=IDS)
def test_value_and_derivative(name: str, x: float, value: float, slope: float) -> None:
    v = Value(x, label="x")
    out = ACTIVATIONS[name](v)
    out.backward()
    assert out.data == pytest.approx(value, abs=1e-15)
    assert v.grad == pytest.approx(slope, abs=1e-15)


@pytest.mark.parametrize(("name", "x"), [row[:2] for row in SMOOTH])
def test_gradcheck(name: str, x: float) -> None:
    assert gradcheck(ACTIVATIONS[name], Value(x, label="x"))


def test_every_activation_is_in_the_table() -> None:
    assert {name for name, *_ in TABLE} == set(ACTIVATIONS)


def test_activations_take_plain_numbers() -> None:
    assert activations.tanh(LN2).data == pytest.approx(0.6)
    assert activations.linear(3).data == 3.0


def test_linear_records_no_node() -> None:
    x = Value(1.5)
    assert activations.linear(x) is x


def test_get_activation_by_name_and_callable() -> None:
    assert get_activation("tanh") is activations.tanh

    def double(v: Value) -> Value:
        return v * 2.0

    assert get_activation(double) is double
    assert activation_name(double) == "double"
    assert activation_name(activations.elu) == "elu"
    assert activation_name("sigmoid") == "sigmoid"


def test_unknown_activation_suggests_the_closest_and_lists_all() -> None:
    with pytest.raises(ConfigError, match=r"unknown activation 'rleu'; did you mean 'relu'\?") as e:
        get_activation("rleu")
    assert "linear, relu, leaky_relu, elu, sigmoid, tanh, softplus" in str(e.value)
    with pytest.raises(ConfigError, match="a name or a function"):
        get_activation(3)


def test_softmax_values_and_gradient() -> None:
    a = [Value(0.0), Value(LN2), Value(math.log(5.0))]  # e^a = 1, 2, 5; the sum is 8
    probs = softmax(a)
    assert [p.data for p in probs] == pytest.approx([0.125, 0.25, 0.625], abs=1e-15)
    probs[2].backward()  # d s₂/d aᵢ = s₂([i = 2] − sᵢ)
    assert [v.grad for v in a] == pytest.approx([-0.078125, -0.15625, 0.234375], abs=1e-15)


def test_softmax_is_stable_for_huge_logits() -> None:
    assert [p.data for p in softmax([1000.0, 1000.0])] == [0.5, 0.5]
    assert [p.data for p in softmax([-1000.0, 0.0])] == [0.0, 1.0]


def test_log_softmax_values_and_gradcheck() -> None:
    a = [Value(0.0, label="a1"), Value(LN2, label="a2"), Value(math.log(5.0), label="a3")]
    assert [v.data for v in log_softmax(a)] == pytest.approx(
        [math.log(1 / 8), math.log(2 / 8), math.log(5 / 8)], abs=1e-15
    )
    assert gradcheck(lambda *xs: log_softmax(xs)[1], a)
    assert gradcheck(lambda *xs: softmax(xs)[0], a)


def test_softmax_of_nothing_is_refused() -> None:
    with pytest.raises(ShapeError):
        softmax([])
