"""Synapse, Neuron, Layer, MLP: hand-worked neurons, fused = expanded, labels, init and errors."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from nnscalar import MLP, Layer, Neuron, Synapse, Value, is_grad_enabled, no_grad
from nnscalar.errors import ConfigError, NonFiniteError, NotANumberError, ShapeError
from nnscalar.nn import init_limit


def set_weights(neuron: Neuron, weights: list[float], bias: float) -> None:
    for w, x in zip(neuron.weights, weights):
        w.data = x
    neuron.bias.data = bias


@pytest.mark.parametrize("fused", [True, False])
def test_neuron_by_hand(fused: bool) -> None:
    # z = 2·0.5 + (−3)·1 + 1 = −1; tanh(−1); dout/dw = (1 − tanh²(−1))·x, dout/db = 1 − tanh²(−1)
    n = Neuron(2, "tanh", fused=fused)
    set_weights(n, [2.0, -3.0], 1.0)
    out = n([0.5, 1.0])
    out.backward()
    slope = 1.0 - math.tanh(-1.0) ** 2
    assert n.z.data == -1.0
    assert out.data == math.tanh(-1.0)
    assert [w.grad for w in n.weights] == [slope * 0.5, slope * 1.0]
    assert n.bias.grad == slope
    assert n.z.label == "N1.z" and out.label == "N1.out"
    assert n.output is out and n.inputs == [0.5, 1.0]


def test_fused_is_one_node_and_expanded_is_one_per_operation() -> None:
    n = Neuron(3, "linear", name="L1.N1")
    n([1.0, 2.0, 3.0])
    assert n.z.op == "wsum" and n.output is n.z
    n.fused = False
    z = n([1.0, 2.0, 3.0])
    # ((w1·x1 + w2·x2) + w3·x3) + b, left to right
    assert z.op == "+" and z.parents[1] is n.bias
    assert z.parents[0].parents[1].op == "*" and z.parents[0].parents[1].parents[0] is n.weights[2]


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    sizes=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    activation=st.sampled_from(["relu", "tanh", "sigmoid", "leaky_relu", "elu", "softplus"]),
    xs=st.lists(st.floats(-3, 3), min_size=3, max_size=3),
    value_inputs=st.booleans(),
)
def test_fused_and_expanded_agree(seed, sizes, activation, xs, value_inputs) -> None:
    results = []
    for fused in (True, False):
        model = MLP(3, sizes, activation, output_activation="tanh", seed=seed, fused=fused)
        inputs = [Value(x) for x in xs] if value_inputs else list(xs)
        out = model(inputs)
        outs = out if isinstance(out, list) else [out]
        total = outs[0]
        for o in outs[1:]:
            total = total + o
        total.backward()
        grads = [p.grad for p in model.parameters()]
        input_grads = [x.grad for x in inputs] if value_inputs else []
        results.append(([o.data for o in outs], grads, input_grads))
    (fo, fg, fi), (eo, eg, ei) = results
    assert fo == pytest.approx(eo, abs=1e-12)
    assert fg == pytest.approx(eg, abs=1e-12)
    assert fi == pytest.approx(ei, abs=1e-12)


def test_fused_setter_switches_every_neuron() -> None:
    model = MLP(2, [3, 1], seed=0)
    model.fused = False
    assert not model.fused and not any(n.fused for layer in model.layers for n in layer.neurons)
    model([1.0, 2.0])
    assert model.layers[0].neurons[0].z.op == "+"
    model.fused = True
    model([1.0, 2.0])
    assert model.layers[0].neurons[0].z.op == "wsum"


def test_micrograds_moons_network_has_337_parameters() -> None:
    assert MLP(2, [16, 16, 1]).num_parameters() == 337
    assert len(MLP(2, [16, 16, 1]).parameters()) == 337


def test_parameters_are_ordered_and_labelled_by_position() -> None:
    model = MLP(2, [2, 1], seed=0)
    assert [p.label for p in model.parameters()] == [
        "L1.N1.w1", "L1.N1.w2", "L1.N1.b",
        "L1.N2.w1", "L1.N2.w2", "L1.N2.b",
        "L2.N1.w1", "L2.N1.w2", "L2.N1.b",
    ]  # fmt: skip
    assert model.layers[1].parameters() == model.parameters()[6:]


def test_outputs_carry_labels_after_a_call() -> None:
    model = MLP(2, [2, 1], seed=0)
    out = model([1.0, -1.0])
    hidden = model.layers[0].neurons[1]
    assert hidden.z.label == "L1.N2.z" and hidden.output.label == "L1.N2.out"
    assert out.label == "L2.N1.z"  # a linear output neuron's output is its z
    assert model.layers[1].neurons[0].inputs == [n.output for n in model.layers[0].neurons]


def test_synapses_know_both_ends() -> None:
    model = MLP(2, [2, 1], seed=0)
    first = model.layers[0].neurons[1].synapses[0]
    assert isinstance(first, Synapse)
    assert (first.source, first.index, first.target) == (0, 0, model.layers[0].neurons[1])
    assert first.weight is model.layers[0].neurons[1].weights[0]
    first.weight.data, first.weight.grad = 0.5, -0.25
    assert repr(first) == "Synapse(x1 → L1.N2, weight=0.5, grad=-0.25)"
    deep = model.layers[1].neurons[0].synapses[1]
    assert repr(deep).startswith("Synapse(L1.N2 → L2.N1, weight=")


def test_reprs() -> None:
    model = MLP(2, [16, 16, 1], seed=0)
    assert repr(model) == "MLP(2 → [16, 16, 1], relu, output linear, fused, 337 parameters)"
    assert repr(model.layers[2]) == "Layer(L3: 16 → 1, linear)"
    assert repr(model.layers[0].neurons[2]) == "Neuron(L1.N3: 2 inputs, relu, fused)"


def test_rich_view_names_layers_neurons_and_synapses() -> None:
    model = MLP(2, [2, 1], seed=0)
    console = Console(record=True, width=120)
    console.print(model)
    text = console.export_text()
    for part in (
        "input layer: 2 features (x1, x2)",
        "hidden layer L1: 2 neurons, relu",
        "output layer L2: 1 neuron, linear",
        "neuron L1.N2",
        "x2 → L1.N1  L1.N1.w2 =",
        "L1.N2 → L2.N1",
        "bias  L2.N1.b = 0.0000  grad 0.0000",
    ):
        assert part in text


def test_layer_returns_one_value_per_neuron() -> None:
    layer = Layer(3, 4, "tanh", seed=0, index=2)
    outs = layer([0.1, 0.2, 0.3])
    assert [o.label for o in outs] == ["L2.N1.out", "L2.N2.out", "L2.N3.out", "L2.N4.out"]
    assert layer.num_parameters() == 16


def test_mlp_returns_a_list_for_several_outputs() -> None:
    model = MLP(2, [3], output_activation="sigmoid", seed=0)
    out = model([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 3


def test_predict_returns_floats_without_a_graph() -> None:
    model = MLP(2, [3, 1], seed=0)
    expected = model([0.5, -0.5]).data
    assert model.predict([0.5, -0.5]) == expected
    assert model.layers[1].neurons[0].z.parents == ()  # recorded under no_grad
    assert is_grad_enabled()
    assert len(MLP(2, [2], seed=0).predict([1.0, 1.0])) == 2


def test_zero_grad_resets_every_parameter() -> None:
    model = MLP(2, [3, 1], seed=0)
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_same_seed_same_weights_and_biases_start_at_zero() -> None:
    a, b = MLP(2, [4, 1], seed=7), MLP(2, [4, 1], seed=7)
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    assert [p.data for p in a.parameters()] != [p.data for p in MLP(2, [4, 1], seed=8).parameters()]
    c = MLP(2, [4, 1], rng=random.Random(7))
    assert [p.data for p in c.parameters()] == [p.data for p in a.parameters()]
    assert all(n.bias.data == 0.0 for layer in a.layers for n in layer.neurons)


@pytest.mark.parametrize(
    ("activation", "limit"),
    [
        ("relu", math.sqrt(6 / 8)),
        ("elu", math.sqrt(6 / 8)),
        ("tanh", math.sqrt(6 / 40)),
        ("sigmoid", math.sqrt(6 / 40)),
        ("linear", math.sqrt(6 / 40)),
    ],
)
def test_initialisation_is_he_for_relus_and_glorot_otherwise(activation: str, limit: float) -> None:
    assert init_limit(activation, 8, 32) == limit
    layer = Layer(8, 32, activation, seed=1)
    weights = [w.data for n in layer.neurons for w in n.weights]
    assert max(abs(w) for w in weights) <= limit
    assert max(weights) > 0.9 * limit and min(weights) < -0.9 * limit  # 256 draws fill U(−a, a)


def test_wrong_input_length() -> None:
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(ShapeError, match=r"^MLP expects 2 inputs, got 3$"):
        model([1.0, 2.0, 3.0])
    with pytest.raises(ShapeError, match=r"MLP expects a list of 2 inputs, got 1.0; wrap"):
        model(1.0)
    with pytest.raises(ShapeError, match="neuron N1 expects 2 inputs, got 1"):
        Neuron(2)([1.0])
    with pytest.raises(ShapeError, match="layer L1 expects 2 inputs, got 3"):
        Layer(2, 2)([1.0, 2.0, 3.0])


def test_non_numeric_inputs() -> None:
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(NotANumberError, match=r"MLP input x2 is 'a' \(str\), not a number"):
        model([1.0, "a"])
    with pytest.raises(NotANumberError, match="x1 is True"):
        model([True, 1.0])
    with pytest.raises(NonFiniteError, match="MLP input x1 is nan"):
        model([math.nan, 1.0])
    assert model([1, 2]).data == model([1.0, 2.0]).data  # ints are numbers


def test_bad_configuration() -> None:
    with pytest.raises(ConfigError, match="unknown activation 'tanhh'; did you mean 'tanh'"):
        MLP(2, [3, 1], activation="tanhh")
    with pytest.raises(ConfigError, match="sizes must be a non-empty list"):
        MLP(2, [])
    with pytest.raises(ConfigError, match="each layer size must be a positive int, got 0"):
        MLP(2, [3, 0])
    with pytest.raises(ConfigError, match="n_inputs must be a positive int"):
        Neuron(0)
    with pytest.raises(ConfigError, match="either seed= or rng="):
        MLP(2, [1], seed=1, rng=random.Random(1))


def test_a_custom_activation_is_called_as_given() -> None:
    def relu(v: Value) -> Value:  # a user's function that happens to share a name
        return v * 2.0

    model = MLP(1, [1], output_activation=relu, seed=0)
    neuron = model.layers[0].neurons[0]
    out = model([1.0])
    assert out.data == 2.0 * neuron.weights[0].data
    assert neuron.activation == "relu" and neuron.custom_activation


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("sizes", [[3, 1], [4, 3, 2]])
def test_batch_gives_what_one_call_per_sample_gives(fused: bool, sizes: list[int]) -> None:
    rng = random.Random(7)
    X = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(5)]
    X[2] = [Value(0.5, label="v"), 1]  # a Value and an int among the samples
    results = []
    for batched in (True, False):
        model = MLP(2, sizes, activation="tanh", seed=3, fused=fused)
        outs = model.batch(X) if batched else [model(x) for x in X]
        flat = [o for out in outs for o in (out if isinstance(out, list) else [out])]
        total = flat[0]
        for o in flat[1:]:
            total = total + o * 0.5
        total.backward()
        last = model.layers[0].neurons[1]
        results.append(
            (
                [float.hex(o.data) for o in flat],
                [float.hex(p.grad) for p in model.parameters()],
                [float.hex(v) for v in (last.z.data, last.output.data)],
                [x.data if isinstance(x, Value) else x for x in last.inputs],
            )
        )
    assert results[0] == results[1]
    assert results[0][3] == X[-1]  # the neurons keep the last sample's graph


def test_batch_checks_every_sample_and_handles_no_grad() -> None:
    model = MLP(2, [3, 1], seed=1)
    with pytest.raises(ShapeError, match="MLP expects 2 inputs, got 3"):
        model.batch([[1.0, 2.0], [1.0, 2.0, 3.0]])
    with pytest.raises(NotANumberError, match="x2 is 'a'"):
        model.batch([[1.0, "a"]])
    assert model.batch([]) == []
    with pytest.raises(ShapeError, match=r"takes a list of samples.*got one sample \[1.0, 2.0\]"):
        model.batch([1.0, 2.0])
    with pytest.raises(ShapeError, match=r"MLP\.batch takes a list of samples, each a list of 2"):
        model.batch(5)
    rows = ([1.0, 2.0], [0.5, -1.0])
    assert [o.data for o in model.batch(iter(rows))] == [o.data for o in model.batch(rows)]
    with no_grad():
        outs = model.batch([[1.0, 2.0], [0.5, -1.0]])
    assert [o.parents for o in outs] == [(), ()]
    assert [o.data for o in outs] == [model.predict([1.0, 2.0]), model.predict([0.5, -1.0])]


def test_a_neurons_weights_and_bias_can_be_set() -> None:
    neuron = Neuron(2, "linear", seed=0)
    first = neuron.weights[0]
    neuron.weights = [0.5, -1.0]  # numbers set the values, keeping the Values and labels
    neuron.bias = 0.25
    assert neuron.weights[0] is first and [w.data for w in neuron.weights] == [0.5, -1.0]
    assert neuron([2.0, 1.0]).data == 0.5 * 2.0 - 1.0 + 0.25
    shared = Value(3.0, label="shared")
    neuron.weights = [shared, neuron.weights[1]]  # a Value takes the weight's place
    neuron.bias = Value(0.0, label="b0")
    assert neuron.synapses[0].weight is shared and neuron.parameters()[0] is shared
    out = neuron([1.0, 1.0])
    out.backward()
    assert out.data == 3.0 - 1.0 and shared.grad == 1.0 and neuron.bias.grad == 1.0
    with pytest.raises(ShapeError, match="has 2 weights; got 3"):
        neuron.weights = [1.0, 2.0, 3.0]
    with pytest.raises(NotANumberError, match="'x'"):
        neuron.bias = "x"
    with pytest.raises(NonFiniteError):
        neuron.weights = [7.0, float("nan")]
    assert neuron.weights[0].data == 3.0  # nothing set when one of them is refused


def test_models_and_neurons_show_their_picture_inline_in_jupyter():
    from nnscalar import draw_network, draw_neuron

    mlp = MLP(2, [3, 1], seed=0)
    mlp([0.5, -1.0])
    neuron = mlp.layers[0].neurons[0]
    assert mlp._repr_svg_() == draw_network(mlp).svg()
    assert neuron._repr_svg_() == draw_neuron(neuron).svg()
    assert "<svg" in mlp._repr_svg_() and "weight: blue &gt; 0" in neuron._repr_svg_()
