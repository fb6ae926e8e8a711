"""The scalar autograd engine: `Value`, `backward`, `topological_order`, `no_grad`.

Every operation on Values records one node: its result `data`, its `parents` in operand order and
the local derivatives d(node)/d(parent) as numbers computed right away. `backward()` is then the
chain rule and nothing else: `parent.grad += local * node.grad`, in reverse topological order.

Nodes hold no closures and point only at their parents, so a graph has no reference cycles and
is freed by reference counting the moment the last name for it goes away.
"""

from __future__ import annotations

import contextlib
import math
import operator
import threading
from collections.abc import Iterable, Sequence
from itertools import chain as _chain
from itertools import compress as _compress
from numbers import Real
from typing import Union

from .errors import (
    DomainError,
    FloatOverflowError,
    NNScalarError,
    NonFiniteError,
    NotANumberError,
    ShapeError,
    describe,
)

__all__ = [
    "Value",
    "expanded_weighted_sum",
    "is_grad_enabled",
    "layer_sums",
    "log_softmax",
    "neuron_sums",
    "neuron_sums_batch",
    "no_grad",
    "topological_order",
    "vsum",
    "weighted_sum",
    "zero_grad",
]

_INF = math.inf


class _GradMode(threading.local):
    enabled = True


_mode = _GradMode()
# How many no_grad blocks are open in any thread. While it is 0 (nearly always when training),
# ops skip the slower per-thread lookup.
_no_grad_blocks = 0
_blocks_lock = threading.Lock()


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
        # As a decorator, each call gets its own block, so recursive calls nest correctly.
        return no_grad()


def is_grad_enabled() -> bool:
    """True unless inside `no_grad()` in this thread."""
    return _mode.enabled


Number = Union[int, float]
Operand = Union["Value", int, float]


class Value:
    """One number of a computation graph, with the gradient backward() gives it.

    >>> a = Value(2.0, label="a"); b = Value(-3.0, label="b")
    >>> c = a * b; c.backward(); a.grad
    -3.0
    """

    # A node's parents and local derivatives live in four slots, not in tuples of their own: a
    # node is then one object (a third less memory, and half the objects for the garbage collector).
    #   leaf:          _a is None
    #   one parent:    _a the parent, _da d(node)/d(_a); _b is None; _db the op's constant or None
    #   two parents:   _a and _b the parents, _da and _db their local derivatives
    #   many (fused):  _a a tuple of parents, _da a tuple of local derivatives, _b is MANY, _db the
    #                  op's constant (or None)
    #   neuron:        z = Σ wᵢxᵢ + b: _a the neuron's (weights, bias); _b is NEURON; _da the
    #                  layer's (Value inputs, all inputs as given, their data), shared by its
    #                  neurons; _db the weights' data (those of the Value inputs)
    # Read them through `.parents`, `.local_grads` and `.arg`.
    __slots__ = ("data", "grad", "op", "label", "_a", "_b", "_da", "_db")

    def __init__(self, data: Number, label: str = "") -> None:
        if not isinstance(label, str):
            raise NotANumberError(f"Value label must be a str, got {label!r}")
        self.data = _number(data, "Value", label)
        self.grad = 0.0
        self.op = ""  # "" for a leaf; otherwise a key of nnscalar.ops.OPS
        self.label = label
        self._a = self._b = self._da = self._db = None

    @property
    def parents(self) -> tuple[Value, ...]:
        """The Values this node was computed from, in operand order (`a + a` has both)."""
        a, b = self._a, self._b
        if a is None:
            return ()
        if b is None:
            return (a,)
        if b is NEURON:
            weights, bias = a
            return (*weights, *self._da[0], bias)
        return a if b is MANY else (a, b)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d(self)/d(parent) for each of `parents`, computed when the node was made."""
        a, b = self._a, self._b
        if a is None:
            return ()
        if b is None:
            return (self._da,)
        if b is NEURON:
            return (*self._da[2], *self._db, 1.0)
        return self._da if b is MANY else (self._da, self._db)

    @local_grads.setter
    def local_grads(self, local_grads: Sequence[float]) -> None:
        # A leaf (as every result inside no_grad() is) has no parents to give derivatives to.
        if self._a is not None:
            _link(self, self.parents, tuple(local_grads), self.arg)

    @property
    def arg(self) -> object:
        """The op's constant operand or parameter (`x * 2.0` keeps 2.0; leaky_relu its slope)."""
        b = self._b
        if b is NEURON:
            return self._da[1]
        return self._db if b is None or b is MANY else None

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

    def __add__(self, other: Operand) -> Value:  # self + other
        if isinstance(other, Value):
            return _node(self.data + other.data, "+", self, 1.0, other, 1.0)
        c = other if type(other) is float else _constant(other, "+", self)
        return _node(self.data + c, "+", self, 1.0, None, c)

    def __radd__(self, other: Number) -> Value:  # other + self
        c = other if type(other) is float else _constant(other, "+", self)
        return _node(c + self.data, "+", self, 1.0, None, c)

    def __sub__(self, other: Operand) -> Value:  # self - other
        if isinstance(other, Value):
            return _node(self.data - other.data, "-", self, 1.0, other, -1.0)
        c = other if type(other) is float else _constant(other, "-", self)
        return _node(self.data - c, "-", self, 1.0, None, c)

    def __rsub__(self, other: Number) -> Value:  # other - self
        c = other if type(other) is float else _constant(other, "-", self)
        return _node(c - self.data, "rsub", self, -1.0, None, c)

    def __mul__(self, other: Operand) -> Value:  # self * other
        if isinstance(other, Value):
            return _node(self.data * other.data, "*", self, other.data, other, self.data)
        c = other if type(other) is float else _constant(other, "*", self)
        return _node(self.data * c, "*", self, c, None, c)

    def __rmul__(self, other: Number) -> Value:  # other * self
        c = other if type(other) is float else _constant(other, "*", self)
        return _node(c * self.data, "*", self, c, None, c)

    def __truediv__(self, other: Operand) -> Value:  # self / other
        if isinstance(other, Value):
            b = other.data
            if b == 0.0:
                raise _domain("/", (self, other), "division by zero", "a nonzero divisor")
            out = self.data / b
            return _node(out, "/", self, 1.0 / b, other, -out / b)
        c = other if type(other) is float else _constant(other, "/", self)
        if c == 0.0:
            raise _domain("/", (self, c), "division by zero", "a nonzero divisor")
        return _node(self.data / c, "/", self, 1.0 / c, None, c)

    def __rtruediv__(self, other: Number) -> Value:  # other / self
        c = other if type(other) is float else _constant(other, "/", self)
        a = self.data
        if a == 0.0:
            raise _domain("/", (c, self), "division by zero", "a nonzero divisor")
        out = c / a
        return _node(out, "rdiv", self, -out / a, None, c)

    def __pow__(self, other: Operand) -> Value:  # self ** other
        if isinstance(other, Value):
            return _power_of_values(self, other)
        b = other if type(other) is float else _constant(other, "**", self)
        a = self.data
        if a == 0.0:
            return _power_of_zero(self, b)
        if a < 0.0 and b % 1.0 != 0.0:
            raise _domain(
                "**",
                (self, b),
                "a negative base to a non-integer power is not a real number",
                "an integer exponent, or a positive base",
            )
        try:
            out = a**b
        except OverflowError:
            raise _overflow("**", (self, b)) from None
        return _node(out, "**", self, b * out / a, None, b)  # the slope b·a^(b-1)

    def __rpow__(self, other: Number) -> Value:  # other ** self
        c = _constant(other, "**", self)
        a = self.data
        if c > 0.0:
            out = _pow(c, a, (c, self))
            return _node(out, "rpow", self, out * math.log(c), None, c)
        if c == 0.0 and a > 0.0:
            return _node(0.0, "rpow", self, 0.0, None, c)
        raise _domain(
            "**",
            (c, self),
            "the base must be positive when the exponent is a Value",
            "a base > 0 (the derivative with respect to the exponent is out·log(base))",
        )

    def __neg__(self) -> Value:  # -self
        return _node(-self.data, "neg", self, -1.0)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        a = self.data
        # At 0 the slope is 0, as PyTorch's sign(0) = 0.
        sign = 1.0 if a > 0.0 else -1.0 if a < 0.0 else 0.0
        return _node(abs(a), "abs", self, sign)

    # --- functions -----------------------------------------------------------------------------

    def exp(self) -> Value:
        """f(x) = eˣ, f'(x) = eˣ."""
        try:
            out = math.exp(self.data)
        except OverflowError:
            raise _overflow("exp", (self,)) from None
        return _node(out, "exp", self, out)

    def log(self) -> Value:
        """f(x) = ln x for x > 0, f'(x) = 1/x."""
        a = self.data
        if a <= 0.0:
            raise _domain("log", (self,), "log is only defined for positive numbers", "x > 0")
        return _node(math.log(a), "log", self, 1.0 / a)

    def sqrt(self) -> Value:
        """f(x) = √x, f'(x) = 1/(2√x); x > 0 when recording a graph (the slope at 0 is infinite)."""
        a = self.data
        if a < 0.0:
            raise _domain("sqrt", (self,), "sqrt of a negative number", "x >= 0")
        if a == 0.0:
            if is_grad_enabled():
                raise _infinite_slope("sqrt", (self,))
            return _node(0.0, "sqrt", self, 0.0)
        out = math.sqrt(a)
        return _node(out, "sqrt", self, 0.5 / out)

    def tanh(self) -> Value:
        """f(x) = tanh x, f'(x) = 1 − tanh²x."""
        t = math.tanh(self.data)
        return _node(t, "tanh", self, 1.0 - t * t)

    def sigmoid(self) -> Value:
        """f(x) = 1/(1 + e⁻ˣ), f'(x) = f(x)(1 − f(x)); stable for any x."""
        s = _sigmoid(self.data)
        return _node(s, "sigmoid", self, s * (1.0 - s))

    def relu(self) -> Value:
        """f(x) = max(0, x); f'(0) = 0 (PyTorch's convention)."""
        a = self.data
        if a > 0.0:
            return _node(a, "relu", self, 1.0)
        return _node(0.0, "relu", self, 0.0)

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """f(x) = x for x > 0, else slope·x; f'(0) = slope (PyTorch's convention)."""
        slope = _constant(slope, "leaky_relu", self)
        a = self.data
        if a > 0.0:
            return _node(a, "leaky_relu", self, 1.0, None, slope)
        return _node(slope * a, "leaky_relu", self, slope, None, slope)

    def elu(self, alpha: float = 1.0) -> Value:
        """f(x) = x for x > 0, else α(eˣ − 1); f'(0) = α (PyTorch's convention)."""
        alpha = _constant(alpha, "elu", self)
        a = self.data
        if a > 0.0:
            return _node(a, "elu", self, 1.0, None, alpha)
        return _node(alpha * math.expm1(a), "elu", self, alpha * math.exp(a), None, alpha)

    def softplus(self) -> Value:
        """f(x) = ln(1 + eˣ), f'(x) = σ(x); stable for any x."""
        a = self.data
        out = max(a, 0.0) + math.log1p(math.exp(-abs(a)))
        return _node(out, "softplus", self, _sigmoid(a))

    def sin(self) -> Value:
        """f(x) = sin x, f'(x) = cos x."""
        a = self.data
        return _node(math.sin(a), "sin", self, math.cos(a))

    def cos(self) -> Value:
        """f(x) = cos x, f'(x) = −sin x."""
        a = self.data
        return _node(math.cos(a), "cos", self, -math.sin(a))

    # --- the chain rule ------------------------------------------------------------------------

    def backward(self, grad: float = 1.0) -> None:
        """Fill in d(self)/d(node) for every node this Value depends on.

        Intermediate nodes show this call's gradient; leaves (parameters, inputs) add to what
        they had, as in PyTorch: call `zero_grad` between steps, or accumulate on purpose.
        """
        upstream = _number(grad, "backward")
        inner, leaves = _inner_nodes(self)  # non-leaves in topological order, grads set to 0
        self.grad += upstream
        for node in reversed(inner):
            g = node.grad
            if not g:  # a node with no gradient passes none back (a dead relu's whole subtree)
                continue
            b = node._b
            if b is None:  # one parent
                node._a.grad += node._da * g
            elif b is NEURON:  # z = Σ wᵢxᵢ + b: dz/dwᵢ = xᵢ, dz/dxᵢ = wᵢ, dz/db = 1
                (weights, bias), (inputs, _, xs), ws = node._a, node._da, node._db
                for w, x in zip(weights, xs):
                    w.grad += x * g
                for x, w in zip(inputs, ws):
                    x.grad += w * g
                bias.grad += g
            elif b is not MANY:  # two parents
                node._a.grad += node._da * g
                b.grad += node._db * g
            else:  # another fused node: tuples of parents and local derivatives
                for parent, local in zip(node._a, node._da):
                    parent.grad += local * g
        _check_finite_grads(leaves)


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, each once, parents before children: leaves first, root last.

    The same depth-first walk as backward (an explicit stack, so a chain of a million nodes
    works), first operand first; it only reads the graph, so it keeps its marks in a dict.
    """
    order: list[Value] = []
    state: dict[Value, bool] = {}  # False: its parents are being visited; True: in `order`
    stack = [root]
    while stack:
        node = stack.pop()
        seen = state.get(node)
        if seen is False or (seen is None and node._a is None):
            state[node] = True
            order.append(node)
        elif seen is None:
            state[node] = False
            stack.append(node)
            stack.extend(reversed(node.parents))
    return order


def _inner_nodes(root: Value) -> tuple[list[Value], list[Iterable[Value]]]:
    """The non-leaf nodes `root` depends on in topological order, each with its grad set to 0.0;
    and the leaves, in groups, for backward's final check.

    Depth-first with an explicit stack of nodes, first operand first, as `topological_order`.
    A node is popped twice: the first time it is pushed back with its parents on top, the second
    time (its parents all done) it joins the order. Its grad object says which: `entered`, then
    `done`, two float objects of this call's own (unlike the literal 0.0 new nodes hold), so no
    set of visited nodes is needed.
    """
    entered, done = float(0), float(0)
    inner: list[Value] = []
    leaves: dict[Value, None] = {}  # an ordered set: first met, first checked
    # Neurons' (weights, bias) pairs and layers' inputs tuples, by identity: each looked at once.
    param_groups: dict[int, tuple] = {}
    input_groups: dict[int, tuple] = {}
    stack = [root]
    push, pop, finish = stack.append, stack.pop, inner.append
    while stack:
        node = pop()
        g = node.grad
        if g is entered:  # second time: its parents are all done
            node.grad = done
            finish(node)
        elif g is not done:
            a = node._a
            if a is None:
                leaves[node] = None
                continue
            node.grad = entered
            push(node)
            b = node._b
            if b is None:
                push(a)
            elif b is NEURON:
                kept = param_groups.get(id(a))
                if kept is None:  # the first time this neuron is met: are its parameters leaves?
                    weights, bias = a
                    leaf = bias._a is None and not any(map(_parents_of, weights))
                    kept = param_groups[id(a)] = (*weights, bias) if leaf else ()
                if kept:
                    # Weights and bias are leaves (as in a model): only the inputs need a visit.
                    # A layer's neurons share one inputs tuple, so the first neuron visits them
                    # for all (a later one can't be above them on the stack: it needs them all).
                    inputs = node._da[0]
                    if id(inputs) not in input_groups:
                        input_groups[id(inputs)] = inputs
                        stack.extend([x for x in reversed(inputs) if x._a is not None])
                else:
                    stack.extend(reversed(node.parents))
            elif b is not MANY:
                push(b)
                push(a)
            else:
                stack.extend(reversed(a))
    return inner, [leaves, *param_groups.values(), *input_groups.values()]


def zero_grad(values: Iterable[Value]) -> None:
    """Set `.grad` of every Value given to 0.0 (do it between optimizer steps)."""
    for value in values:
        value.grad = 0.0


def vsum(values: Iterable[Operand]) -> Value:
    """The sum of many Values (and numbers) as one n-ary node: Σ, with every local derivative 1."""
    parents: list[Value] = []
    constant = 0.0
    total = 0.0
    for v in values:
        if isinstance(v, Value):
            parents.append(v)
            total += v.data
        else:
            c = _constant(v, "sum", None)
            constant += c
            total += c
    return _nary(total, "sum", tuple(parents), (1.0,) * len(parents), constant or None)


def weighted_sum(weights: Sequence[Value], inputs: Sequence[Operand], bias: Value) -> Value:
    """A neuron's weighted input z = Σ wᵢxᵢ + b as one node (the fused neuron op).

    Local derivatives: xᵢ for wᵢ, wᵢ for xᵢ (when xᵢ is a Value), 1 for b. Inputs that are plain
    numbers stay numbers; they are kept in `arg` so pictures can show them.
    """
    return layer_sums((weights,), inputs, (bias,))[0]


def expanded_weighted_sum(
    weights: Sequence[Value], inputs: Sequence[Operand], bias: Value
) -> Value:
    """z = Σ wᵢxᵢ + b with every × and + its own node, for stepping through by hand: the same
    nodes as `w1 * x1 + w2 * x2 + ... + b` and the same numbers as `weighted_sum`."""
    if len(weights) != len(inputs):
        raise ShapeError(f"weighted_sum got {len(weights)} weights but {len(inputs)} inputs")
    z = None
    for w, x in zip(weights, inputs):
        a = w.data
        if isinstance(x, Value):
            c = x.data
            term = _node(a * c, "*", w, c, x, a)
        else:
            c = _constant(x, "*", w)
            term = _node(a * c, "*", w, c, None, c)
        z = term if z is None else _node(z.data + term.data, "+", z, 1.0, term, 1.0)
    if z is None:  # no inputs: z = 0 + b
        return _node(0.0 + bias.data, "+", bias, 1.0, None, 0.0)
    return _node(z.data + bias.data, "+", z, 1.0, bias, 1.0)


def layer_sums(
    weight_rows: Sequence[Sequence[Value]], inputs: Sequence[Operand], biases: Sequence[Value]
) -> list[Value]:
    """`weighted_sum` for each neuron of a layer fed the same `inputs`: one node per neuron, the
    neurons sharing one tuple of the inputs and of their data, worked out once."""
    return neuron_sums([(tuple(w), b) for w, b in zip(weight_rows, biases)], inputs)


def neuron_sums(
    params: Sequence[tuple[tuple[Value, ...], Value]], inputs: Sequence[Operand]
) -> list[Value]:
    """`layer_sums` with each neuron's parameters as one (weights tuple, bias) pair. A model that
    keeps its pairs (as `Neuron` does) lets backward look at each neuron's parameters once."""
    return neuron_sums_batch(params, [inputs])[0]


def neuron_sums_batch(
    params: Sequence[tuple[tuple[Value, ...], Value]], batch: Sequence[Sequence[Operand]]
) -> list[list[Value]]:
    """`neuron_sums` for many samples: out[s][j] is neuron j's z for sample s, each its own node
    as one call per sample gives, but each neuron reads its weights' data once for the batch."""
    samples = [_layer_inputs(inputs) for inputs in batch]
    neurons = [(pair, tuple(map(_data_of, pair[0])), pair[1].data) for pair in params]
    out: list[list[Value]] = []
    for layer, xs, is_value in samples:  # sample by sample: its nodes stay together in memory
        zs = []
        for pair, ws, b in neurons:
            if len(ws) != len(xs):
                raise ShapeError(f"weighted_sum got {len(ws)} weights but {len(xs)} inputs")
            z = sum(map(_mul, ws, xs), 0.0) + b
            # dz/dwᵢ = xᵢ (in `layer`); dz/dxᵢ = wᵢ for the inputs that are Values
            local = ws if is_value is None else tuple(_compress(ws, is_value))
            node = _node(z, "wsum", pair, layer, NEURON, local)
            zs.append(node)
        out.append(zs)
    return out


def _layer_inputs(inputs: Sequence[Operand]) -> tuple[tuple, tuple[float, ...], list | None]:
    """A layer's inputs as its neurons share them: (the Value inputs, the inputs as given, all
    their data), the data again, and which inputs are Values (None: all of them)."""
    kinds = set(map(type, inputs))
    if kinds == _JUST_VALUES:  # a hidden layer: every input a Value
        values = tuple(inputs)
        xs = tuple(map(_data_of, values))
        return (values, values, xs), xs, None
    if kinds == _JUST_FLOATS and _finite(sum(inputs)):  # the first layer: numbers stay numbers
        xs = tuple(inputs)
        return ((), xs, xs), xs, []
    # a mix, or ints: each checked; the numbers are kept (as floats) for pictures
    xs = tuple([x.data if isinstance(x, Value) else _constant(x, "wsum", None) for x in inputs])
    values = tuple([x for x in inputs if isinstance(x, Value)])
    given = tuple([x if isinstance(x, Value) else c for x, c in zip(inputs, xs)])
    is_value = [isinstance(x, Value) for x in inputs]
    return (values, given, xs), xs, None if len(values) == len(xs) else is_value


def log_softmax(logits: Sequence[Operand]) -> list[Value]:
    """log(softmax(logits)) as one node per entry, computed stably (the max is subtracted first).

    Entry k is aₖ − log Σ exp(aᵢ); its local derivative for aᵢ is [i = k] − softmaxᵢ.
    """
    values = [
        x if isinstance(x, Value) else Value(_constant(x, "log_softmax", None)) for x in logits
    ]
    if not values:
        raise ShapeError("log_softmax needs at least one logit, got an empty list")
    datas = [v.data for v in values]
    top = max(datas)
    log_total = top + math.log(math.fsum(math.exp(a - top) for a in datas))
    probs = [math.exp(a - log_total) for a in datas]
    parents = tuple(values)
    outputs = []
    for k, a in enumerate(datas):
        local = tuple((1.0 if i == k else 0.0) - p for i, p in enumerate(probs))
        outputs.append(_nary(a - log_total, "log_softmax", parents, local, k))
    return outputs


# --- helpers ------------------------------------------------------------------------------------

_new = object.__new__
_parents_of = operator.attrgetter("_a")  # None (false) for a leaf
_data_of = operator.attrgetter("data")
_grad_of = operator.attrgetter("grad")
_JUST_VALUES = frozenset({Value})
_JUST_FLOATS = frozenset({float})


def _finite(x: float) -> bool:
    return x - x == 0.0  # inf - inf and nan - nan are nan


_mul = operator.mul


class _Marker:
    """A named constant for a node's `_b` slot; copies and pickles of a graph keep the very same
    object, so `node._b is MANY` still holds in a copied graph."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name

    def __reduce__(self) -> str:
        return self.name  # pickled by reference, as the module's global of that name


MANY = _Marker("MANY")  # in `_b`: `_a` and `_da` are tuples (a fused node, see Value)
NEURON = _Marker("NEURON")  # in `_b`: a neuron's z = Σ wᵢxᵢ + b, its parts in the other slots


def _node(
    data: float, op: str, a: object, da: object, b: object = None, db: object = None
) -> Value:
    """A new node of `op` with result `data`: parent `a` with local derivative `da`, then `b`
    with `db`, in the slots' layout (see Value): with one parent, `b` is None and `db` holds the
    op's constant; for a fused node `b` is MANY or NEURON. Inside no_grad() it is a bare leaf."""
    if data - data != 0.0:  # inf - inf and nan - nan are nan: the result overflowed
        raise _overflow(op, _operands(a, da, b, db), data)
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    node.label = ""
    if not _no_grad_blocks or _mode.enabled:
        node.op = op
        node._a = a
        node._b = b
        node._da = da
        node._db = db
    else:
        node.op = ""
        node._a = node._b = node._da = node._db = None
    return node


def _nary(data: float, op: str, parents: tuple, local_grads: tuple, arg: object = None) -> Value:
    """A new fused node (any number of parents): Σ or a log-softmax entry."""
    _check_aligned(parents, local_grads)
    if not parents:  # nothing to differentiate: a leaf that remembers its op
        return _node(data, op, None, None)
    return _node(data, op, parents, local_grads, MANY, arg)


def _operands(a: object, da: object, b: object, db: object) -> tuple:
    """A node's operands for an error message, from its slots' layout."""
    if b is None:
        return (a,) if db is None else (a, db)
    if b is MANY:
        return a if db is None else (*a, db)
    if b is NEURON:
        (weights, bias), inputs = a, da[0]
        return (*weights, *inputs, bias)
    return (a, b)


def _link(node: Value, parents: tuple, local_grads: tuple, arg: object = None) -> None:
    """Give an existing `node` these parents and local derivatives (aligned), as a fused node."""
    _check_aligned(parents, local_grads)
    if parents:
        node._a, node._da, node._b, node._db = parents, local_grads, MANY, arg
    else:
        node._a = node._da = node._b = node._db = None


def _check_aligned(parents: tuple, local_grads: tuple) -> None:
    if len(local_grads) != len(parents):
        raise ShapeError(
            f"{len(parents)} parents need {len(parents)} local derivatives, got {len(local_grads)}"
        )


def _number(x: object, where: str, label: str = "") -> float:
    """`x` as a finite float, or a clear error saying why it cannot be one."""
    kind = type(x)
    if kind is float or kind is int:
        try:
            v = float(x)
        except OverflowError:
            raise NonFiniteError(f"{where}: {x!r} is too large for a float") from None
    elif kind is bool or not isinstance(x, Real):
        what = f" for {label!r}" if label else ""
        if kind is bool:
            raise NotANumberError(
                f"{where}: {x!r}{what} is a bool, which nnscalar does not take as a number; "
                "use 1.0 or 0.0"
            )
        raise NotANumberError(
            f"{where}: {x!r} ({kind.__name__}){what} is not a number; give an int or a float"
        )
    else:
        v = float(x)  # numpy scalars, fractions
    if not -_INF < v < _INF:
        raise NonFiniteError(
            f"{where}: got {v}{' for ' + repr(label) if label else ''}; "
            "Values must be finite numbers"
        )
    return v


def _constant(x: object, op: str, value: Value | None) -> float:
    """A plain-number operand as a float; anything else is refused naming the op and the Value."""
    if type(x) is float and -_INF < x < _INF:
        return x
    where = f"{describe(value)} {op} {x!r}" if value is not None else op
    return _number(x, where)


def _data(x: object, op: str) -> float:
    return x.data if isinstance(x, Value) else _constant(x, op, None)


def _pow(a: float, b: float, operands: tuple) -> float:
    try:
        return a**b
    except OverflowError:
        raise _overflow("**", operands) from None


def _power_of_zero(base: Value, b: float) -> Value:
    """0 ** b: 1 for b = 0, 0 for b > 0; its slope b·0^(b-1) is 1 for b = 1, 0 for b > 1 or
    b = 0, and infinite for 0 < b < 1 (refused while recording a graph)."""
    if b < 0.0:
        raise _domain("**", (base, b), "0 to a negative power divides by zero", "a base ≠ 0")
    if b == 1.0:
        local = 1.0
    elif b > 1.0 or b == 0.0 or not is_grad_enabled():
        local = 0.0
    else:
        raise _infinite_slope("**", (base, b))
    return _node(base.data**b, "**", base, local, None, b)


def _power_of_values(base: Value, exponent: Value) -> Value:
    a, b = base.data, exponent.data
    if a > 0.0:
        out = _pow(a, b, (base, exponent))
        return _node(out, "**", base, b * out / a, exponent, out * math.log(a))
    if a == 0.0 and b > 0.0:
        if b < 1.0:
            raise _infinite_slope("**", (base, exponent))
        return _node(0.0, "**", base, 1.0 if b == 1.0 else 0.0, exponent, 0.0)
    raise _domain(
        "**",
        (base, exponent),
        "a base <= 0 to a Value exponent has no real derivative",
        "a base > 0, or a plain-number exponent such as x ** 2",
    )


def _sigmoid(x: float) -> float:
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _operands_text(operands: tuple) -> str:
    """The operands for an error message; a fused node's long list is cut in the middle."""
    shown = [v for v in operands if not isinstance(v, tuple)]  # a weighted sum's inputs tuple
    if len(shown) > 6:
        return ", ".join(
            [*map(describe, shown[:3]), f"… {len(shown) - 5} more", *map(describe, shown[-2:])]
        )
    return ", ".join(describe(v) for v in shown)


def _domain(op: str, operands: tuple, why: str, valid: str) -> DomainError:
    return DomainError(f"{op}({_operands_text(operands)}): {why}; valid: {valid}")


def _overflow(op: str, operands: tuple, data: float | None = None) -> NNScalarError:
    for v in operands:
        x = getattr(v, "data", v)
        if isinstance(x, float) and x - x != 0.0:
            return NonFiniteError(
                f"{op}({_operands_text(operands)}): an operand is {x}; valid: finite numbers"
            )
    got = f" (got {data})" if data is not None else ""
    return FloatOverflowError(
        f"{op}({_operands_text(operands)}) overflows a float{got}; valid: results of magnitude "
        "below 1.8e308 — scale the inputs down or use a smaller learning rate"
    )


def _infinite_slope(op: str, operands: tuple) -> DomainError:
    return DomainError(
        f"{op}({_operands_text(operands)}) has an infinite derivative here; valid: an operand "
        "> 0 (add a small epsilon), or compute it inside `no_grad()` if you need no gradient"
    )


def _check_finite_grads(groups: Iterable[Iterable[Value]]) -> None:
    """Raise if a leaf's gradient became inf or nan. Their sum is finite when every one is (it
    is worked out at C speed); only when it is not, look for the culprit one by one."""
    nodes = list(_chain.from_iterable(groups))
    if _finite(sum(map(_grad_of, nodes))):
        return
    for node in nodes:
        if not -_INF < node.grad < _INF:
            raise NonFiniteError(
                f"backward: the gradient of {describe(node)} became {node.grad}; the graph has "
                "a slope too steep for floats — scale the inputs or lower the learning rate"
            )
