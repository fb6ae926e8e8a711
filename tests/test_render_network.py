"""Pictures of models: the network as columns of circles, and one neuron part by part."""

from __future__ import annotations

import re

import pytest

from nnscalar import draw_network, draw_neuron
from nnscalar.errors import ConfigError
from nnscalar.nn import MLP, Neuron
from tests.test_render_svg import svg_nodes


def _edges(text: str) -> list[tuple[str, str, str]]:
    return re.findall(r"^\s*(\w+) -> (\w+) \[(.*)\];$", text, flags=re.M)


def test_network_has_columns_of_circles_and_one_edge_per_synapse():
    mlp = MLP(2, [3, 1], seed=0)
    text = draw_network(mlp).dot
    edges = _edges(text)
    assert len(edges) == 2 * 3 + 3 * 1
    assert [(a, b) for a, b, _ in edges[:3]] == [("x1", "L1_N1"), ("x2", "L1_N1"), ("x1", "L1_N2")]
    assert ("L1_N3", "L2_N1") in [(a, b) for a, b, _ in edges]
    # columns left to right, N1 above N2: positions are pinned
    assert 'x1 [label=<<b>x1</b>>, fillcolor="#d6e6f5", pos="0,0.625!"]' in text
    assert 'pos="2.6,1.25!"' in re.search(r"L1_N1 \[.*", text).group()
    assert 'pos="5.2,-0!"' in re.search(r"L2_N1 \[.*", text).group()


def test_edge_width_follows_the_weight_and_colour_its_sign():
    mlp = MLP(2, [1], seed=0)
    w1, w2 = mlp.layers[0].neurons[0].weights
    w1.data, w2.data = 0.5, -2.0
    (e1, e2) = _edges(draw_network(mlp).dot)
    assert 'penwidth="1.30", color="#2166ac"' in e1[2]  # 0.4 + 3.6·0.5/2, positive: blue
    assert 'penwidth="4.00", color="#d6604d"' in e2[2]  # 0.4 + 3.6, negative: red


def test_network_numbers_after_a_call_and_backward():
    mlp = MLP(2, [2, 1], seed=0)
    mlp.layers[0].neurons[0].bias.data = 0.25
    out = mlp([0.5, -1.0])
    out.backward()
    drawing = draw_network(mlp, show_weights=True, show_grad=True)
    nodes = svg_nodes(drawing.svg())
    assert nodes["x1"] == ["x1", "0.5"] and nodes["x2"] == ["x2", "-1"]
    n1 = mlp.layers[0].neurons[0]
    assert nodes["L1_N1"] == [
        "L1.N1",
        "b 0.25",
        f"∂b {n1.bias.grad:.3g}",
        f"out {n1.output.data:.3g}",
    ]
    assert nodes["title0"] == ["input layer"]
    assert nodes["title1"] == ["hidden layer 1 (relu)"]
    assert nodes["title2"] == ["output layer (linear)"]
    # each weight's label is a small node on its edge (x1 → L1.N1), coloured as the edge
    w = n1.weights[0]
    assert nodes["w_x1_L1_N1"] == [f"{w.data:.3g}, ∂w {w.grad:.3g}"]
    assert len([name for name in nodes if name.startswith("w_")]) == 2 * 2 + 2 * 1


def test_edges_lie_under_the_circles_and_labels_between_them():
    mlp = MLP(2, [3, 1], seed=0)
    text = draw_network(mlp, show_weights=True).dot
    assert 'outputorder="edgesfirst"' in text  # filled circles cover the lines passing under
    # x2 (column 0, row +0.5) → L1.N1 (column 1, row -1): the label sits 40 % of the way back
    # from L1.N1, at column 0.6 and row -1 + 0.4·1.5 = -0.4, in inches 1.56 across, 0.5 down
    assert re.search(r'w_x2_L1_N1 \[.*pos="1.56,0.5!"\]', text)
    assert "w_" not in draw_network(mlp).dot  # no labels unless asked


def test_neuron_parts_with_the_numbers_of_the_last_call():
    neuron = Neuron(2, activation="tanh", seed=0, name="L1.N1")
    neuron.weights[0].data, neuron.weights[1].data, neuron.bias.data = -3.0, 1.0, 6.8813735870195432
    out = neuron([2.0, 0.0])
    out.backward()
    nodes = svg_nodes(draw_neuron(neuron).svg())
    assert nodes["x1"] == ["x1", " = 2"]
    assert nodes["s1"] == ["w1", " = -3", "grad 1", "w·x = -6"]
    assert nodes["b"] == ["b", " = 6.881", "grad 0.5"]
    assert nodes["z"] == ["Σ wᵢxᵢ + b", " z = 0.8814", "grad 0.5"]
    assert nodes["act"] == ["tanh"]
    assert nodes["out"] == ["L1.N1", " out", " = 0.7071", "grad 1"]


def test_neuron_before_any_call_shows_its_parameters():
    neuron = Neuron(3, activation="linear", seed=0, name="L2.N1")
    text = draw_neuron(neuron, show_grad=False).dot
    assert "grad" not in text and "act" not in text
    assert "z -> out;" in text
    assert re.search(r"x3 \[label=<<b>x3</b>>", text)


def test_bad_options_are_refused():
    with pytest.raises(ConfigError, match=r"rankdir='down' is not valid"):
        draw_network(MLP(1, [1], seed=0), rankdir="down")
    with pytest.raises(ConfigError, match=r"precision=-1 is not valid"):
        draw_neuron(Neuron(1, seed=0), precision=-1)


def _legend(text: str) -> str:
    return re.search(r"^\s*legend \[.*$", text, flags=re.M).group()


def test_every_picture_that_colours_a_sign_has_the_one_legend():
    from nnscalar import Value, draw

    mlp = MLP(2, [3, 1], seed=0)
    out = mlp([0.5, -1.0])
    out.backward()
    x, w = Value(2.0, label="x"), Value(-1.0, label="w")
    product = x * w
    product.backward()
    pictures = {
        "graph": draw(product, color_by="grad").dot,
        "network": draw_network(mlp).dot,
        "compact network": draw_network(MLP(2, [16, 16, 1], seed=0)).dot,
        "neuron": draw_neuron(mlp.layers[0].neurons[0]).dot,
    }
    for name, text in pictures.items():
        legend = _legend(text)
        assert "blue &gt; 0 · red &lt; 0</b>" in legend, name
    # the network's and the neuron's legends draw a line in each of the edges' colours
    for name in ("network", "compact network", "neuron"):
        legend = _legend(pictures[name])
        assert '<font color="#2166ac"><b>———</b></font>&#160;&#160; weight &gt; 0' in legend, name
        assert '<font color="#d6604d"><b>———</b></font>&#160;&#160; weight &lt; 0' in legend, name


def test_a_big_network_is_drawn_compact_and_landscape():
    mlp = MLP(2, [16, 16, 1], seed=0)
    text = draw_network(mlp, show_weights=True).dot
    # rows 7 / 15 inches apart (7 inches in all), columns 1.7·7 / 3 inches apart
    assert re.search(r'L1_N1 \[label=<<b>N1</b>>, fillcolor="#e8dff2", pos="3.967,3.5!"', text)
    assert re.search(r'L3_N1 \[label=<<b>N1</b>>, fillcolor="#d4efd4", pos="11.9,-0!"', text)
    # the heaviest weight is opaque and 3 points wide; every number is in a tooltip
    largest = max(
        (s.weight for layer in mlp.layers for n in layer.neurons for s in n.synapses),
        key=lambda w: abs(w.data),
    )
    edge = [
        e for e in _edges(text) if e[2].endswith(f'tooltip="{largest.label} = {largest.data:.3g}"')
    ]
    assert len(edge) == 1 and 'penwidth="3.00"' in edge[0][2] and 'ff"' in edge[0][2]
    assert 'arrowhead="none"' in edge[0][2]
    # weights are written only on the 16 synapses of the output layer, where they fit
    labels = re.findall(r"^\s*w_(\w+) \[", text, flags=re.M)
    assert len(labels) == 16 and all(name.endswith("_L3_N1") for name in labels)
    # small networks keep the roomy layout
    assert 'pos="2.6,1.25!"' in re.search(r"L1_N1 \[.*", draw_network(MLP(2, [3, 1])).dot).group()


def test_a_title_heads_the_network_and_the_neuron():
    mlp = MLP(2, [3, 1], seed=0)
    text = draw_network(mlp, title="after training").dot
    assert 'label="after training", labelloc="t", fontsize="14"' in text.splitlines()[1]
    assert 'title1 [shape="plaintext"' in text and 'label="hidden layer 1 (relu)"' in text
    neuron = draw_neuron(mlp.layers[0].neurons[0], title="on sample 3").dot
    assert 'label="on sample 3", labelloc="t"' in neuron.splitlines()[1]
