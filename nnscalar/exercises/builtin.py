"""The built-in exercise set, in the order a course meets the concepts."""

from __future__ import annotations

from .ex_backprop import EXPRESSION_GRADIENTS, NEW_OP_BACKWARD, SHARED_NODE, SPOT_THE_BUG
from .ex_neuron import ACTIVATION_DERIVATIVES, BIAS, NEURON_FORWARD, WEIGHTED_INPUT
from .ex_training import (
    ACCUMULATION,
    ADAM_STEP,
    CROSS_ENTROPY,
    MSE_LOSS,
    SGD_STEP,
    TRAIN_NET,
)
from .model import Exercise

__all__ = ["BUILTIN"]

BUILTIN: tuple[Exercise, ...] = (
    WEIGHTED_INPUT,
    BIAS,
    ACTIVATION_DERIVATIVES,
    EXPRESSION_GRADIENTS,
    SHARED_NODE,
    NEW_OP_BACKWARD,
    NEURON_FORWARD,
    MSE_LOSS,
    CROSS_ENTROPY,
    SGD_STEP,
    ADAM_STEP,
    ACCUMULATION,
    TRAIN_NET,
    SPOT_THE_BUG,
)
