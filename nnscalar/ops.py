"""The op table: each op's name, symbol, arity and local-derivative formula, in one place.

The engine computes the numbers; the renderer, explainer, quiz and exercises print the formulas
from this table. Formulas are plain text over the operand names `a`, `b`, the result `out` and the
op's parameter (`slope`, `alpha`); `evaluate` computes one (a test checks them against the engine).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from .errors import ParseError

__all__ = [
    "OPS",
    "Derived",
    "Op",
    "derivative_formula",
    "engine_function",
    "evaluate",
    "formula_env",
    "op_of",
    "operands",
    "pretty",
    "roles",
]


@dataclass(frozen=True)
class Op:
    """One operation: how it is named, drawn, written, parsed and differentiated.

    Everything that lists ops (the parser's functions, the activations, the explainer's forms,
    the renderer's a/b edge labels, `higher.grad`) reads this record, so adding an op is one
    record here plus its engine method (or an `apply` built with `custom_node`).
    """

    name: str  # the key stored in `Value.op`
    symbol: str  # what a picture shows
    title: str  # what it is called in prose
    arity: int | None  # None: any number of operands
    derivatives: tuple[str, ...]  # d(out)/d(operand), one formula per operand (or per role)
    param: str = ""  # the name of the op's number parameter, if it has one
    const_first: bool = False  # a constant on the left: `2 - x` is ("rsub", parents (x,), arg 2)
    form: str = ""  # how the explainer writes it over {a}, {b} ({pa}: a, negatives in parentheses)
    ordered: bool = False  # operand order matters: a picture labels the edges a and b
    spelling: str = ""  # the parser's function name (`tanh(x)`); "" if it is not a function
    method: str = ""  # the Value method the parser and activations call (default: `name`)
    default: float | None = None  # the parameter's default value
    activation: bool = False  # an elementwise activation a neuron can apply by name
    init: str = "glorot"  # a neuron's weight initialisation with it: "he" or "glorot"
    apply: Callable[..., Any] | None = None  # the engine part, when not a Value method
    second: str = ""  # its second derivative(s) as text ("" : none known, as for a custom op)
    local: Callable[[Any], tuple[Any, ...]] | None = None  # `higher.grad`'s rule (see `Local`)


def _function(name: str, title: str, derivative: str, symbol: str = "", **more: Any) -> Op:
    """A one-operand op the parser spells `name(x)`."""
    return Op(name, symbol or name, title, 1, (derivative,), spelling=name, **more)


# --- the local rules `higher.grad` uses: a node's d(out)/d(parent), one per parent, written with
# Value ops on the node (so they can be differentiated again), or a float where it is constant.


def _one_each(node: Any) -> tuple[Any, ...]:
    return (1.0,) * len(node.parents)


def _minus(node: Any) -> tuple[Any, ...]:  # a - b, or a - c (one parent)
    return (1.0, -1.0) if len(node.parents) == 2 else (1.0,)


def _times(node: Any) -> tuple[Any, ...]:  # a * b: (b, a); a * c: (c,)
    if len(node.parents) == 2:
        a, b = node.parents
        return (b, a)
    return (node.arg,)


def _divide(node: Any) -> tuple[Any, ...]:  # a / b: (1/b, −out/b); a / c: (1/c,)
    if len(node.parents) == 2:
        b = node.parents[1]
        return (1.0 / b, -node / b)
    return (1.0 / node.arg,)


def _power(node: Any) -> tuple[Any, ...]:  # a ** c: c·a^(c−1); a ** b: (b·a^(b−1), out·ln a)
    a = node.parents[0]
    if len(node.parents) == 1:
        c = node.arg
        if c == 1.0 or c == 0.0:
            return (c,)  # the slope of a and of 1, constant everywhere
        return (c * a ** (c - 1.0),)
    b = node.parents[1]
    if a.data > 0.0:
        return (b * a ** (b - 1.0), node * a.log())
    return (1.0 if b.data == 1.0 else 0.0, 0.0)  # 0 ** b, b >= 1: the engine's slopes


def _rpow(node: Any) -> tuple[Any, ...]:  # c ** a: out·ln c
    c = node.arg
    return (node * math.log(c),) if c > 0.0 else (0.0,)


def _wsum(node: Any) -> tuple[Any, ...]:  # Σ wᵢxᵢ + b: (x…, w of Value inputs…, 1)
    given = node.arg
    weights = node.parents[: len(given)]
    w_of_values = [w for w, x in zip(weights, given) if hasattr(x, "data")]
    return (*given, *w_of_values, 1.0)


def _log_softmax(node: Any) -> tuple[Any, ...]:  # [i = k] − exp(aᵢ − (aₖ − out))
    k = node.arg
    a = node.parents
    log_total = a[k] - node
    return tuple([(1.0 if i == k else 0.0) - (ai - log_total).exp() for i, ai in enumerate(a)])


def _sign(a: float) -> float:  # abs's slope, 0 at 0 as the engine's
    return 1.0 if a > 0.0 else -1.0 if a < 0.0 else 0.0


def _one(f: Callable[[Any], Any]) -> Callable[[Any], tuple[Any, ...]]:
    return lambda node: (f(node),)


def _a(node: Any) -> Any:  # the operand of a one-operand node
    return node.parents[0]


_HE: dict[str, Any] = {"activation": True, "init": "he"}  # the relu family: He initialisation
_CONST_FIRST: dict[str, Any] = {"const_first": True, "ordered": True}
_MINUS_ONE = _one(lambda node: -1.0)
_STEP = _one(lambda node: 1.0 if _a(node).data > 0.0 else 0.0)

_TABLE = [
    Op("+", "+", "addition", 2, ("1", "1"), form="{pa} + {pb}", second="0", local=_one_each),
    Op(
        "-",
        "−",
        "subtraction",
        2,
        ("1", "-1"),
        form="{pa} − {pb}",
        ordered=True,
        second="0",
        local=_minus,
    ),
    Op(
        "*",
        "×",
        "multiplication",
        2,
        ("b", "a"),
        form="{pa}·{pb}",
        second="d²/da² = 0, d²/da db = 1",
        local=_times,
    ),
    Op(
        "/",
        "÷",
        "division",
        2,
        ("1 / b", "-a / b**2"),
        form="{pa} / {pb}",
        ordered=True,
        second="d²/da² = 0, d²/da db = -1 / b**2, d²/db² = 2 * a / b**3",
        local=_divide,
    ),
    Op(
        "**",
        "^",
        "power",
        2,
        ("b * a**(b - 1)", "out * log(a)"),
        form="{pa}^{pb}",
        ordered=True,
        second="d²/da² = b * (b - 1) * a**(b - 2), d²/db² = out * log(a)**2",
        local=_power,
    ),
    Op(
        "rsub",
        "−",
        "subtraction",
        2,
        ("1", "-1"),
        **_CONST_FIRST,
        form="{pa} − {pb}",
        second="0",
        local=_MINUS_ONE,
    ),
    Op(
        "rdiv",
        "÷",
        "division",
        2,
        ("1 / b", "-a / b**2"),
        **_CONST_FIRST,
        form="{pa} / {pb}",
        second="2 * c / a**3",
        local=_one(lambda node: -node / _a(node)),
    ),
    Op(
        "rpow",
        "^",
        "power",
        2,
        ("b * a**(b - 1)", "out * log(a)"),
        **_CONST_FIRST,
        form="{pa}^{pb}",
        second="out * log(c)**2",
        local=_rpow,
    ),
    Op("neg", "−", "negation", 1, ("-1",), form="−{pa}", second="0", local=_MINUS_ONE),
    _function("exp", "exponential", "out", second="out", local=_one(lambda node: node)),
    _function(
        "log",
        "natural logarithm",
        "1 / a",
        second="-1 / a**2",
        local=_one(lambda node: 1.0 / _a(node)),
    ),
    _function(
        "sqrt",
        "square root",
        "1 / (2 * out)",
        "√",
        second="-1 / (4 * out**3)",
        local=_one(lambda node: 0.5 / node),
    ),
    _function(
        "relu",
        "rectified linear unit",
        "1 if a > 0 else 0",
        "ReLU",
        **_HE,
        second="0 (a ≠ 0)",
        local=_STEP,
    ),
    _function(
        "leaky_relu",
        "leaky ReLU",
        "1 if a > 0 else slope",
        "LReLU",
        param="slope",
        default=0.01,
        **_HE,
        second="0 (a ≠ 0)",
        local=_one(lambda node: 1.0 if _a(node).data > 0.0 else node.arg),
    ),
    _function(
        "elu",
        "exponential linear unit",
        "1 if a > 0 else out + alpha",
        "ELU",
        param="alpha",
        default=1.0,
        **_HE,
        second="0 if a > 0 else alpha * exp(a)",
        local=_one(lambda n: 1.0 if _a(n).data > 0.0 else n.arg * _a(n).exp()),
    ),
    _function(
        "sigmoid",
        "sigmoid",
        "out * (1 - out)",
        "σ",
        activation=True,
        second="out * (1 - out) * (1 - 2 * out)",
        local=_one(lambda node: node * (1.0 - node)),
    ),
    _function(
        "tanh",
        "hyperbolic tangent",
        "1 - out**2",
        activation=True,
        second="-2 * out * (1 - out**2)",
        local=_one(lambda node: 1.0 - node * node),
    ),
    _function(
        "softplus",
        "softplus",
        "sigmoid(a)",
        activation=True,
        second="sigmoid(a) * (1 - sigmoid(a))",
        local=_one(lambda node: _a(node).sigmoid()),
    ),
    _function("sin", "sine", "cos(a)", second="-sin(a)", local=_one(lambda n: _a(n).cos())),
    _function("cos", "cosine", "-sin(a)", second="-cos(a)", local=_one(lambda n: -_a(n).sin())),
    _function(
        "abs",
        "absolute value",
        "sign(a)",
        form="|{a}|",
        method="__abs__",
        second="0 (a ≠ 0)",
        local=_one(lambda node: _sign(_a(node).data)),
    ),
    Op("sum", "Σ", "sum", None, ("1",), second="0", local=_one_each),
    # The neuron's weighted input z = Σ wᵢxᵢ + b as one node; derivatives by role: w, x, b.
    Op(
        "wsum",
        "Σwx+b",
        "weighted input",
        None,
        ("x", "w", "1"),
        second="d²/dwᵢ dxᵢ = 1, others 0",
        local=_wsum,
    ),
    # One entry of log-softmax over a row of logits aᵢ: out = aₖ − log Σ exp(aᵢ).
    Op(
        "log_softmax",
        "log softmax",
        "log-softmax",
        None,
        ("[i == k] - exp(a - (ak - out))",),
        second="d²/daᵢ daⱼ = -pᵢ([i = j] - pⱼ)",
        local=_log_softmax,
    ),
]

OPS: dict[str, Op] = {op.name: op for op in _TABLE}

T = TypeVar("T")


class Derived(Mapping[str, T]):
    """A read-only table worked out from `OPS` at each look-up, so it cannot fall out of step:
    `make(op)` gives an op's (key, entry), or None when the op has no entry in this table."""

    def __init__(self, make: Callable[[Op], tuple[str, T] | None]) -> None:
        self._make = make

    def _entries(self) -> dict[str, T]:
        return dict(pair for op in OPS.values() if (pair := self._make(op)) is not None)

    def __getitem__(self, key: str) -> T:
        return self._entries()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries())

    def __len__(self) -> int:
        return len(self._entries())

    def __repr__(self) -> str:
        return repr(self._entries())


def engine_function(op: Op, value_type: type) -> Callable[..., Any]:
    """What computes `op` on a Value: its `apply`, else the method of `value_type` it names."""
    return op.apply or getattr(value_type, op.method or op.name)


def op_of(node: Any) -> Op:
    """The record of `node`'s op: its entry in `OPS`; for an op made with `custom_node`, a record
    of its own, its name as its symbol and the local derivatives it stored as its formulas."""
    op = OPS.get(node.op)
    if op is not None:
        return op
    formulas = tuple(repr(float(g)) for g in node.local_grads)
    return Op(node.op, node.op, f"custom op {node.op!r}", None, formulas, spelling=node.op)


def operands(node: Any) -> tuple[Any, ...]:
    """A node's operands in written order: Values, and the constants the engine kept as floats."""
    op = OPS.get(node.op)
    parents = node.parents
    if op is None or op.arity != 2 or len(parents) == 2:
        return parents
    return (node.arg, parents[0]) if op.const_first else (parents[0], node.arg)


def roles(node: Any) -> list[str]:
    """What each parent of a node is, aligned with `node.parents`: 'a', 'b', 'w', 'x' or 'b'.

    For a weighted input the roles are 'w' (weight), 'x' (input) and 'bias'; for a sum 'term'.
    """
    if node.op == "wsum":
        n_value_inputs = len(node.parents) - len(node.arg) - 1
        return ["w"] * len(node.arg) + ["x"] * n_value_inputs + ["bias"]
    if node.op in ("sum", "log_softmax"):
        return ["term"] * len(node.parents)
    if node.op not in OPS:  # a custom op
        return ["a"] if len(node.parents) == 1 else ["term"] * len(node.parents)
    names = ["a", "b"]
    if len(node.parents) == 1 and OPS[node.op].const_first:
        return ["b"]
    return names[: len(node.parents)]


def derivative_formula(node: Any, index: int) -> str:
    """The formula of d(node)/d(parents[index]) as plain text (see `pretty` for display)."""
    op = op_of(node)
    if op.name not in OPS:  # a custom op: the number it stored
        return op.derivatives[index]
    role = roles(node)[index]
    if op.name == "wsum":
        return op.derivatives[["w", "x", "bias"].index(role)]
    if op.arity is None:
        return op.derivatives[0]
    return op.derivatives[0 if role == "a" else 1]


def formula_env(node: Any, index: int) -> dict[str, float]:
    """The numbers a derivative formula of `node` for `parents[index]` is evaluated with."""
    op = op_of(node)
    env: dict[str, float] = {"out": node.data}
    if op.name == "wsum":
        role = roles(node)[index]
        xs = node.arg
        n = len(xs)
        if role == "w":
            x = xs[index]
            env["x"] = getattr(x, "data", x)
        elif role == "x":
            value_inputs = [i for i, x in enumerate(xs) if hasattr(x, "data")]
            env["w"] = node.parents[value_inputs[index - n]].data
        return env
    if op.name == "log_softmax":
        k = node.arg
        env.update(a=node.parents[index].data, ak=node.parents[k].data, i=index, k=k)
        return env
    if op.arity is None:
        return env
    values = [getattr(x, "data", x) for x in operands(node)]
    env.update(zip("ab", values))
    if op.param:
        env[op.param] = node.arg
    return env


_FUNCTIONS = {
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "sin": math.sin,
    "cos": math.cos,
    "tanh": math.tanh,
    "sign": lambda x: (x > 0) - (x < 0),
    "sigmoid": lambda x: 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x)),
}
_BINARY = {
    ast.Add: lambda x, y: x + y,
    ast.Sub: lambda x, y: x - y,
    ast.Mult: lambda x, y: x * y,
    ast.Div: lambda x, y: x / y,
    ast.Pow: lambda x, y: x**y,
}
_COMPARE = {
    ast.Gt: lambda x, y: x > y,
    ast.Lt: lambda x, y: x < y,
    ast.GtE: lambda x, y: x >= y,
    ast.LtE: lambda x, y: x <= y,
    ast.Eq: lambda x, y: x == y,
}


def evaluate(formula: str, env: dict[str, float]) -> float:
    """The number a table formula gives for the names in `env` (a whitelisted AST walk, no eval)."""
    text = formula.replace("[", "(").replace("]", ")")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ParseError(f"formula {formula!r} is not valid: {exc.msg}") from None
    return float(_walk(tree.body, env, formula))


def _walk(node: ast.AST, env: dict[str, float], formula: str) -> float:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in env:
            raise ParseError(f"formula {formula!r} uses {node.id!r}, which has no value here")
        return env[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_walk(node.operand, env, formula)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _walk(node.left, env, formula), _walk(node.right, env, formula)
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
        left, right = _walk(node.left, env, formula), _walk(node.comparators[0], env, formula)
        return float(_COMPARE[type(node.ops[0])](left, right))
    if isinstance(node, ast.IfExp):
        test = _walk(node.test, env, formula)
        return _walk(node.body if test else node.orelse, env, formula)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCTIONS
        and len(node.args) == 1
        and not node.keywords
    ):
        return _FUNCTIONS[node.func.id](_walk(node.args[0], env, formula))
    raise ParseError(f"formula {formula!r} has a part the formula language does not allow")


_SUPERSCRIPTS = {"**2": "²", "**3": "³"}


def pretty(formula: str) -> str:
    """A formula as a person writes it: `1 - out**2` becomes `1 − out²`, `a * b` becomes `a·b`."""
    text = formula
    for plain, sup in _SUPERSCRIPTS.items():
        text = text.replace(plain, sup)
    text = text.replace("**", "^").replace(" * ", "·").replace("-", "−")
    return text.replace("[i == k]", "[i = k]")
