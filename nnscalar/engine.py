"""The scalar autograd engine, written to be read: Value, backward, topological_order, no_grad.

Every operation on Values records one node: its result `data`, its `parents` in operand order and
the local derivatives d(node)/d(parent) as numbers worked out right away (`local_grads`, one per
parent). `backward()` is then the chain rule and nothing else: `parent.grad += local * node.grad`,
child before parent. Nodes point only at their parents (no closures), so a graph has no
reference cycles and is freed the moment the last name for it goes away.

This file is the specification: the compiled core (`nnscalar._core`, when built) computes the same
numbers with the same floating-point operations in the same order. Number checks and error
messages live in `_checks`, so what follows is the arithmetic.
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Iterable, Sequence
from typing import Union

from . import _checks
from ._checks import constant, domain, infinite_slope, overflow, pow_slope
from ._graphcopy import copy_graph, pickle_graph, shallow_copy
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

Number = Union[int, float]
Operand = Union["Value", int, float]


class Value:
    """One number of a computation graph, with the gradient backward() gives it.

    >>> a = Value(2.0, label="a"); b = Value(-3.0, label="b")
    >>> c = a * b; c.backward(); a.grad
    -3.0
    """

    __slots__ = ("data", "grad", "op", "label", "parents", "local_grads", "arg")

    def __init__(self, data: Number, label: str = "") -> None:
        if not isinstance(label, str):
            raise NotANumberError(f"Value label must be a str, got {label!r}")
        self.data = _checks.number(data, "Value", label)
        self.grad = 0.0
        self.op = ""  # "" for a leaf; otherwise a key of nnscalar.ops.OPS (or a custom op)
        self.label = label
        self.parents: tuple[Value, ...] = ()  # operand order; `a + a` has both
        self.local_grads: tuple[float, ...] = ()  # d(self)/d(parent), one per parent
        self.arg: object = None  # the op's constant operand or parameter (`x * 2.0` keeps 2.0)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # Values compare by identity for == and hashing (they live in sets and dicts); by data for <.
    def __lt__(self, other: Operand) -> bool:
        return self.data < _data(other, "<")

    def __le__(self, other: Operand) -> bool:
        return self.data <= _data(other, "<=")

    def __gt__(self, other: Operand) -> bool:
        return self.data > _data(other, ">")

    def __ge__(self, other: Operand) -> bool:
        return self.data >= _data(other, ">=")

    def __float__(self) -> float:
        return self.data

    # --- arithmetic: each op's value next to its local derivatives ---------------------------
    # A plain-number operand stays a number, kept in `arg`: a float is used as it is (a nan or
    # inf is caught by `_node`), anything else is checked and converted by `constant`.

    def __add__(self, other: Operand) -> Value:  # self + other
        if isinstance(other, Value):
            return _node(self.data + other.data, "+", (self, other), (1.0, 1.0))
        c = other if type(other) is float else constant(other, "+", self)
        return _node(self.data + c, "+", (self,), (1.0,), c)

    def __radd__(self, other: Number) -> Value:  # other + self
        c = other if type(other) is float else constant(other, "+", self)
        return _node(c + self.data, "+", (self,), (1.0,), c)

    def __sub__(self, other: Operand) -> Value:  # self - other
        if isinstance(other, Value):
            return _node(self.data - other.data, "-", (self, other), (1.0, -1.0))
        c = other if type(other) is float else constant(other, "-", self)
        return _node(self.data - c, "-", (self,), (1.0,), c)

    def __rsub__(self, other: Number) -> Value:  # other - self
        c = other if type(other) is float else constant(other, "-", self)
        return _node(c - self.data, "rsub", (self,), (-1.0,), c)

    def __mul__(self, other: Operand) -> Value:  # self * other
        if isinstance(other, Value):
            return _node(self.data * other.data, "*", (self, other), (other.data, self.data))
        c = other if type(other) is float else constant(other, "*", self)
        return _node(self.data * c, "*", (self,), (c,), c)

    def __rmul__(self, other: Number) -> Value:  # other * self
        c = other if type(other) is float else constant(other, "*", self)
        return _node(c * self.data, "*", (self,), (c,), c)

    def __truediv__(self, other: Operand) -> Value:  # self / other
        if isinstance(other, Value):
            b = other.data
            if b == 0.0:
                raise domain("/", (self, other), "division by zero", "a nonzero divisor")
            out = self.data / b
            return _node(out, "/", (self, other), (1.0 / b, -out / b))
        c = other if type(other) is float else constant(other, "/", self)
        if c == 0.0:
            raise domain("/", (self, c), "division by zero", "a nonzero divisor")
        return _node(self.data / c, "/", (self,), (1.0 / c,), c)

    def __rtruediv__(self, other: Number) -> Value:  # other / self
        c = other if type(other) is float else constant(other, "/", self)
        a = self.data
        if a == 0.0:
            raise domain("/", (c, self), "division by zero", "a nonzero divisor")
        out = c / a
        return _node(out, "rdiv", (self,), (-out / a,), c)

    def __pow__(self, other: Operand) -> Value:  # self ** other
        if isinstance(other, Value):
            return _power_of_values(self, other)
        b = other if type(other) is float else constant(other, "**", self)
        a = self.data
        if a == 0.0:
            return _power_of_zero(self, b)
        if a < 0.0 and b % 1.0 != 0.0:
            raise _checks.negative_base(self, b)
        out = _pow(a, b, (self, b))
        return _node(out, "**", (self,), (b * pow_slope(a, b - 1.0),), b)  # b·a^(b−1)

    def __rpow__(self, other: Number) -> Value:  # other ** self
        c = constant(other, "**", self)
        a = self.data
        if c > 0.0:
            out = _pow(c, a, (c, self))
            return _node(out, "rpow", (self,), (out * math.log(c),), c)
        if c == 0.0 and a > 0.0:
            return _node(0.0, "rpow", (self,), (0.0,), c)
        raise _checks.base_not_positive(c, self)

    def __neg__(self) -> Value:  # -self
        return _node(-self.data, "neg", (self,), (-1.0,))

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        a = self.data
        sign = 1.0 if a > 0.0 else -1.0 if a < 0.0 else 0.0  # at 0 the slope is 0, as PyTorch's
        return _node(abs(a), "abs", (self,), (sign,))

    # --- functions -----------------------------------------------------------------------------

    def exp(self) -> Value:
        """f(x) = eˣ, f'(x) = eˣ."""
        try:
            out = math.exp(self.data)
        except OverflowError:
            raise overflow("exp", (self,)) from None
        return _node(out, "exp", (self,), (out,))

    def log(self) -> Value:
        """f(x) = ln x for x > 0, f'(x) = 1/x."""
        a = self.data
        if a <= 0.0:
            raise domain("log", (self,), "log is only defined for positive numbers", "x > 0")
        return _node(math.log(a), "log", (self,), (1.0 / a,))

    def sqrt(self) -> Value:
        """f(x) = √x, f'(x) = 1/(2√x); x > 0 when recording a graph (the slope at 0 is infinite)."""
        a = self.data
        if a < 0.0:
            raise domain("sqrt", (self,), "sqrt of a negative number", "x >= 0")
        if a == 0.0:
            if is_grad_enabled():
                raise infinite_slope("sqrt", (self,))
            return _node(0.0, "sqrt", (self,), (0.0,))
        out = math.sqrt(a)
        return _node(out, "sqrt", (self,), (0.5 / out,))

    def tanh(self) -> Value:
        """f(x) = tanh x, f'(x) = 1 − tanh²x."""
        t = math.tanh(self.data)
        return _node(t, "tanh", (self,), (1.0 - t * t,))

    def sigmoid(self) -> Value:
        """f(x) = 1/(1 + e⁻ˣ), f'(x) = f(x)(1 − f(x)); stable for any x."""
        s = _sigmoid(self.data)
        return _node(s, "sigmoid", (self,), (s * (1.0 - s),))

    def relu(self) -> Value:
        """f(x) = max(0, x); f'(0) = 0 (PyTorch's convention)."""
        a = self.data
        if a > 0.0:
            return _node(a, "relu", (self,), (1.0,))
        return _node(0.0, "relu", (self,), (0.0,))

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """f(x) = x for x > 0, else slope·x; f'(0) = slope (PyTorch's convention)."""
        slope = constant(slope, "leaky_relu", self)
        a = self.data
        if a > 0.0:
            return _node(a, "leaky_relu", (self,), (1.0,), slope)
        return _node(slope * a, "leaky_relu", (self,), (slope,), slope)

    def elu(self, alpha: float = 1.0) -> Value:
        """f(x) = x for x > 0, else α(eˣ − 1); f'(0) = α (PyTorch's convention)."""
        alpha = constant(alpha, "elu", self)
        a = self.data
        if a > 0.0:
            return _node(a, "elu", (self,), (1.0,), alpha)
        return _node(alpha * math.expm1(a), "elu", (self,), (alpha * math.exp(a),), alpha)

    def softplus(self) -> Value:
        """f(x) = ln(1 + eˣ), f'(x) = σ(x); stable for any x."""
        a = self.data
        out = max(a, 0.0) + math.log1p(math.exp(-abs(a)))
        return _node(out, "softplus", (self,), (_sigmoid(a),))

    def sin(self) -> Value:
        """f(x) = sin x, f'(x) = cos x."""
        a = self.data
        return _node(math.sin(a), "sin", (self,), (math.cos(a),))

    def cos(self) -> Value:
        """f(x) = cos x, f'(x) = −sin x."""
        a = self.data
        return _node(math.cos(a), "cos", (self,), (-math.sin(a),))

    # --- the chain rule ------------------------------------------------------------------------

    def backward(self, grad: float = 1.0) -> None:
        """Fill in d(self)/d(node) for every node this Value depends on.

        Intermediate nodes show this call's gradient; leaves (parameters, inputs) add to what
        they had, as in PyTorch: call `zero_grad` between steps, or accumulate on purpose.
        """
        upstream = _checks.number(grad, "backward")
        with _backward_lock:  # one backward at a time: two on one graph would mix their sums
            order = topological_order(self)  # parents before children, self last
            leaves = []
            for node in order:
                if node.parents:  # an inner node gets this call's gradient only
                    node.grad = 0.0
                else:
                    leaves.append(node)
            self.grad += upstream
            for node in reversed(order):  # children before parents: node.grad is complete
                g = node.grad
                for parent, local in zip(node.parents, node.local_grads):
                    parent.grad += local * g  # the chain rule
            for leaf in leaves:  # an inf or nan anywhere reaches the leaves below it
                g = leaf.grad
                if g - g != 0.0:  # inf - inf and nan - nan are nan
                    raise _checks.grad_not_finite(leaf)

    # Copies and pickles of deep graphs without recursion, shared nodes kept shared.
    __reduce__, __deepcopy__, __copy__ = pickle_graph, copy_graph, shallow_copy


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, each once, parents before children: root last.

    Depth-first with an explicit stack (a chain of a million nodes works), first operand first.
    A node is popped twice: the first time it goes back on the stack under its parents, the
    second time (its parents all placed) it is placed itself. A leaf is placed when first popped.
    """
    order: list[Value] = []
    placed: set[Value] = set()  # in `order`
    opened: set[Value] = set()  # back on the stack under its parents
    stack = [root]
    while stack:
        node = stack.pop()
        if node in placed:
            continue
        if node in opened or not node.parents:
            placed.add(node)
            order.append(node)
        else:
            opened.add(node)
            stack.append(node)
            stack += node.parents[::-1]  # reversed, so the first operand is visited first
    return order


# --- no_grad: ops record no graph ----------------------------------------------------------------


class _GradMode(threading.local):
    enabled = True


_mode = _GradMode()
_no_grad_blocks = 0  # no_grad blocks open in any thread; while 0, ops skip the per-thread lookup
_blocks_lock = threading.Lock()
_backward_lock = threading.Lock()


class no_grad(contextlib.ContextDecorator):
    """Within this block (or decorated function) ops record no graph: results are bare leaves.

    The switch is per thread, so one thread evaluating does not stop another from training.
    """

    def __enter__(self) -> no_grad:
        global _no_grad_blocks
        self._previous = _mode.enabled
        _mode.enabled = False
        with _blocks_lock:
            _no_grad_blocks += 1
        return self

    def __exit__(self, *exc: object) -> None:
        global _no_grad_blocks
        _mode.enabled = self._previous
        with _blocks_lock:
            _no_grad_blocks -= 1

    def _recreate_cm(self) -> no_grad:
        return no_grad()  # as a decorator, each call gets its own block (recursion nests)


def is_grad_enabled() -> bool:
    """True unless inside `no_grad()` in this thread."""
    return _mode.enabled


def _node(data: float, op: str, parents: tuple, local_grads: tuple, arg: object = None) -> Value:
    """A new node: `op` gave `data` from `parents`, whose local derivatives are `local_grads`.
    Inside no_grad() it is a bare leaf."""
    if data - data != 0.0:  # inf - inf and nan - nan are nan: not a finite result
        raise overflow(op, (*parents, arg) if type(arg) is float else parents, data)
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    node.label = ""
    if not _no_grad_blocks or _mode.enabled:
        node.op = op
        node.parents = parents
        node.local_grads = local_grads
        node.arg = arg
    else:
        node.op = ""
        node.parents = node.local_grads = ()
        node.arg = None
    return node


_new = object.__new__


# --- fused ops: one node with many parents -------------------------------------------------------


def weighted_sum(weights: Sequence[Value], inputs: Sequence[Operand], bias: Value) -> Value:
    """A neuron's weighted input z = Σ wᵢxᵢ + b as one node (the fused neuron op).

    Local derivatives: xᵢ for wᵢ, wᵢ for xᵢ (when xᵢ is a Value), 1 for b. Inputs that are plain
    numbers stay numbers; `arg` keeps all the inputs as given, so pictures can show them.
    """
    return weighted_sums([(weights, bias)], [inputs])[0][0]


def weighted_sums(
    params: Sequence[tuple[Sequence[Value], Value]], samples: Iterable[Sequence[Operand]]
) -> list[list[Value]]:
    """`weighted_sum` of each neuron (a (weights, bias) pair) for each sample: out[s][j] is
    neuron j's z for sample s, the same node as one call gives. Each neuron's weights are read
    once for the batch, each sample's inputs once for all neurons."""
    neurons = [(tuple(w), b, [wi.data for wi in w]) for w, b in params]
    out = []
    for inputs in samples:
        given = tuple([x if isinstance(x, Value) else constant(x, "wsum") for x in inputs])
        is_value = [isinstance(x, Value) for x in given]
        xs = [x.data if v else x for x, v in zip(given, is_value)]
        values = tuple([x for x, v in zip(given, is_value) if v])
        row = []
        for weights, bias, ws in neurons:
            _checks.lengths(len(ws), len(xs))
            z = 0.0
            for w, x in zip(ws, xs):
                z += w * x
            z = z + bias.data
            w_of_values = [w for w, v in zip(ws, is_value) if v]  # dz/dxᵢ = wᵢ
            parents = (*weights, *values, bias)
            row.append(_node(z, "wsum", parents, (*xs, *w_of_values, 1.0), given))
        out.append(row)
    return out


def vsum(values: Iterable[Operand]) -> Value:
    """The sum of many Values (and numbers) as one n-ary node: Σ, with every local derivative 1."""
    parents = []
    constants = 0.0
    total = 0.0
    for v in values:
        if isinstance(v, Value):
            parents.append(v)
            total += v.data
        else:
            c = constant(v, "sum")
            constants += c
            total += c
    return _node(total, "sum", tuple(parents), (1.0,) * len(parents), constants or None)


def log_softmax(logits: Sequence[Operand]) -> list[Value]:
    """log(softmax(logits)) as one node per entry, exact at any scale: with top = max(a),
    entry k is (aₖ − top) − log Σ exp(aᵢ − top); its local derivative for aᵢ is [i = k] − pᵢ."""
    values = [x if isinstance(x, Value) else Value(constant(x, "log_softmax")) for x in logits]
    if not values:
        raise ShapeError("log_softmax needs at least one logit, got an empty list")
    top = max([v.data for v in values])
    shifted = [v.data - top for v in values]
    log_total = math.log(math.fsum([math.exp(d) for d in shifted]))
    probs = [math.exp(d - log_total) for d in shifted]
    parents = tuple(values)
    outputs = []
    for k, d in enumerate(shifted):
        local = tuple([(1.0 if i == k else 0.0) - p for i, p in enumerate(probs)])
        outputs.append(_node(d - log_total, "log_softmax", parents, local, k))
    return outputs


def custom_node(
    data: Number,
    op: str,
    parents: Sequence[Value],
    local_grads: Sequence[Number],
    arg: object = None,
) -> Value:
    """A node of an op you define: its value, its parents and d(node)/d(parent) for each.

    >>> x = Value(3.0); y = custom_node(9.0, "square", [x], [6.0]); y.backward(); x.grad
    6.0
    """
    where = f"custom_node {op!r}"
    if not isinstance(op, str) or not op:
        raise NotANumberError(f"custom_node: op must be a non-empty str, got {op!r}")
    parents = tuple(parents)
    for p in parents:
        if not isinstance(p, Value):
            raise NotANumberError(f"{where}: parent {p!r} is not a Value")
    local = tuple([_checks.number(x, where) for x in local_grads])
    _checks.aligned(parents, local)
    return _node(_checks.number(data, where), op, parents, local, arg)


def zero_grad(values: Iterable[Value]) -> None:
    """Set `.grad` of every Value given to 0.0 (do it between optimizer steps)."""
    for value in values:
        value.grad = 0.0


# --- helpers ------------------------------------------------------------------------------------


def _data(x: object, op: str) -> float:
    return x.data if isinstance(x, Value) else constant(x, op)


def _pow(a: float, b: float, operands: tuple) -> float:
    try:
        return a**b
    except OverflowError:
        raise overflow("**", operands) from None


def _power_of_zero(base: Value, b: float) -> Value:
    """0 ** b: 1 for b = 0, 0 for b > 0; its slope b·0^(b-1) is 1 for b = 1, 0 for b > 1 or
    b = 0, and infinite for 0 < b < 1 (refused while recording a graph)."""
    if b < 0.0:
        raise domain("**", (base, b), "0 to a negative power divides by zero", "a base ≠ 0")
    if b == 1.0:
        local = 1.0
    elif b > 1.0 or b == 0.0 or not is_grad_enabled():
        local = 0.0
    else:
        raise infinite_slope("**", (base, b))
    return _node(base.data**b, "**", (base,), (local,), b)


def _power_of_values(base: Value, exponent: Value) -> Value:
    a, b = base.data, exponent.data
    if a > 0.0:
        out = _pow(a, b, (base, exponent))
        return _node(out, "**", (base, exponent), (b * pow_slope(a, b - 1.0), out * math.log(a)))
    if a == 0.0 and b > 0.0:
        if b < 1.0:
            raise infinite_slope("**", (base, exponent))
        return _node(0.0, "**", (base, exponent), (1.0 if b == 1.0 else 0.0, 0.0))
    raise _checks.base_not_positive(base, exponent)


def _sigmoid(x: float) -> float:
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)
