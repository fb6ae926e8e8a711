"""mygrad: a scalar autograd engine, built one task at a time (the nnscalar build track)."""

from .engine import Value, topological_order, zero_grad
from .gradcheck import gradient_check, numerical_gradient
from .nn import MLP, Layer, Neuron, Synapse
from .train import accumulate_gradients, hinge, mse, sgd_step, train

__all__ = [
    "MLP",
    "Layer",
    "Neuron",
    "Synapse",
    "Value",
    "accumulate_gradients",
    "gradient_check",
    "hinge",
    "mse",
    "numerical_gradient",
    "sgd_step",
    "topological_order",
    "train",
    "zero_grad",
]
