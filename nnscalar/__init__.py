"""nnscalar: a scalar autograd engine whose neural networks are built from visible parts."""

from . import activations, data, losses
from .core import (
    Value,
    custom_node,
    engine_info,
    is_grad_enabled,
    log_softmax,
    no_grad,
    topological_order,
    vsum,
    weighted_sum,
    weighted_sums,
    zero_grad,
)
from .errors import (
    DomainError,
    FloatOverflowError,
    NNScalarError,
    NonFiniteError,
    NotANumberError,
    ShapeError,
)
from .explain import backward_steps, forward_steps
from .expr import parse
from .forward import jvp
from .gradcheck import GradcheckReport, gradcheck
from .higher import grad, hessian, hvp
from .nn import MLP, Layer, Neuron, Synapse, expanded_weighted_sum
from .optim import SGD, Adagrad, Adam, AdamW, CosineLR, RMSprop, StepLR
from .render import draw, draw_network, draw_neuron
from .train import Trainer

__version__ = "0.1.0"

__all__ = [
    "MLP",
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "CosineLR",
    "DomainError",
    "FloatOverflowError",
    "GradcheckReport",
    "Layer",
    "NNScalarError",
    "Neuron",
    "NonFiniteError",
    "NotANumberError",
    "RMSprop",
    "ShapeError",
    "StepLR",
    "Synapse",
    "Trainer",
    "Value",
    "__version__",
    "activations",
    "backward_steps",
    "custom_node",
    "data",
    "draw",
    "draw_network",
    "draw_neuron",
    "engine_info",
    "expanded_weighted_sum",
    "forward_steps",
    "grad",
    "gradcheck",
    "hessian",
    "hvp",
    "is_grad_enabled",
    "jvp",
    "log_softmax",
    "losses",
    "no_grad",
    "parse",
    "topological_order",
    "vsum",
    "weighted_sum",
    "weighted_sums",
    "zero_grad",
]
