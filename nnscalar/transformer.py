"""A character-level transformer small enough for a scalar engine (a tiny GPT).

Token and position embeddings, causal self-attention with one or more heads, RMSNorm, a ReLU MLP
block, each with a residual connection, and a linear head giving the next character's logits.
Every number is a Value: dot products are `weighted_sum` nodes, softmax is `log_softmax`.
Train it with `loss` and any optimizer (Adam in demos/tiny_gpt.py); `sample` writes new names.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from importlib import resources

from .core import Value, log_softmax, no_grad, vsum, weighted_sum, weighted_sums
from .errors import ConfigError, ShapeError
from .module import Module

__all__ = ["CharTokenizer", "TinyGPT", "load_names", "unigram_loss"]

BOUNDARY = "."  # token 0: the start and the end of every name

Linear = list[tuple[list[Value], Value]]  # one (weights, bias) pair per output


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

    def logits(self, tokens: Sequence[int]) -> list[list[Value]]:
        """The next-token logits at every position of `tokens` (attending to earlier ones)."""
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
            for block, ks, vs in zip(self.blocks, keys, values):
                qkv = _apply(block["qkv"], _rmsnorm(x))
                q = [qi * scale for qi in qkv[:d]]
                ks.append(qkv[d : 2 * d])
                vs.append(qkv[2 * d :])
                heads = []
                for h in range(0, d, hs):  # each head attends over its slice of q, k, v
                    scores = [weighted_sum(q[h : h + hs], k[h : h + hs], self._zero) for k in ks]
                    att = [lp.exp() for lp in log_softmax(scores)]
                    for j in range(h, h + hs):
                        heads.append(weighted_sum(att, [v[j] for v in vs], self._zero))
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
