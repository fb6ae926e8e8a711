"""Small graphs to draw when no model or expression is at hand (`nnscalar draw --example NAME`)."""

from __future__ import annotations

from collections.abc import Callable

from ..core import Value, weighted_sum
from ..errors import ConfigError

__all__ = ["EXAMPLES", "example"]


def expression() -> Value:
    """o = tanh(x1·w1 + x2·w2 + b), every step a labelled node (micrograd's neuron, by hand)."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1·w1"
    x2w2 = x2 * w2
    x2w2.label = "x2·w2"
    n = x1w1 + x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def neuron() -> Value:
    """The same neuron as one fused node: out = tanh(Σ wᵢxᵢ + b), labelled as nn labels it."""
    weights = [Value(-3.0, label="L1.N1.w1"), Value(1.0, label="L1.N1.w2")]
    bias = Value(6.8813735870195432, label="L1.N1.b")
    z = weighted_sum(weights, [2.0, 0.0], bias)
    z.label = "L1.N1.z"
    out = z.tanh()
    out.label = "L1.N1.out"
    return out


EXAMPLES: dict[str, Callable[[], Value]] = {"expression": expression, "neuron": neuron}


def example(name: str) -> Value:
    """The root of the built-in example graph `name` (a fresh graph, gradients 0)."""
    if name not in EXAMPLES:
        raise ConfigError(f"no example {name!r}; valid: {', '.join(EXAMPLES)}")
    return EXAMPLES[name]()
