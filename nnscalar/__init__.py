"""nnscalar: a scalar autograd engine whose neural networks are built from visible parts."""

from .engine import (
    Value,
    is_grad_enabled,
    log_softmax,
    no_grad,
    topological_order,
    vsum,
    weighted_sum,
    zero_grad,
)
from .errors import (
    DomainError,
    NNScalarError,
    NonFiniteError,
    NotANumberError,
    ShapeError,
)
from .gradcheck import GradcheckReport, gradcheck

__version__ = "0.1.0"

__all__ = [
    "DomainError",
    "GradcheckReport",
    "NNScalarError",
    "NonFiniteError",
    "NotANumberError",
    "ShapeError",
    "Value",
    "__version__",
    "gradcheck",
    "is_grad_enabled",
    "log_softmax",
    "no_grad",
    "topological_order",
    "vsum",
    "weighted_sum",
    "zero_grad",
]
