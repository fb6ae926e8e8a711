"""Neurons, layers and networks on top of the engine (tasks 6 and 7)."""

import random

from .engine import Value


class Synapse:
    """One connection: the weight Value on the edge from input `index` into a neuron."""

    def __init__(self, weight, index):
        self.weight = weight
        self.index = index


class Neuron:
    """out = activation(Z), Z = Σ wᵢxᵢ + b: the weighted input plus the bias (task 6)."""

    def __init__(self, n_inputs, activation="tanh", rng=None):
        rng = rng or random.Random(0)
        self.synapses = [Synapse(Value(rng.uniform(-1, 1)), i) for i in range(n_inputs)]
        self.bias = Value(0.0)
        self.activation = activation  # "tanh", "relu" or "linear"

    def __call__(self, xs):
        """The neuron's output for inputs `xs` (numbers or Values); keeps Z as `self.z`."""
        # solution 6
        z = self.bias
        for synapse, x in zip(self.synapses, xs):
            z = z + synapse.weight * x
        self.z = z
        if self.activation == "tanh":
            return z.tanh()
        if self.activation == "relu":
            return z.relu()
        return z
        # end

    def parameters(self):
        """The weights, in input order, then the bias."""
        # solution 6
        return [s.weight for s in self.synapses] + [self.bias]
        # end


class Layer:
    """`n_outputs` neurons, each reading every input (task 7)."""

    def __init__(self, n_inputs, n_outputs, activation="tanh", rng=None):
        rng = rng or random.Random(0)
        self.neurons = [Neuron(n_inputs, activation, rng) for _ in range(n_outputs)]

    def __call__(self, xs):
        """Each neuron's output, in order."""
        # solution 7
        return [neuron(xs) for neuron in self.neurons]
        # end

    def parameters(self):
        """Every neuron's parameters, neuron by neuron."""
        # solution 7
        return [p for neuron in self.neurons for p in neuron.parameters()]
        # end


class MLP:
    """Layers of sizes `sizes` after `n_inputs` inputs; the last layer is linear (task 7)."""

    def __init__(self, n_inputs, sizes, activation="tanh", rng=None):
        rng = rng or random.Random(0)
        widths = [n_inputs, *sizes]
        self.layers = [
            Layer(widths[i], widths[i + 1], activation if i < len(sizes) - 1 else "linear", rng)
            for i in range(len(sizes))
        ]

    def __call__(self, xs):
        """The outputs of the last layer (a list), each layer reading the one before."""
        # solution 7
        for layer in self.layers:
            xs = layer(xs)
        return xs
        # end

    def parameters(self):
        """Every layer's parameters, layer by layer."""
        # solution 7
        return [p for layer in self.layers for p in layer.parameters()]
        # end
