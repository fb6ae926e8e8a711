"""`draw_attention`: one attention head at one position, collapsed into labelled boxes or not."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from nnscalar import topological_order
from nnscalar.errors import ConfigError
from nnscalar.explain import backward_steps, number
from nnscalar.page import StepPage
from nnscalar.render import dot, draw_attention
from nnscalar.render.colors import NEGATIVE_HEX, POSITIVE_HEX, SIGN_TITLE
from nnscalar.transformer import CharTokenizer, TinyGPT, attention_graph, word_attention

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


# --- from the command line and on the step page ---------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nnscalar", *args], capture_output=True, text=True, timeout=120
    )


def test_draw_attention_from_the_command_line(tmp_path):
    result = _cli("draw", "--attention", "emma", "--position", "3", "--backward")
    assert result.returncode == 0, result.stderr
    graph = word_attention("emma", 3)
    graph.root.backward()
    assert result.stdout == draw_attention(graph, precision=4).dot
    assert graph.title == (
        "attention head 1 of block 1 at position 3 ('m' of '.emma'), output entry 1, "
        "TinyGPT seed 0 untrained"
    )
    result = _cli(
        "draw", "--attention", "emma", "--expand", "score52,q5", "-o", str(tmp_path / "h.svg")
    )
    assert result.returncode == 0, result.stderr
    svg = (tmp_path / "h.svg").read_text()
    shown = re.findall(r">([^<>]+)</text>", svg)  # position 5, the "a": two boxes opened
    assert "score₅₂ bias" in shown and "q₅[2]/√4" in shown and "k₂[1]" not in shown
    for args, message in (
        (["--attention", "emma", "--position", "6"], "--position=6 is not valid; valid: 1 to 5"),
        (["--attention", "emma", "--head", "3"], "--head=3 is not valid; valid: 1 to 2"),
        (["--attention", "emma!"], "--attention: '!' in 'emma!' is not a letter of the names"),
        (["--attention", "emma", "--expand", "k9"], "--expand: 'k9' is not a group of this"),
        (["--example", "neuron", "--position", "2"], "--position goes with --attention WORD"),
        (["--example", "neuron", "--expand"], "--expand opens the boxes of --attention WORD"),
    ):
        result = _cli("draw", *args)
        assert result.returncode != 0 and message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr


def test_step_attention_in_the_terminal_walks_every_node():
    result = _cli("step", "--attention", "emma", "--position", "2", "--all")
    assert result.returncode == 0, result.stderr
    graph = word_attention("emma", 2)
    steps = backward_steps(graph.root)
    # position 2: the query's 4 projections and 4 scalings, 2 keys of 4, 2 values, 2 scores,
    # 2 log-softmax and 2 exp nodes, the output
    assert len(steps) == 8 + 8 + 2 + 2 + 4 + 1
    text = " ".join(result.stdout.split())
    assert "position 2 ('e' of '.emma')" in text
    a21 = next(v for v in topological_order(graph.root) if v.label == "a₂₁")
    graph.root.backward()
    assert f"grad of a₂₁: 0.0 + {number(a21.grad)} = {number(a21.grad)}" in text


def test_the_step_page_shows_the_boxes_and_a_click_opens_one(browser, tmp_path):
    path = tmp_path / "head.html"
    result = _cli("step", "--attention", "emma", "--position", "3", "--html", str(path))
    assert result.returncode == 0, result.stderr
    graph = word_attention("emma", 3)
    assert path.read_text() == StepPage.attention(graph).html()
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(path.as_uri())
    boxes, nodes = page.query_selector_all("#graph svg")
    assert boxes.is_visible() and not nodes.is_visible()
    titles = "els => els.map(e => e.querySelector('title').textContent)"
    assert len(boxes.eval_on_selector_all("g.node", titles)) == 18 + 1  # and the legend
    # the first step is the output's: its box is marked, in the drawing of boxes
    steps = backward_steps(graph.root)
    page.click("#next")
    assert page.text_content("#position") == f"Step 1 of {len(steps)}"
    out = boxes.eval_on_selector_all("g.node.current", titles)
    assert out == [boxes.eval_on_selector_all("g.node", titles)[-2]]  # the last box: out₃[1]
    assert page.text_content(f"#label-{out[0]}") == "grad 1.0"  # each box's grads fill in
    # out = Σ aₛ·vₛ[1] + bias: the first step gives each softmax weight its grad, vₛ[1]
    weights = [t for t in steps[0].terms if t.parent.op == "exp"]
    assert [t.grad_after for t in weights] == [t.parent.data for t in steps[0].terms[3:6]]
    shown = boxes.eval_on_selector_all("text.grad", "els => els.map(e => e.textContent)")
    assert "grad " + "  ".join(number(t.grad_after) for t in weights) in shown
    # a click on the softmax box opens every scalar node, zoomed to the softmax's cluster
    softmax = next(
        g for g in boxes.query_selector_all("g.node.opens") if "softmax" in g.text_content()
    )
    softmax.click()
    assert nodes.is_visible() and not boxes.is_visible()
    assert page.text_content("#open-boxes") == "Close the boxes"
    assert page.text_content("#zoom-level") != "100%"
    labels = nodes.eval_on_selector_all("g.node", "els => els.map(e => e.textContent)")
    assert any("log a₃₁" in text for text in labels) and any("a₃₂" in text for text in labels)
    # the gradient of the first step is filled in under its parents, as on every step page
    ids = {node: f"v{i}" for i, node in enumerate(topological_order(graph.root))}
    first = steps[0].terms[0]
    assert page.text_content(f"#label-{ids[first.parent]}").endswith(number(first.grad_after))
    page.click("#open-boxes")
    assert boxes.is_visible() and page.text_content("#zoom-level") == "100%"
    assert problems == []
    page.close()


def test_a_trained_head_is_drawn_after_its_adam_steps():
    """--train STEPS: the TinyGPT is trained on the names first (as demos/tiny_gpt.py trains),
    then the same head is drawn; its numbers are that model's, the same on either core."""
    from nnscalar.pipeline import attention_after_training

    trained = attention_after_training("emma", 5, steps=5)
    assert trained.title == (
        "attention head 1 of block 1 at position 5 ('a' of '.emma'), output entry 1, "
        "TinyGPT seed 0 trained 5 Adam steps (last batch loss 3.325)"
    )
    assert trained.root.data == -0.0619802255877975
    assert attention_after_training("emma", 5).root.data == word_attention("emma", 5).root.data
    result = _cli("draw", "--attention", "emma", "--train", "3")
    assert result.returncode == 0, result.stderr
    expected = attention_after_training("emma", steps=3)
    assert result.stdout == draw_attention(expected, precision=4).dot
    for args, message in (
        (["--attention", "emma", "--train", "-1"], "--train: -1 steps; valid: a whole number"),
        (["--example", "neuron", "--train", "3"], "--train goes with --attention WORD"),
    ):
        result = _cli("draw", *args)
        assert result.returncode != 0 and message in result.stderr
