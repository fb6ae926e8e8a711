"""A character-level transformer small enough for a scalar engine (a tiny GPT).

Token and position embeddings, causal self-attention with one or more heads, RMSNorm, a ReLU MLP
block, each with a residual connection, and a linear head giving the next character's logits.
Every number is a Value: dot products are `weighted_sum` nodes, softmax is `log_softmax`.
Train it with `loss` and any optimizer (Adam in demos/tiny_gpt.py); `sample` writes new names.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources

from .core import (
    Value,
    is_grad_enabled,
    log_softmax,
    no_grad,
    vsum,
    weighted_sum,
    weighted_sums,
)
from .errors import ConfigError, ShapeError
from .module import Module

__all__ = [
    "AttentionGraph",
    "CharTokenizer",
    "TinyGPT",
    "attention_graph",
    "load_names",
    "unigram_loss",
    "word_attention",
]

BOUNDARY = "."  # token 0: the start and the end of every name

Linear = list[tuple[list[Value], Value]]  # one (weights, bias) pair per output
Watch = Callable[[int, int, list[Value], list[Value]], None]


def load_names() -> list[str]:
    """The names list shipped with nnscalar (a few hundred common first names, lowercase)."""
    text = resources.files("nnscalar").joinpath("names.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


class CharTokenizer:
    """Characters to token ids: 0 is the boundary `.`, then the characters of the words, sorted."""

    def __init__(self, words: Sequence[str]) -> None:
        self.chars = [BOUNDARY, *sorted(set("".join(words)) - {BOUNDARY})]
        self.ids = {c: i for i, c in enumerate(self.chars)}

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, word: str) -> list[int]:
        """`.word.` as ids: the model reads all but the last and predicts all but the first."""
        unknown = [c for c in word if c not in self.ids or c == BOUNDARY]
        if unknown:
            raise ConfigError(f"encode: {unknown[0]!r} in {word!r} is not in the vocabulary")
        return [0, *[self.ids[c] for c in word], 0]

    def decode(self, ids: Sequence[int]) -> str:
        return "".join(self.chars[i] for i in ids if i != 0)


def unigram_loss(words: Sequence[str]) -> float:
    """The cross-entropy (nats per character) of guessing each next character from the
    characters' frequencies alone: the baseline a model must beat to have learnt any context."""
    counts: dict[str, int] = {}
    for w in words:
        for c in [*w, BOUNDARY]:  # the targets: every character and the end of the name
            counts[c] = counts.get(c, 0) + 1
    total = sum(counts.values())
    return -math.fsum(n / total * math.log(n / total) for n in counts.values())


class TinyGPT(Module):
    """A GPT with `n_layer` blocks of `n_head`-head attention and an MLP, width `n_embd`."""

    def __init__(
        self,
        vocab_size: int,
        block_size: int,
        n_embd: int = 16,
        n_head: int = 2,
        n_layer: int = 1,
        seed: int = 0,
    ) -> None:
        for name, n in (("vocab_size", vocab_size), ("block_size", block_size), ("n_embd", n_embd)):
            if not isinstance(n, int) or n < 1:
                raise ConfigError(f"TinyGPT: {name} must be a positive int, got {n!r}")
        if not isinstance(n_head, int) or n_head < 1 or n_embd % n_head:
            raise ConfigError(f"TinyGPT: n_head={n_head!r} must divide n_embd={n_embd}")
        self.vocab_size, self.block_size = vocab_size, block_size
        self.n_embd, self.n_head, self.n_layer = n_embd, n_head, n_layer
        rng = random.Random(seed)
        d = n_embd

        def matrix(rows: int, cols: int) -> list[list[Value]]:
            return [[Value(rng.gauss(0.0, 0.3)) for _ in range(cols)] for _ in range(rows)]

        def linear(n_in: int, n_out: int) -> Linear:
            std = 1.0 / math.sqrt(n_in)
            return [
                ([Value(rng.gauss(0.0, std)) for _ in range(n_in)], Value(0.0))
                for _ in range(n_out)
            ]

        self.wte = matrix(vocab_size, d)  # token embeddings
        self.wpe = matrix(block_size, d)  # position embeddings
        self.blocks = [
            {
                "qkv": linear(d, 3 * d),
                "proj": linear(d, d),
                "fc": linear(d, 4 * d),
                "fc2": linear(4 * d, d),
            }
            for _ in range(n_layer)
        ]
        self.head = linear(d, vocab_size)
        self._zero = Value(0.0)  # the bias of the attention's dot products (not a parameter)

    def logits(self, tokens: Sequence[int], watch: Watch | None = None) -> list[list[Value]]:
        """The next-token logits at every position of `tokens` (attending to earlier ones).

        `watch(position, layer, x, heads)` (both 1-based) sees each block's normalised input and
        its heads' outputs, head after head: what `attention_graph` reads."""
        if not 0 < len(tokens) <= self.block_size:
            raise ShapeError(
                f"TinyGPT reads 1 to {self.block_size} tokens at a time, got {len(tokens)}"
            )
        d, hs = self.n_embd, self.n_embd // self.n_head
        scale = 1.0 / math.sqrt(hs)
        keys: list[list[list[Value]]] = [[] for _ in self.blocks]
        values: list[list[list[Value]]] = [[] for _ in self.blocks]
        out = []
        for t, tok in enumerate(tokens):
            x = [a + b for a, b in zip(self.wte[tok], self.wpe[t])]
            for layer, (block, ks, vs) in enumerate(zip(self.blocks, keys, values), start=1):
                normed = _rmsnorm(x)
                qkv = _apply(block["qkv"], normed)
                q = [qi * scale for qi in qkv[:d]]
                ks.append(qkv[d : 2 * d])
                vs.append(qkv[2 * d :])
                heads = []
                for h in range(0, d, hs):  # each head attends over its slice of q, k, v
                    scores = [weighted_sum(q[h : h + hs], k[h : h + hs], self._zero) for k in ks]
                    att = [lp.exp() for lp in log_softmax(scores)]
                    for j in range(h, h + hs):
                        heads.append(weighted_sum(att, [v[j] for v in vs], self._zero))
                if watch is not None:
                    watch(t + 1, layer, normed, heads)
                x = [a + b for a, b in zip(x, _apply(block["proj"], heads))]
                hidden = [u.relu() for u in _apply(block["fc"], _rmsnorm(x))]
                x = [a + b for a, b in zip(x, _apply(block["fc2"], hidden))]
            out.append(_apply(self.head, _rmsnorm(x)))
        return out

    def loss(self, sequences: Sequence[Sequence[int]]) -> Value:
        """Mean cross-entropy of predicting each next token of each sequence (`encode`'s ids)."""
        terms = []
        for seq in sequences:
            seq = list(seq)[: self.block_size + 1]
            for logits, target in zip(self.logits(seq[:-1]), seq[1:]):
                terms.append(log_softmax(logits)[target])
        if not terms:
            raise ShapeError("TinyGPT.loss needs at least one sequence of two or more tokens")
        return vsum(terms) * (-1.0 / len(terms))

    def sample(self, rng: random.Random, temperature: float = 1.0) -> list[int]:
        """Token ids drawn one at a time from the model, from the boundary until the next one."""
        tokens = [0]
        with no_grad():
            while len(tokens) <= self.block_size:
                logits = [v.data / temperature for v in self.logits(tokens)[-1]]
                top = max(logits)
                weights = [math.exp(z - top) for z in logits]
                token = rng.choices(range(self.vocab_size), weights=weights)[0]
                if token == 0:
                    break
                tokens.append(token)
        return tokens[1:]


def _apply(linear: Linear, x: list[Value]) -> list[Value]:
    return weighted_sums(linear, [x])[0]


def _rmsnorm(x: list[Value]) -> list[Value]:
    """x / √(mean(x²) + ε): every vector the same size, without a learnt gain."""
    mean_square = vsum([xi * xi for xi in x]) * (1.0 / len(x))
    scale = (mean_square + 1e-5) ** -0.5
    return [xi * scale for xi in x]


@dataclass(frozen=True)
class AttentionGraph:
    """One attention head at one position as a graph of its own, its nodes grouped in boxes.

    `root` is the head's output entry `out[dim]`; `groups` maps every node to its box (`"q₃/√4"`,
    `"score₃₂"`, `"softmax"`, …) and `notes` each box to what it computes. The leaves are copies
    of the block's normalised inputs and of the head's weights: backward on it leaves the model's
    gradients alone. Draw it with `nnscalar.render.draw_attention`, step it with `StepPage`."""

    root: Value
    groups: dict[Value, str]
    notes: dict[str, str]
    title: str


def attention_graph(
    model: TinyGPT,
    tokens: Sequence[int],
    position: int,
    head: int = 1,
    layer: int = 1,
    dim: int = 1,
) -> AttentionGraph:
    """Head `head` of block `layer` at `position` (all 1-based): the query, keys and values
    projected from the block's inputs, the scores q·k/√d with every position up to this one, the
    softmax weights a and the weighted sum of the values' entry `dim` — the same numbers as
    `model.logits(tokens)`, bit for bit."""
    if not isinstance(model, TinyGPT):
        raise ConfigError(f"attention_graph needs a TinyGPT, got {type(model).__name__}")
    hs = model.n_embd // model.n_head
    bad = [t for t in tokens if not isinstance(t, int) or not 0 <= t < model.vocab_size]
    if bad:
        raise ConfigError(
            f"tokens: {bad[0]!r} is not a token id; valid: ints 0 to {model.vocab_size - 1}"
        )
    for name, n, top in (
        ("position", position, min(len(tokens), model.block_size)),
        ("head", head, model.n_head),
        ("layer", layer, model.n_layer),
        ("dim", dim, hs),
    ):
        if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= top:
            raise ConfigError(f"{name}={n!r} is not valid; valid: 1 to {top}")
    if not is_grad_enabled():
        raise ConfigError("attention_graph records a graph: call it outside no_grad()")
    normed: dict[int, list[float]] = {}

    def watch(t: int, block: int, x: list[Value], heads: list[Value]) -> None:
        if block == layer:
            normed[t] = [xi.data for xi in x]

    with no_grad():
        model.logits(tokens[:position], watch)
    return _head_graph(model, normed, position, head, layer, dim)


_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _sub(*numbers: int) -> str:
    """Subscripts: `₃₂` for (3, 2), `₁₀,₁₁` where a number has two digits."""
    joiner = "," if any(n > 9 for n in numbers) else ""
    return joiner.join(str(n).translate(_SUBSCRIPTS) for n in numbers)


def _head_graph(
    model: TinyGPT, normed: dict[int, list[float]], t: int, head: int, layer: int, dim: int
) -> AttentionGraph:
    """The graph `attention_graph` returns, built from the block's inputs at positions 1…t."""
    d, hs = model.n_embd, model.n_embd // model.n_head
    root_d = f"√{hs}"
    groups: dict[Value, str] = {}
    notes: dict[str, str] = {}

    def box(name: str, note: str, nodes: Sequence[Value]) -> None:
        notes[name] = note
        for node in nodes:
            groups[node] = name

    def leaf(data: float, label: str) -> Value:
        return Value(data, label=label)

    xs = {}
    for s in range(1, t + 1):
        xs[s] = [leaf(x, f"x{_sub(s)}[{i}]") for i, x in enumerate(normed[s], start=1)]
        box(f"x{_sub(s)}", f"input {s}, normalised", xs[s])
    qkv = model.blocks[layer - 1]["qkv"]
    rows = {}
    parts = (("q", 0, range(hs)), ("k", d, range(hs)), ("v", 2 * d, [dim - 1]))
    for part, offset, entries in parts:
        rows[part] = []
        for j in entries:
            weights, bias = qkv[offset + (head - 1) * hs + j]
            ws = [leaf(w.data, f"W{part}[{j + 1},{i}]") for i, w in enumerate(weights, start=1)]
            rows[part].append((ws, leaf(bias.data, f"b{part}[{j + 1}]")))
        params = [p for ws, b in rows[part] for p in (*ws, b)]
        box(f"W{part}", f"{part} weights {len(entries)}×{d} and bias", params)

    def project(part: str, s: int, label: str) -> list[Value]:
        out = []
        for j, (ws, b) in enumerate(rows[part], start=1):
            z = weighted_sum(ws, xs[s], b)
            z.label = label.format(j=j if part != "v" else dim)
            out.append(z)
        return out

    q_raw = project("q", t, f"q{_sub(t)}[{{j}}]")
    scale = 1.0 / math.sqrt(hs)  # as TinyGPT scales the whole query before splitting heads
    q = []
    for j, z in enumerate(q_raw, start=1):
        q.append(z * scale)
        q[-1].label = f"q{_sub(t)}[{j}]/{root_d}"
    box(f"q{_sub(t)}/{root_d}", f"query Wq·x{_sub(t)}, ÷ {root_d}", q_raw + q)
    keys, values = [], []
    for s in range(1, t + 1):
        keys.append(project("k", s, f"k{_sub(s)}[{{j}}]"))
        box(f"k{_sub(s)}", f"key Wk·x{_sub(s)}", keys[-1])
        values.append(project("v", s, f"v{_sub(s)}[{{j}}]")[0])
        box(f"v{_sub(s)}[{dim}]", f"value Wv·x{_sub(s)}, entry {dim}", [values[-1]])
    scores = []
    for s, k in enumerate(keys, start=1):
        zero = leaf(0.0, f"score{_sub(t, s)} bias")  # TinyGPT's dot products add a bias of 0
        scores.append(weighted_sum(q, k, zero))
        scores[-1].label = f"score{_sub(t, s)}"
        box(scores[-1].label, f"q{_sub(t)}·k{_sub(s)}/{root_d}", [zero, scores[-1]])
    logs = log_softmax(scores)
    weights = [lp.exp() for lp in logs]
    for s, (lp, a) in enumerate(zip(logs, weights), start=1):
        lp.label, a.label = f"log a{_sub(t, s)}", f"a{_sub(t, s)}"
    box("softmax", f"weights a{_sub(t, 1)} … a{_sub(t, t)}, sum 1", [*logs, *weights])
    zero = leaf(0.0, f"out{_sub(t)}[{dim}] bias")
    out = weighted_sum(weights, values, zero)
    out.label = f"out{_sub(t)}[{dim}]"
    box(out.label, f"Σ a{_sub(t)}ₛ·vₛ[{dim}]", [zero, out])
    title = f"attention head {head} of block {layer} at position {t}, output entry {dim}"
    return AttentionGraph(out, groups, notes, title)


def names_model(seed: int = 0) -> tuple[TinyGPT, CharTokenizer]:
    """The 8-wide, two-head TinyGPT over the names list's characters that `word_attention`
    shows, untrained (seed `seed`), and its tokenizer."""
    names = load_names()
    tokenizer = CharTokenizer(names)
    model = TinyGPT(tokenizer.vocab_size, max(map(len, names)) + 1, n_embd=8, n_head=2, seed=seed)
    return model, tokenizer


def word_attention(
    word: str,
    position: int | None = None,
    head: int = 1,
    dim: int = 1,
    seed: int = 0,
    model: tuple[TinyGPT, CharTokenizer] | None = None,
    state: str = "untrained",
) -> AttentionGraph:
    """`attention_graph` of `names_model(seed)` (or `model`, with its tokenizer, whose `state`
    the title tells) reading `.word` (lowercased); `position` defaults to the word's last letter.
    What `nnscalar draw --attention` and `nnscalar step --attention` show."""
    gpt, tokenizer = model or names_model(seed)
    if not word or len(word) >= gpt.block_size:
        raise ConfigError(
            f"attention: {word!r} has {len(word)} letters; valid: 1 to {gpt.block_size - 1}"
        )
    unknown = [c for c in word.lower() if c not in tokenizer.ids or c == BOUNDARY]
    if unknown:
        raise ConfigError(
            f"attention: {unknown[0]!r} in {word!r} is not a letter of the names; "
            f"valid: {''.join(tokenizer.chars[1:])}"
        )
    tokens = tokenizer.encode(word.lower())[:-1]  # the model reads `.word`
    position = len(tokens) if position is None else position
    graph = attention_graph(gpt, tokens, position, head=head, dim=dim)
    read = "." + word.lower()  # attention_graph checked 1 <= position <= len(read)
    where = f"position {position} ({read[position - 1]!r} of {read!r})"
    title = graph.title.replace(f"position {position}", where)
    return AttentionGraph(
        graph.root, graph.groups, graph.notes, f"{title}, TinyGPT seed {seed} {state}"
    )
