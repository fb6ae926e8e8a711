"""The tiny GPT (nnscalar.transformer): it learns, its gradients are right, its baseline exact."""

from __future__ import annotations

import math
import random

import pytest

from nnscalar import Adam, gradcheck, no_grad, topological_order
from nnscalar.errors import ConfigError, ShapeError
from nnscalar.transformer import (
    CharTokenizer,
    TinyGPT,
    attention_graph,
    load_names,
    unigram_loss,
)

WORDS = ["ada", "bob", "abba", "dan"]


def small_model() -> tuple[TinyGPT, list[list[int]]]:
    tokenizer = CharTokenizer(WORDS)
    model = TinyGPT(tokenizer.vocab_size, block_size=5, n_embd=4, n_head=2, seed=1)
    return model, [tokenizer.encode(w) for w in WORDS]


def test_a_small_one_learns_and_its_gradients_pass_gradcheck():
    model, batch = small_model()
    params = model.parameters()
    # embeddings (6 tokens, 5 positions) × 4, then (inputs + 1) × outputs: qkv, proj, fc, fc2, head
    assert len(params) == 6 * 4 + 5 * 4 + 5 * 12 + 5 * 4 + 5 * 16 + 17 * 4 + 5 * 6
    report = gradcheck(lambda *_: model.loss(batch), params)
    assert report, str(report)
    optimizer = Adam(params, lr=0.05)
    losses = []
    for _ in range(12):
        loss = model.loss(batch)
        losses.append(loss.data)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert losses[-1] < losses[0] - 0.5, losses
    assert round(losses[0], 9) == 2.256389519  # seed 1: the same on both cores (ln 6 = 1.79)


def test_tokenizer_baseline_and_names():
    tokenizer = CharTokenizer(["ab", "b"])
    assert tokenizer.chars == [".", "a", "b"] and tokenizer.encode("ab") == [0, 1, 2, 0]
    assert tokenizer.decode([0, 2, 1, 0]) == "ba"
    # targets a b . b . : p(a) = 1/5, p(b) = p(.) = 2/5
    assert unigram_loss(["ab", "b"]) == pytest.approx(-(0.2 * math.log(0.2) + 0.8 * math.log(0.4)))
    names = load_names()
    assert len(names) >= 300 and all(n.isalpha() and n.islower() for n in names)
    with pytest.raises(ConfigError, match="'z' in 'az' is not in the vocabulary"):
        tokenizer.encode("az")


def test_sampling_and_errors():
    model, _ = small_model()
    tokens = model.sample(random.Random(0))
    assert len(tokens) <= 5 and all(0 < t < 6 for t in tokens)
    with pytest.raises(ShapeError, match="1 to 5 tokens at a time, got 6"):
        model.logits([0] * 6)
    with pytest.raises(ConfigError, match="n_head=3 must divide n_embd=4"):
        TinyGPT(5, 5, n_embd=4, n_head=3)


def _heads_seen(model: TinyGPT, tokens: list[int]) -> dict[tuple[int, int], list[float]]:
    """(position, layer) → the heads' outputs, as the model's own forward pass computes them."""
    seen = {}
    model.logits(tokens, lambda t, layer, x, heads: seen.__setitem__((t, layer), heads))
    return {key: [v.data for v in heads] for key, heads in seen.items()}


def test_attention_graph_gives_the_models_head_output_bit_for_bit():
    tokenizer = CharTokenizer(WORDS)
    model = TinyGPT(tokenizer.vocab_size, block_size=5, n_embd=4, n_head=2, n_layer=2, seed=3)
    tokens = tokenizer.encode("abba")[:-1]  # what the model reads: . a b b a
    seen = _heads_seen(model, tokens)
    for position in range(1, 6):
        for layer in (1, 2):
            for head in (1, 2):
                for dim in (1, 2):
                    graph = attention_graph(model, tokens, position, head, layer, dim)
                    assert graph.root.data == seen[position, layer][2 * (head - 1) + dim - 1]


def test_attention_graph_nodes_are_named_and_grouped_as_a_learner_reads_them():
    model, _ = small_model()
    tokens = CharTokenizer(WORDS).encode("ada")[:-1]  # . a d a: position 3 is "d"
    graph = attention_graph(model, tokens, 3, dim=2)
    nodes = {v.label: v for v in topological_order(graph.root)}
    assert graph.root is nodes["out₃[2]"]
    assert graph.title == "attention head 1 of block 1 at position 3, output entry 2"
    assert list(graph.notes) == [
        *("x₁", "x₂", "x₃", "Wq", "Wk", "Wv", "q₃/√2"),
        *("k₁", "v₁[2]", "k₂", "v₂[2]", "k₃", "v₃[2]"),
        *("score₃₁", "score₃₂", "score₃₃", "softmax", "out₃[2]"),
    ]
    assert graph.notes["score₃₂"] == "q₃·k₂/√2" and graph.notes["k₂"] == "key Wk·x₂"
    assert set(graph.groups.values()) == set(graph.notes)
    assert set(graph.groups) == set(topological_order(graph.root))  # every node in one box
    weights = [nodes[f"a₃{s}"] for s in "₁₂₃"]
    assert math.isclose(sum(a.data for a in weights), 1.0, rel_tol=1e-15)
    for s, a in zip("₁₂₃", weights):  # softmax of the scores q·k/√2, written out
        scores = [nodes[f"score₃{r}"].data for r in "₁₂₃"]
        assert math.isclose(a.data, math.exp(nodes[f"score₃{s}"].data) / sum(map(math.exp, scores)))
        q = [nodes[f"q₃[{j}]/√2"].data for j in (1, 2)]
        k = [nodes[f"k{s}[{j}]"].data for j in (1, 2)]
        assert nodes[f"score₃{s}"].data == q[0] * k[0] + q[1] * k[1] + 0.0
    graph.root.backward()
    for s, a in zip("₁₂₃", weights):  # out = Σ aₛ·vₛ: each weight's grad is its value, and back
        assert a.grad == nodes[f"v{s}[2]"].data and nodes[f"v{s}[2]"].grad == a.data
    assert all(p.grad == 0.0 for p in model.parameters())  # its leaves are copies


def test_attention_graph_refuses_what_the_model_does_not_have():
    model, _ = small_model()
    with pytest.raises(ConfigError, match=r"position=5 is not valid; valid: 1 to 4"):
        attention_graph(model, [0, 1, 2, 1], 5)
    with pytest.raises(ConfigError, match=r"head=3 is not valid; valid: 1 to 2"):
        attention_graph(model, [0, 1], 1, head=3)
    with pytest.raises(ConfigError, match=r"dim=0 is not valid; valid: 1 to 2"):
        attention_graph(model, [0, 1], 1, dim=0)
    with pytest.raises(ConfigError, match=r"tokens: 9 is not a token id; valid: ints 0 to 5"):
        attention_graph(model, [0, 9], 1)
    with no_grad(), pytest.raises(ConfigError, match=r"call it outside no_grad\(\)"):
        attention_graph(model, [0, 1], 1)
