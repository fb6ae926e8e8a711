"""The compiled core: engine.py's API with nodes, ops, backward and the fused sums in C.

`nnscalar/_core_c.c` holds the nodes and everything on the hot path; this module completes the
API (`no_grad`, `log_softmax`, `custom_node`, pickling) and gives the C code the readable
engine's number checks and error messages, which it calls only on an error path. Importing it
fails with ImportError when the C extension was not built; `nnscalar.core` then uses engine.py.
"""

from __future__ import annotations

import contextlib
from types import FunctionType

from . import _checks, _core_c, engine
from ._core_c import (
    Value,
    is_grad_enabled,
    topological_order,
    vsum,
    weighted_sum,
    weighted_sums,
    zero_grad,
)
from ._graphcopy import _EndOfAncestors, _pending, _walk
from .errors import NotANumberError, ShapeError

__all__ = [
    "Value",
    "custom_node",
    "is_grad_enabled",
    "log_softmax",
    "no_grad",
    "topological_order",
    "vsum",
    "weighted_sum",
    "weighted_sums",
    "zero_grad",
]

_make_node = _core_c._make_node


class no_grad(contextlib.ContextDecorator):
    """Within this block (or decorated function) ops record no graph: results are bare leaves.

    The switch is per thread, so one thread evaluating does not stop another from training.
    """

    def __enter__(self) -> no_grad:
        self._previous = _core_c._set_grad_enabled(False)
        _core_c._open_blocks(1)
        return self

    def __exit__(self, *exc: object) -> None:
        _core_c._set_grad_enabled(self._previous)
        _core_c._open_blocks(-1)

    def _recreate_cm(self) -> no_grad:
        return no_grad()  # as a decorator, each call gets its own block


def _as_here(function: FunctionType) -> FunctionType:
    """engine.py's `function`, run with this core's Value and node maker: the same code serves
    both cores (its other names, the checks and errors, are engine.py's own)."""
    names = {**vars(engine), "Value": Value, "_node": _make_node, "__name__": __name__}
    here = FunctionType(function.__code__, names, function.__name__, function.__defaults__)
    here.__doc__, here.__module__ = function.__doc__, __name__
    return here


log_softmax = _as_here(engine.log_softmax)
custom_node = _as_here(engine.custom_node)


# --- pickling and copying: iterative, shared nodes kept shared ----------------------------------
#
# As engine.py's (nnscalar/_graphcopy.py), with the C node's own constructor: a node is rebuilt as
# an empty shell with room for its parents (`_shell(n)`), memoized, then filled in by
# __setstate__. The first inner node met lists its inner ancestors, in topological order, ahead
# of its own fields; each of those then refers only to nodes already done, so nothing recurses.
# copy.deepcopy goes the same way (through __reduce__).


def _reduce(node: Value) -> tuple:
    parents = node.parents
    if not parents or node in _pending.nodes:
        _pending.nodes.discard(node)
        ancestors: tuple = ()
    else:
        inner = [n for n in _walk(node, lambda n: False)[:-1] if n.parents]
        _pending.nodes = set(inner)
        ancestors = (*inner, _EndOfAncestors())
    fields = (node.data, node.grad, node.op, node.label, parents, node.local_grads, node.arg)
    return (_core_c._shell, (len(parents),), (ancestors, *fields))


# --- for the C code's error paths: the readable engine's checks and messages (nnscalar._checks) --

_number = _checks.number
_constant = _checks.constant
_domain = _checks.domain
_overflow = _checks.overflow
_infinite_slope = _checks.infinite_slope
_negative_base = _checks.negative_base
_base_not_positive = _checks.base_not_positive
_pow_slope = _checks.pow_slope
_bad_grad = _checks.grad_not_finite


def _misaligned(parents: int, local_grads: int) -> Exception:
    return ShapeError(f"{parents} parents need {parents} local derivatives, got {local_grads}")


def _wsum_shape(weights: int, inputs: int) -> None:
    _checks.lengths(weights, inputs)  # raises


def _bad_label(label: object) -> Exception:
    return NotANumberError(f"Value label must be a str, got {label!r}")


_core_c._install(__import__(__name__, fromlist=["_"]))
