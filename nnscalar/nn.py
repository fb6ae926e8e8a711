"""Neural networks built from visible parts: `Synapse`, `Neuron`, `Layer`, `MLP`.

A synapse joins one input to one neuron and holds its weight; a neuron sums its weighted inputs
plus a bias, z = Σ wᵢxᵢ + b, and applies its activation; a layer is a list of neurons; an MLP is
input layer → hidden layers → output layer. Every parameter is labelled by position (`L1.N3.w2`,
`L1.N3.b`), so the same model always draws the same picture.

Initialisation (biases start at 0): weights are drawn uniformly from [−a, a] with
a = √(6 / fan_in) for the relu family (He/Kaiming uniform) and a = √(6 / (fan_in + fan_out))
for linear, sigmoid, tanh, softplus and custom activations (Xavier/Glorot uniform).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from numbers import Real
from pathlib import Path
from typing import Any

from .activations import ACTIVATIONS, Activation, activation_name, get_activation
from .core import Operand, Value, no_grad, weighted_sums
from .errors import ConfigError, NonFiniteError, NotANumberError, ShapeError
from .modelfile import match_weights, read_model, write_model

__all__ = ["MLP", "Layer", "Neuron", "Synapse", "expanded_weighted_sum"]

_HE_FAMILY = frozenset({"relu", "leaky_relu", "elu"})

# The engine's methods themselves, so a fused neuron applies its activation with one call.
_METHODS = {
    "relu": Value.relu,
    "leaky_relu": Value.leaky_relu,
    "elu": Value.elu,
    "sigmoid": Value.sigmoid,
    "tanh": Value.tanh,
    "softplus": Value.softplus,
}


def init_limit(activation: str, fan_in: int, fan_out: int) -> float:
    """The bound a of the uniform initialisation U(−a, a): He for the relu family, else Glorot."""
    if activation in _HE_FAMILY:
        return math.sqrt(6.0 / fan_in)
    return math.sqrt(6.0 / (fan_in + fan_out))


def _rng(seed: int | None, rng: random.Random | None) -> random.Random:
    if rng is not None:
        if seed is not None:
            raise ConfigError("give either seed= or rng=, not both")
        return rng
    return random.Random(seed)


def expanded_weighted_sum(
    weights: Sequence[Value], inputs: Sequence[Operand], bias: Value
) -> Value:
    """z = Σ wᵢxᵢ + b with every × and + its own node, for stepping through by hand: the nodes
    of `w1 * x1 + w2 * x2 + ... + b`, with the same numbers as the fused `weighted_sum`."""
    if len(weights) != len(inputs):
        raise ShapeError(f"weighted_sum got {len(weights)} weights but {len(inputs)} inputs")
    z = None
    for w, x in zip(weights, inputs):
        z = w * x if z is None else z + w * x
    return 0.0 + bias if z is None else z + bias


def _positive_int(n: object, what: str) -> int:
    if type(n) is not int or n < 1:
        raise ConfigError(f"{what} must be a positive int, got {n!r}")
    return n


class Synapse:
    """One weight joining an input (a feature, or a neuron of the previous layer) to a neuron."""

    __slots__ = ("index", "source", "target", "weight")

    def __init__(self, weight: Value, source: int, target: Neuron, index: int) -> None:
        self.weight = weight
        self.source = source  # 0-based index of the input feature or previous-layer neuron
        self.target = target
        self.index = index  # 0-based position in the target neuron

    @property
    def source_name(self) -> str:
        """What feeds this synapse: `x2` for a feature, `L1.N2` for a previous layer's neuron."""
        return f"{self.target.input_prefix}{self.source + 1}"

    def __repr__(self) -> str:
        w = self.weight
        return (
            f"Synapse({self.source_name} → {self.target.name}, weight={w.data:.6g}, "
            f"grad={w.grad:.6g})"
        )

    def __rich__(self) -> str:
        w = self.weight
        return (
            f"{self.source_name} → {self.target.name}  [bold]{w.label}[/] = {w.data:.4f}"
            f"  [dim]grad[/] {w.grad:.4f}"
        )


class Neuron:
    """z = Σ wᵢxᵢ + b, then the activation; `fused` records z as one node, else one per + and ×.

    After a call, `.inputs`, `.z` (labelled `<name>.z`) and `.output` (`<name>.out`; the same Value
    as `.z` for a linear neuron) show the last sample's graph.
    """

    def __init__(
        self,
        n_inputs: int,
        activation: str | Activation = "relu",
        seed: int | None = None,
        fused: bool = True,
        name: str = "N1",
        *,
        rng: random.Random | None = None,
        fan_out: int = 1,
        input_prefix: str = "x",
    ) -> None:
        self.n_inputs = _positive_int(n_inputs, "n_inputs")
        fn = get_activation(activation)
        self.activation = activation_name(activation)
        self.custom_activation = fn is not ACTIVATIONS.get(self.activation)
        # A named activation runs as the engine's method (one call fewer); linear adds no node.
        if self.custom_activation:
            self._apply: Activation | None = fn
        else:
            self._apply = _METHODS.get(self.activation)
        self.name = name
        self.fused = bool(fused)
        self.input_prefix = input_prefix
        generator = _rng(seed, rng)
        # A custom function gets Glorot even if it shares a relu's name.
        limit = init_limit("" if self.custom_activation else self.activation, n_inputs, fan_out)
        weights = tuple(
            Value(generator.uniform(-limit, limit), label=f"{name}.w{i + 1}")
            for i in range(n_inputs)
        )
        # The neuron's (weights, bias) pair, as `weighted_sums` takes it.
        self._params = (weights, Value(0.0, label=f"{name}.b"))
        self.synapses = [Synapse(w, i, self, i) for i, w in enumerate(self.weights)]
        self.inputs: Sequence[Operand] | None = None
        self.z: Value | None = None
        self.output: Value | None = None
        self._z_label = f"{name}.z"
        self._out_label = f"{name}.out"

    @property
    def weights(self) -> tuple[Value, ...]:
        """The neuron's weights (the synapses' tolls), in input order. Assign a list to set them:
        a number sets that weight's value, a Value takes its place."""
        return self._params[0]

    @weights.setter
    def weights(self, values: Sequence[Value | float]) -> None:
        if isinstance(values, (str, bytes)) or len(values) != self.n_inputs:
            given = len(values) if not isinstance(values, (str, bytes)) else repr(values)
            raise ShapeError(
                f"neuron {self.name} has {self.n_inputs} weights; got {given} to set them to"
            )
        checked = [_checked(w, v) for w, v in zip(self.weights, values)]  # all, before any is set
        weights = tuple(map(_set_value, self.weights, checked))
        self._params = (weights, self.bias)
        self.synapses = [Synapse(w, i, self, i) for i, w in enumerate(weights)]

    @property
    def bias(self) -> Value:
        """The neuron's bias b. Assign a number to set its value, or a Value to take its place."""
        return self._params[1]

    @bias.setter
    def bias(self, value: Value | float) -> None:
        self._params = (self.weights, _set_value(self.bias, _checked(self.bias, value)))

    def __call__(self, xs: Sequence[Operand]) -> Value:
        if len(xs) != self.n_inputs:
            raise ShapeError(f"neuron {self.name} expects {self.n_inputs} inputs, got {len(xs)}")
        if self.fused:
            z = weighted_sums([self._params], [xs])[0][0]
        else:
            weights, bias = self._params
            z = expanded_weighted_sum(weights, xs, bias)
        return self._activate(xs, z)

    def _activate(self, xs: Sequence[Operand], z: Value) -> Value:
        """Label z, apply the activation, and keep the sample's graph inspectable."""
        z.label = self._z_label
        apply = self._apply
        if apply is None:
            out = z
        else:
            out = apply(z)
            out.label = self._out_label
        self.inputs, self.z, self.output = xs, z, out
        return out

    def parameters(self) -> list[Value]:
        """The weights in input order, then the bias."""
        return [*self.weights, self.bias]

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0."""
        for p in self.weights:
            p.grad = 0.0
        self.bias.grad = 0.0

    def num_parameters(self) -> int:
        """How many numbers this neuron learns: one weight per input and the bias."""
        return self.n_inputs + 1

    def __repr__(self) -> str:
        mode = "fused" if self.fused else "expanded"
        return f"Neuron({self.name}: {self.n_inputs} inputs, {self.activation}, {mode})"

    def __rich__(self) -> Any:
        from rich.tree import Tree

        mode = "fused" if self.fused else "expanded"
        tree = Tree(f"[bold]neuron {self.name}[/]  {self.activation}, z = Σ wᵢxᵢ + b ({mode})")
        for synapse in self.synapses:
            tree.add(synapse.__rich__())
        b = self.bias
        tree.add(f"bias  [bold]{b.label}[/] = {b.data:.4f}  [dim]grad[/] {b.grad:.4f}")
        return tree


class Layer:
    """A list of neurons fed the same inputs; `layer(xs)` returns one Value per neuron."""

    def __init__(
        self,
        n_inputs: int,
        n_outputs: int,
        activation: str | Activation = "relu",
        seed: int | None = None,
        fused: bool = True,
        index: int = 1,
        *,
        rng: random.Random | None = None,
    ) -> None:
        n_inputs = _positive_int(n_inputs, "n_inputs")
        _positive_int(n_outputs, "n_outputs")
        self.index = _positive_int(index, "index")
        self.n_inputs = n_inputs
        self.activation = activation_name(activation)
        generator = _rng(seed, rng)
        prefix = "x" if index == 1 else f"L{index - 1}.N"
        self.neurons = [
            Neuron(
                n_inputs,
                activation,
                fused=fused,
                name=f"L{index}.N{j + 1}",
                rng=generator,
                fan_out=n_outputs,
                input_prefix=prefix,
            )
            for j in range(n_outputs)
        ]

    @property
    def name(self) -> str:
        """`L1` for the first hidden layer, and so on."""
        return f"L{self.index}"

    @property
    def fused(self) -> bool:
        """Whether the neurons record z as one node; setting it switches every neuron."""
        return all(n.fused for n in self.neurons)

    @fused.setter
    def fused(self, fused: bool) -> None:
        for n in self.neurons:
            n.fused = bool(fused)

    def __call__(self, xs: Sequence[Operand]) -> list[Value]:
        return self._forward([xs])[0]

    def batch(self, samples: Sequence[Sequence[Operand]]) -> list[list[Value]]:
        """The layer's outputs for each sample, as calling it on each would give them."""
        return self._forward(_sample_list(samples, "Layer.batch", self.n_inputs))

    def _forward(self, samples: list[Sequence[Operand]]) -> list[list[Value]]:
        for xs in samples:
            if len(xs) != self.n_inputs:
                raise ShapeError(f"layer {self.name} expects {self.n_inputs} inputs, got {len(xs)}")
        neurons = self.neurons
        if not all(n.fused for n in neurons):
            return [[n(xs) for n in neurons] for xs in samples]
        # Fused: one node per neuron as Neuron.__call__ records; a sample's inputs are handled
        # once for all neurons, and a neuron's weights once for all samples.
        zss = weighted_sums([n._params for n in neurons], samples)
        return [[n._activate(xs, z) for n, z in zip(neurons, zs)] for xs, zs in zip(samples, zss)]

    def parameters(self) -> list[Value]:
        """Each neuron's parameters in turn (its weights in input order, then its bias)."""
        return [p for n in self.neurons for p in n.parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0."""
        for n in self.neurons:
            n.zero_grad()

    def num_parameters(self) -> int:
        """How many numbers this layer learns."""
        return sum(n.num_parameters() for n in self.neurons)

    def __repr__(self) -> str:
        return f"Layer({self.name}: {self.n_inputs} → {len(self.neurons)}, {self.activation})"

    def __rich__(self) -> Any:
        return self._tree(f"layer {self.name}")

    def _tree(self, title: str) -> Any:
        from rich.tree import Tree

        n = len(self.neurons)
        tree = Tree(f"[bold]{title}[/]: {n} neuron{'s' * (n != 1)}, {self.activation}")
        for n in self.neurons:
            tree.add(n.__rich__())
        return tree


class MLP:
    """A multilayer perceptron: `sizes` lists the neurons per layer, the last being the output.

    `MLP(2, [16, 16, 1])` has two relu hidden layers of 16 and one linear output neuron; calling
    it on one sample returns a Value (one output neuron) or a list of Values.
    """

    def __init__(
        self,
        n_inputs: int,
        sizes: Sequence[int],
        activation: str | Activation = "relu",
        output_activation: str | Activation = "linear",
        seed: int | None = None,
        fused: bool = True,
        *,
        rng: random.Random | None = None,
    ) -> None:
        self.n_inputs = _positive_int(n_inputs, "n_inputs")
        if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence) or not sizes:
            raise ConfigError(f"sizes must be a non-empty list of layer sizes, got {sizes!r}")
        self.sizes = [_positive_int(s, "each layer size") for s in sizes]
        self.activation = activation_name(activation)
        self.output_activation = activation_name(output_activation)
        generator = _rng(seed, rng)
        widths = [n_inputs, *self.sizes]
        last = len(self.sizes) - 1
        self.layers = [
            Layer(
                widths[k],
                widths[k + 1],
                output_activation if k == last else activation,
                fused=fused,
                index=k + 1,
                rng=generator,
            )
            for k in range(len(self.sizes))
        ]

    @property
    def fused(self) -> bool:
        """Whether neurons record z as one node; set it to re-record every neuron either way."""
        return all(layer.fused for layer in self.layers)

    @fused.setter
    def fused(self, fused: bool) -> None:
        for layer in self.layers:
            layer.fused = fused

    def __call__(self, x: Sequence[Operand]) -> Value | list[Value]:
        return self._forward([x])[0]

    def batch(self, samples: Sequence[Sequence[Operand]]) -> list[Value] | list[list[Value]]:
        """The outputs for many samples, each its own graph, as `[model(x) for x in samples]`
        gives them (and the neurons keep the last sample's), but faster: layer by layer, each
        neuron reads its weights once for the whole batch."""
        return self._forward(_sample_list(samples, "MLP.batch", self.n_inputs))

    def _forward(self, samples: list[Sequence[Operand]]) -> list:
        for x in samples:
            _check_sample(x, self.n_inputs)
        if self.fused:
            rows: Sequence[Sequence[Operand]] = samples
            for layer in self.layers:
                rows = layer._forward(rows)
        else:  # sample by sample: a sample's many small nodes stay near each other in memory,
            # which backward, walking one sample's graph at a time, needs more than the reads saved
            rows = []
            for x in samples:
                out: Sequence[Operand] = x
                for layer in self.layers:
                    out = layer(out)
                rows.append(out)
        return [out[0] if len(out) == 1 else out for out in rows]

    def predict(self, x: Sequence[Operand]) -> float | list[float]:
        """The model's output for one sample as float(s), computed without recording a graph."""
        with no_grad():
            out = self(x)
        return out.data if isinstance(out, Value) else [v.data for v in out]

    def parameters(self) -> list[Value]:
        """Every parameter, layer by layer, neuron by neuron: weights in input order, then bias."""
        return [p for layer in self.layers for p in layer.parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0."""
        for layer in self.layers:
            layer.zero_grad()

    def num_parameters(self) -> int:
        """How many numbers this network learns."""
        return sum(layer.num_parameters() for layer in self.layers)

    def save(self, path: str | Path) -> None:
        """Write the model as JSON (architecture, activations, weights by label), atomically."""
        write_model(path, self.to_dict())

    @classmethod
    def load(cls, path: str | Path) -> MLP:
        """A model read from a file `save` wrote; a bad file raises `ModelFileError`."""
        data = read_model(path)
        model = cls(
            data["n_inputs"],
            data["sizes"],
            data["activation"],
            data["output_activation"],
            seed=0,
            fused=data["fused"],
        )
        params = model.parameters()
        for p, w in zip(params, match_weights(path, data["weights"], [p.label for p in params])):
            p.data = w
        return model

    def to_dict(self) -> dict[str, Any]:
        """The architecture and weights as plain data (what `save` writes)."""
        for layer in self.layers:
            if layer.neurons[0].custom_activation:
                raise ConfigError(
                    f"cannot save a model with the custom activation {layer.activation!r} "
                    f"(layer {layer.name}): only named activations can be written to a file"
                )
        return {
            "n_inputs": self.n_inputs,
            "sizes": list(self.sizes),
            "activation": self.activation,
            "output_activation": self.output_activation,
            "fused": self.fused,
            "weights": {p.label: p.data for p in self.parameters()},
        }

    def __repr__(self) -> str:
        mode = "fused" if self.fused else "expanded"
        return (
            f"MLP({self.n_inputs} → {self.sizes}, {self.activation}, output "
            f"{self.output_activation}, {mode}, {self.num_parameters()} parameters)"
        )

    def __rich__(self) -> Any:
        from rich.tree import Tree

        shape = " → ".join(str(n) for n in (self.n_inputs, *self.sizes))
        tree = Tree(f"[bold]MLP[/] {shape}  ({self.num_parameters()} parameters)")
        inputs = ", ".join(f"x{i + 1}" for i in range(self.n_inputs))
        tree.add(f"[bold]input layer[/]: {self.n_inputs} features ({inputs})")
        for k, layer in enumerate(self.layers):
            title = "output layer" if k == len(self.layers) - 1 else "hidden layer"
            tree.children.append(layer._tree(f"{title} {layer.name}"))
        return tree


def _checked(current: Value, new: Value | float) -> Value | float:
    """`new` as a Value or a float, or a clear error naming `current` (non-numbers, NaN, inf)."""
    return new if isinstance(new, Value) else Value(new, label=current.label).data


def _set_value(current: Value, new: Value | float) -> Value:
    """`new` if it is a Value; else `current` with its data set to the number `new` (which
    `_checked` has passed)."""
    if isinstance(new, Value):
        return new
    current.data = new
    return current


def _sample_list(samples: object, where: str, n_inputs: int) -> list:
    """`samples` (any iterable of samples) as a list; a lone sample or a non-list is refused."""
    hint = f"{where} takes a list of samples, each a list of {n_inputs} inputs"
    try:
        rows = list(samples)  # type: ignore[call-overload]
    except TypeError:
        raise ShapeError(f"{hint}; got {samples!r}") from None
    if rows and isinstance(rows[0], (int, float, Value)):
        raise ShapeError(f"{hint}; got one sample {samples!r}: use [x], or call the model on x")
    return rows


def _check_sample(x: object, n_inputs: int) -> None:
    """Refuse a sample of the wrong length or with a non-number, naming what was expected."""
    try:
        n = len(x)  # type: ignore[arg-type]
    except TypeError:
        raise ShapeError(
            f"MLP expects a list of {n_inputs} inputs, got {x!r}; wrap one sample as [x1, ...]"
        ) from None
    if n != n_inputs:
        raise ShapeError(f"MLP expects {n_inputs} inputs, got {n}")
    for i, v in enumerate(x):  # type: ignore[arg-type]
        if type(v) is float:
            if v - v != 0.0:  # NaN and ±inf are the floats for which v − v is not 0
                raise NonFiniteError(f"MLP input x{i + 1} is {v}; inputs must be finite numbers")
        elif not isinstance(v, Value) and (type(v) is bool or not isinstance(v, Real)):
            raise NotANumberError(
                f"MLP input x{i + 1} is {v!r} ({type(v).__name__}), not a number; "
                "give ints, floats or Values"
            )
