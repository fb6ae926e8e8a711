"""mygrad: a scalar autograd engine, built one task at a time (the nnscalar build track)."""

from .engine import Value, topological_order, zero_grad

__all__ = ["Value", "topological_order", "zero_grad"]
