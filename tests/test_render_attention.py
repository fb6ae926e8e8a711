"""`draw_attention`: one attention head at one position, collapsed into labelled boxes or not."""

from __future__ import annotations

import re

import pytest

from nnscalar import topological_order
from nnscalar.errors import ConfigError
from nnscalar.render import dot, draw_attention
from nnscalar.render.colors import NEGATIVE_HEX, POSITIVE_HEX, SIGN_TITLE
from nnscalar.transformer import CharTokenizer, TinyGPT, attention_graph

WORDS = ["ada", "bob", "abba", "dan"]


def head_graph(position: int = 3):
    tokenizer = CharTokenizer(WORDS)
    model = TinyGPT(tokenizer.vocab_size, block_size=5, n_embd=4, n_head=2, seed=1)
    graph = attention_graph(model, tokenizer.encode("ada")[:-1], position)
    graph.root.backward()
    return graph


def _statements(text: str) -> dict[str, str]:
    """DOT node name → its label, for every node statement."""
    return dict(re.findall(r"^\s*(\w+) \[.*?label=(<.*?>|\"[^\"]*\")[,\]]", text, flags=re.M))


def _edges(text: str) -> list[tuple[str, str]]:
    return re.findall(r"^\s*(\w+) -> (\w+)", text, flags=re.M)


def test_collapsed_a_box_per_step_of_the_head_with_its_numbers():
    graph = head_graph()
    text = draw_attention(graph).dot
    boxes = {name: label for name, label in _statements(text).items() if name.startswith("g")}
    # position 3: three inputs x, Wq Wk Wv, the query, three keys and values, three scores,
    # the softmax and the output: 4·3 + 6 boxes, nothing else but the legend
    assert len(boxes) == 18 and set(_statements(text)) == {*boxes, "legend"}
    titles = sorted(re.search(r"<b>(.*?)</b>", label).group(1) for label in boxes.values())
    assert titles == sorted(graph.notes)
    nodes = {v.label: v for v in topological_order(graph.root)}
    (softmax,) = [label for label in boxes.values() if "<b>softmax</b>" in label]
    assert "weights a₃₁ … a₃₃, sum 1" in softmax
    for s in "₁₂₃":  # the softmax box shows each weight a₃ₛ and its grad, to 3 digits
        a = nodes[f"a₃{s}"]
        for x in (a.data, a.grad):
            color = POSITIVE_HEX if x > 0 else NEGATIVE_HEX
            assert f'<td><font color="{color}">{x:.3g}</font></td>' in softmax
    (out,) = [label for label in boxes.values() if "<b>out₃[1]</b>" in label]
    assert f"{graph.root.data:.3g}</font></td>" in out and ">1</font></td>" in out  # grad 1
    (wq,) = [label for label in boxes.values() if "<b>Wq</b>" in label]
    assert "<td>10 numbers</td>" in wq  # 2 rows of 4 weights, 2 biases: listed in the tooltip
    assert dot.html(SIGN_TITLE) in text
    edges = _edges(text)
    assert len(edges) == len(set(edges))  # one edge from box to box
    # x₃ and Wq → the query; xₛ and Wk → each of 3 keys, xₛ and Wv → each value; the query and
    # kₛ → each score; the scores → the softmax; it and the values → out
    assert len(edges) == 2 + 2 * 3 + 2 * 3 + 2 * 3 + 3 + 1 + 3


def test_expanded_the_computing_boxes_open_into_their_scalar_nodes():
    graph = head_graph()
    text = draw_attention(graph, collapse=False).dot
    names = _statements(text)
    values = [n for n in names if re.fullmatch(r"v\d+", n)]
    # query: 2 projections, 2 scalings; keys 3·2, values 3; scores 3 and their zero biases;
    # softmax: 3 log-softmax, 3 exp; out and its zero bias
    assert len(values) == 2 + 2 + 6 + 3 + 3 + 3 + 6 + 1 + 1
    boxes = [n for n in names if n.startswith("g")]
    assert len(boxes) == 6  # the inputs x₁ x₂ x₃ and the weights stay boxes
    assert text.count("subgraph cluster_g") == 12  # a cluster per computing group
    assert "<b>score₃₂</b>" in text and "<b>a₃₂</b>" in text and "<b>q₃[1]/√2</b>" in text
    assert 'label="score₃₂: q₃·k₂/√2"' in text
    opened = draw_attention(graph, expand=["x₂", "softmax"]).dot
    assert "<b>x₂[4]</b>" in opened and "<b>log a₃₁</b>" in opened and "<b>k₂[1]</b>" not in opened


def test_expand_names_a_group_of_the_graph():
    with pytest.raises(ConfigError, match=r"expand: 'score' is not a group of this graph; valid"):
        draw_attention(head_graph(), expand=["score"])


def test_the_drawing_renders():
    svg = draw_attention(head_graph(2)).svg()
    assert svg.count('class="node"') == 4 * 2 + 6 + 1  # the boxes and the legend
