"""DOT text of computation graphs: content, options, determinism, limits (no renderer needed)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from nnscalar import Value, draw, topological_order, vsum, weighted_sum
from nnscalar.errors import ConfigError, RenderError
from nnscalar.render import dot
from nnscalar.render.examples import example


def _micrograd_neuron() -> Value:
    return example("expression")


def _node_labels(text: str) -> dict[str, str]:
    """Node name → its label, from DOT text."""
    found = re.findall(r"^\s*(\w+) \[.*?label=(<.*>|\"[^\"]*\")\];$", text, flags=re.M)
    return dict(found)


def _box(text: str, label: str) -> str:
    """The HTML label of the Value box whose bold label is `label`."""
    (found,) = [v for v in _node_labels(text).values() if f"<b>{dot.html(label)}</b></td>" in v]
    return found


def _edges(text: str) -> list[tuple[str, str]]:
    return re.findall(r"^\s*(\w+) -> (\w+)", text, flags=re.M)


def test_every_value_is_one_box_and_every_op_one_node():
    o = _micrograd_neuron()
    o.backward()
    text = draw(o).dot
    labels = _node_labels(text)
    order = topological_order(o)
    values = [name for name in labels if re.fullmatch(r"v\d+", name)]
    ops = [name for name in labels if name.endswith("_op")]
    assert len(values) == len(order) == 10
    assert len(ops) == sum(1 for v in order if v.parents) == 5
    assert "<b>x1</b></td><td>data 2</td><td>grad -1.5</td>" in labels["v0"]
    assert "<b>o</b></td><td>data 0.7071</td><td>grad 1</td>" in labels["v9"]
    assert labels["v9_op"] == "<tanh>"
    assert labels["v2_op"] == "<×>"


def test_edges_run_operand_to_op_to_result():
    o = _micrograd_neuron()
    edges = _edges(draw(o).dot)
    assert ("v0", "v2_op") in edges and ("v1", "v2_op") in edges
    assert ("v2_op", "v2") in edges
    assert ("v8", "v9_op") in edges and ("v9_op", "v9") in edges
    assert len(edges) == 5 + 9  # one op → result per op, one edge per operand


def test_shared_operand_keeps_both_edges():
    a = Value(3.0, label="a")
    text = draw(a + a).dot
    assert _edges(text).count(("v0", "v1_op")) == 2


def test_constants_are_dashed_boxes_in_operand_order():
    x = Value(2.0, label="x")
    text = draw(5.0 - x).dot  # rsub: the constant is operand a
    labels = _node_labels(text)
    assert labels["v1_c0"] == '"5"'
    assert 'v1_c0 [shape="box", style="dashed,rounded,filled"' in text
    assert 'v1_c0 -> v1_op [label="a"];' in text
    assert 'v0 -> v1_op [label="b"];' in text
    text = draw(x / 4.0).dot
    assert 'v1_c1 -> v1_op [label="b"];' in text
    assert _node_labels(text)["v1_c1"] == '"4"'


def test_commutative_ops_have_no_operand_labels():
    x = Value(2.0, label="x")
    assert 'label="a"' not in draw(x * 3.0 + x).dot


def test_op_parameters_and_sum_constants_are_shown():
    x = Value(-2.0, label="x")
    assert 'LReLU<br/><font point-size="8">slope 0.2</font>' in draw(x.leaky_relu(0.2)).dot
    text = draw(vsum([x, 1.5, x])).dot
    assert _node_labels(text)["v1_c2"] == '"1.5"'
    assert _node_labels(text)["v1_op"] == "<Σ>"


def test_fused_neuron_is_one_box_with_its_inputs():
    out = example("neuron")
    text = draw(out).dot
    labels = _node_labels(text)
    assert labels["v3_op"] == "<Σwx+b>"
    assert 'v3_op [shape="box"' in text
    assert labels["in0"] == '"x1 = 2"' and labels["in1"] == '"x2 = 0"'
    into_sum = [tail for tail, head in _edges(text) if head == "v3_op"]
    assert into_sum == ["v0", "in0", "v1", "in1", "v2"]  # w1 x1 w2 x2 b: Σ wᵢxᵢ + b


def test_plain_number_inputs_are_shared_by_a_layer():
    xs = [1.0, 2.0]
    a = weighted_sum([Value(1.0), Value(2.0)], xs, Value(0.0))
    b = weighted_sum([Value(3.0), Value(4.0)], xs, Value(0.0))
    text = draw(a + b).dot
    inputs = [name for name in _node_labels(text) if re.fullmatch(r"in\d+", name)]
    assert inputs == ["in0", "in1"]


def test_precision_and_show_grad():
    v = Value(1 / 3, label="third")
    w = v * 2.0
    w.backward()
    assert "data 0.333</td><td>grad 2</td>" in draw(w, precision=3).dot
    hidden = draw(w, show_grad=False).dot
    assert "grad" not in hidden
    assert "data 0.6667</td></tr>" in hidden


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ('say "hi"', "say &quot;hi&quot;"),
        ("a<b>&c", "a&lt;b&gt;&amp;c"),
        ("back\\slash", "back&#92;slash"),
    ],
)
def test_labels_are_escaped(text, escaped):
    assert dot.html(text) == escaped
    assert f"<b>{escaped}</b>" in draw(Value(1.0, label=text)).dot


def test_numbers_have_precision_and_no_negative_zero():
    assert dot.number(-0.0, 4) == "0"
    assert dot.number(6.8813735870195432, 4) == "6.881"
    assert dot.number(1e-7, 3) == "1e-07"


def test_rankdir():
    o = _micrograd_neuron()
    assert 'graph [rankdir="TB"' in draw(o, rankdir="TB").dot
    assert 'graph [rankdir="LR"' in draw(o).dot


def test_highlight_draws_a_thick_border():
    o = _micrograd_neuron()
    x1 = topological_order(o)[0]
    labels = _node_labels(draw(o, highlight=[x1]).dot)
    assert labels["v0"].startswith('<<table border="3" color="#ff7f0e"')
    assert labels["v1"].startswith('<<table border="0"')
    with pytest.raises(ConfigError, match=r"highlight: stranger=1.0 is not part of this graph"):
        draw(o, highlight=Value(1.0, label="stranger"))


def _small_mlp_loss() -> Value:
    """Two relu neurons then one linear neuron, labelled as nn labels them; loss (z - 1)²."""
    xs = [1.0, 2.0]
    outs = []
    for j, (w1, w2) in enumerate([(0.5, -0.3), (0.7, 0.3)], start=1):
        ws = [Value(w1, label=f"L1.N{j}.w1"), Value(w2, label=f"L1.N{j}.w2")]
        z = weighted_sum(ws, xs, Value(0.1, label=f"L1.N{j}.b"))
        z.label = f"L1.N{j}.z"
        out = z.relu()
        out.label = f"L1.N{j}.out"
        outs.append(out)
    ws = [Value(1.5, label="L2.N1.w1"), Value(-2.0, label="L2.N1.w2")]
    z = weighted_sum(ws, outs, Value(0.2, label="L2.N1.b"))
    z.label = "L2.N1.z"
    loss = (z - 1.0) ** 2
    loss.backward()
    return loss


def test_color_by_role_with_legend():
    loss = _small_mlp_loss()
    text = draw(loss, color_by="role").dot
    labels = _node_labels(text)
    assert 'bgcolor="#fde0c2"' in _box(text, "L1.N1.w1")  # a parameter
    assert 'bgcolor="#ffffff"' in _box(text, "L1.N1.z")  # an intermediate
    assert 'bgcolor="#d4efd4"' in labels[f"v{len(topological_order(loss)) - 1}"]  # the output
    legend = labels["legend"]
    assert [re.sub("<.*?>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", legend)] == [
        "role",
        "parameter",
        "intermediate",
        "output",
    ]


def test_params_argument_decides_what_is_a_parameter():
    x, w = Value(2.0, label="x"), Value(3.0, label="w")
    labels = _node_labels(draw(x * w, color_by="role", params=[w]).dot)
    assert 'bgcolor="#d6e6f5"' in labels["v0"]  # input
    assert 'bgcolor="#fde0c2"' in labels["v1"]  # parameter


def test_color_by_grad_is_a_diverging_scale():
    x, y = Value(2.0, label="x"), Value(-1.0, label="y")
    out = x * y  # d/dx = -1, d/dy = 2
    out.backward()
    labels = _node_labels(draw(out, color_by="grad").dot)
    # depth 0.8·√(|grad| / 2) from white toward blue (33, 102, 172) for a positive gradient or
    # red (214, 96, 77) for a negative one: the sign convention of every picture
    assert 'bgcolor="#e8a59a"' in labels["v0"]  # -1: depth 0.566, 255 - 41·0.566 = 232 (e8)
    assert 'bgcolor="#4d85bd"' in labels["v1"]  # +2: depth 0.8, 255 - 222·0.8 = 77 (4d)
    assert "grad 2</td>" in labels["legend"] and "grad -2</td>" in labels["legend"]
    assert "<b>gradient: blue &gt; 0 · red &lt; 0</b>" in labels["legend"]


def test_cluster_groups_by_layer_and_neuron():
    text = draw(_small_mlp_loss(), cluster=True).dot
    clusters = re.findall(r"subgraph cluster_(\w+) \{\n\s*label=\"([^\"]*)\"", text)
    assert clusters == [
        ("L1", "L1"),
        ("n_L1_N1", "L1.N1"),
        ("n_L1_N2", "L1.N2"),
        ("L2", "L2"),
        ("n_L2_N1", "L2.N1"),
    ]


def test_collapse_draws_each_neuron_as_one_box():
    loss = _small_mlp_loss()
    text = draw(loss, collapse=True).dot
    labels = _node_labels(text)
    neurons = sorted(name for name in labels if name.startswith("n_"))
    assert neurons == ["n_L1_N1", "n_L1_N2", "n_L2_N1"]
    assert "<b>L1.N1</b> ReLU" in labels["n_L1_N1"]
    assert "<b>L2.N1</b> linear" in labels["n_L2_N1"]  # its output is z itself
    edges = _edges(text)
    assert ("n_L1_N1", "n_L2_N1") in edges and ("n_L1_N2", "n_L2_N1") in edges
    assert ("in0", "n_L1_N1") in edges and ("in0", "n_L1_N2") in edges
    assert len(edges) == len(set(edges))
    assert "L1.N1.w1" not in text


def test_a_collapsed_expanded_network_shares_its_inputs_as_a_fused_one_does():
    from nnscalar.nn import MLP

    out = MLP(2, [3, 1], seed=0, fused=False)([0.5, -1.0])
    text = draw(out, collapse=True).dot
    labels = _node_labels(text)
    constants = sorted(re.findall(r'^\s*(\w+) \[shape="box".*label="([^"]*)"\];$', text, re.M))
    assert constants == [("in0", "x1 = 0.5"), ("in1", "x2 = -1")]  # two inputs, not six
    assert "<b>L2.N1</b> linear" in labels["n_L2_N1"]
    edges = _edges(text)
    for j in (1, 2, 3):
        assert ("in0", f"n_L1_N{j}") in edges and ("in1", f"n_L1_N{j}") in edges


def test_unlabelled_parts_of_an_expanded_neuron_join_its_group():
    w = [Value(0.5, label="L1.N1.w1"), Value(-1.0, label="L1.N1.w2")]
    z = w[0] * 2.0 + w[1] * 3.0 + Value(0.0, label="L1.N1.b")
    z.label = "L1.N1.z"
    loss = z * z
    text = draw(loss, collapse=True).dot
    values = [name for name in _node_labels(text) if re.fullmatch(r"v\d+|n_\w+", name)]
    assert values == ["v7", "n_L1_N1"]  # the loss and one neuron


def test_same_dot_text_in_two_processes():
    script = (
        "from nnscalar import draw\n"
        "from nnscalar.render.examples import example\n"
        "o = example('expression'); o.backward()\n"
        "print(draw(o, color_by='role', cluster=True).dot, end='')\n"
    )
    runs = [
        subprocess.run([sys.executable, "-c", script], capture_output=True, check=True).stdout
        for _ in range(2)
    ]
    o = example("expression")
    o.backward()
    assert runs[0] == runs[1] == draw(o, color_by="role", cluster=True).dot.encode()


def test_big_graphs_are_refused_with_advice():
    x = Value(1.0, label="x")
    y = x
    for _ in range(2000):
        y = y + 1.0
    with pytest.raises(RenderError) as info:
        draw(y)
    assert str(info.value) == (
        "this graph has 2001 nodes to draw, more than max_nodes=1500: pass collapse=True (one box "
        "per neuron) or cluster=True, draw a smaller graph (one sample, a smaller model), or "
        "raise max_nodes if you really want it"
    )
    assert draw(y, max_nodes=2001).dot.count("_op [") == 2000


def test_bad_options_are_refused():
    x = Value(1.0)
    with pytest.raises(ConfigError, match=r"rankdir='up' is not valid; valid: LR, TB, RL, BT"):
        draw(x, rankdir="up")
    with pytest.raises(ConfigError, match=r"color_by='size' is not valid"):
        draw(x, color_by="size")
    with pytest.raises(ConfigError, match=r"precision=0 is not valid"):
        draw(x, precision=0)
    with pytest.raises(ConfigError, match=r"draw needs a Value, got float 1.0"):
        draw(1.0)
