"""Activation functions by name and as callables, plus `softmax` and `log_softmax` over a list.

Each elementwise activation is one engine op (one node), listed by the op table (`ops.OPS`, the
records marked `activation`); `linear` records nothing at all. `register_activation(name, fn)`
adds your own: neurons given its name apply it, and their weights start Glorot-uniform.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, MutableMapping, Sequence

from . import core as engine
from .core import Operand, Value
from .errors import ConfigError, ShapeError
from .ops import OPS, Op, engine_function, pretty

__all__ = [
    "ACTIVATIONS",
    "activation_name",
    "elu",
    "engine_activation",
    "get_activation",
    "initialisation",
    "leaky_relu",
    "linear",
    "log_softmax",
    "op_activation",
    "register_activation",
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


_FROM_OPS: dict[str, tuple[Op, Activation]] = {}  # name → (its op record, the function made)


def op_activation(name: str) -> Activation:
    """The activation function of the op table's op `name` (one engine op, one node)."""
    op = OPS[name]
    made = _FROM_OPS.get(name)
    if made is None or made[0] is not op:
        compute = engine_function(op, Value)

        def activation(x: Operand, *param: float) -> Value:
            return compute(_value(x), *param)

        activation.__name__ = activation.__qualname__ = name
        shown = f"{op.name}(x, {op.param}={op.default})" if op.param else f"{op.name}(x)"
        activation.__doc__ = f"{shown}: the {op.title}, f'(x) = {pretty(op.derivatives[0])}."
        made = _FROM_OPS[name] = (op, activation)
    return made[1]


# The op table's activations, by name (each also listed in ACTIVATIONS).
relu = op_activation("relu")
leaky_relu = op_activation("leaky_relu")
elu = op_activation("elu")
sigmoid = op_activation("sigmoid")
tanh = op_activation("tanh")
softplus = op_activation("softplus")


class _Registry(MutableMapping[str, Activation]):
    """`linear`, every op the op table marks as an activation, then the ones registered."""

    def __init__(self) -> None:
        self._registered: dict[str, Activation] = {}

    def _builtin(self) -> dict[str, Activation]:
        ops = [op.name for op in OPS.values() if op.activation]
        return {"linear": linear, **{name: op_activation(name) for name in ops}}

    def is_builtin(self, name: str) -> bool:
        """Whether `name` is `linear` or an op of the op table (not a registered function)."""
        return name in self._builtin()

    def __getitem__(self, name: str) -> Activation:
        builtin = self._builtin()
        return builtin[name] if name in builtin else self._registered[name]

    def __setitem__(self, name: str, fn: Activation) -> None:
        register_activation(name, fn)

    def __delitem__(self, name: str) -> None:
        if self.is_builtin(name):
            raise ConfigError(f"activation {name!r} comes from the op table; it cannot be removed")
        del self._registered[name]

    def __iter__(self) -> Iterator[str]:
        yield from self._builtin()
        yield from (name for name in self._registered if not self.is_builtin(name))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"ACTIVATIONS({', '.join(self)})"


_REGISTRY = _Registry()
ACTIVATIONS: MutableMapping[str, Activation] = _REGISTRY


def register_activation(name: str, fn: Activation) -> None:
    """Make `fn` (a function of a Value returning a Value) an activation known by `name`.

    Neurons given the name apply `fn`, their weights start Glorot-uniform, and a model using it
    can be saved and loaded by name once it is registered again. Built-in names cannot be taken.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ConfigError(f"an activation name must be a word like 'swish', got {name!r}")
    if not callable(fn):
        raise ConfigError(f"activation {name!r} must be a function of a Value, got {fn!r}")
    if _REGISTRY.is_builtin(name):
        raise ConfigError(f"{name!r} is a built-in activation; register yours under another name")
    _REGISTRY._registered[name] = fn


def engine_activation(name: str) -> Activation | None:
    """What a neuron applies for the activation `name`: None for linear (no node at all), the
    engine's own function for an op of the table, else the registered function."""
    if name == "linear":
        return None
    op = OPS.get(name)
    if op is not None and op.activation:
        return engine_function(op, Value)
    return get_activation(name)


def initialisation(name: str) -> str:
    """How a neuron with the activation `name` draws its weights: "he" for the relu family,
    "glorot" for the rest (linear, sigmoid, tanh, softplus and every registered activation)."""
    op = OPS.get(name)
    return op.init if op is not None and op.activation else "glorot"


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
