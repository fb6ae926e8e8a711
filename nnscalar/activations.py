"""Activation functions by name and as callables, plus `softmax` and `log_softmax` over a list.

Each elementwise activation is one engine op (one node); `linear` records nothing at all.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence

from . import core as engine
from .core import Operand, Value
from .errors import ConfigError, ShapeError

__all__ = [
    "ACTIVATIONS",
    "activation_name",
    "elu",
    "get_activation",
    "leaky_relu",
    "linear",
    "log_softmax",
    "relu",
    "sigmoid",
    "softmax",
    "softplus",
    "tanh",
]

Activation = Callable[[Value], Value]


def _value(x: Operand) -> Value:
    return x if isinstance(x, Value) else Value(x)


def linear(x: Operand) -> Value:
    """f(x) = x (the identity: no node is recorded)."""
    return _value(x)


def relu(x: Operand) -> Value:
    """f(x) = max(0, x); f'(0) = 0 as in PyTorch."""
    return _value(x).relu()


def leaky_relu(x: Operand, slope: float = 0.01) -> Value:
    """f(x) = x for x > 0, else slope·x (PyTorch's default slope 0.01)."""
    return _value(x).leaky_relu(slope)


def elu(x: Operand, alpha: float = 1.0) -> Value:
    """f(x) = x for x > 0, else α(eˣ − 1)."""
    return _value(x).elu(alpha)


def sigmoid(x: Operand) -> Value:
    """f(x) = 1/(1 + e⁻ˣ), computed without overflow for any x."""
    return _value(x).sigmoid()


def tanh(x: Operand) -> Value:
    """f(x) = tanh x."""
    return _value(x).tanh()


def softplus(x: Operand) -> Value:
    """f(x) = ln(1 + eˣ), a smooth relu, computed without overflow for any x."""
    return _value(x).softplus()


ACTIVATIONS: dict[str, Activation] = {
    "linear": linear,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "elu": elu,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "softplus": softplus,
}


def get_activation(activation: str | Activation) -> Activation:
    """The activation function for a name in `ACTIVATIONS`, or the callable itself."""
    if isinstance(activation, str):
        try:
            return ACTIVATIONS[activation]
        except KeyError:
            raise _unknown(activation) from None
    if callable(activation):
        return activation
    raise ConfigError(
        f"activation must be a name or a function of a Value, got {activation!r}; "
        f"valid names: {', '.join(ACTIVATIONS)}"
    )


def activation_name(activation: str | Activation) -> str:
    """The name an activation is known by: its `ACTIVATIONS` key, else the function's name."""
    if isinstance(activation, str):
        get_activation(activation)
        return activation
    fn = get_activation(activation)
    for name, known in ACTIVATIONS.items():
        if fn is known:
            return name
    return getattr(fn, "__name__", type(fn).__name__)


def softmax(values: Sequence[Operand]) -> list[Value]:
    """softmaxₖ = e^(aₖ − m) / Σ e^(aᵢ − m) with m = max a: the same numbers, but no overflow."""
    if not values:
        raise ShapeError("softmax needs at least one value, got an empty list")
    values = [_value(v) for v in values]
    top = max(v.data for v in values)  # a constant shift: the gradient is unchanged
    exps = [(v - top).exp() for v in values]
    total = engine.vsum(exps)
    return [e / total for e in exps]


def log_softmax(values: Sequence[Operand]) -> list[Value]:
    """log softmaxₖ = aₖ − log Σ e^(aᵢ), one fused node per entry (the max is subtracted first)."""
    return engine.log_softmax(values)


def _unknown(name: str) -> ConfigError:
    close = difflib.get_close_matches(name, ACTIVATIONS, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return ConfigError(f"unknown activation {name!r}; {hint}valid names: {', '.join(ACTIVATIONS)}")
