"""The op table: each op's name, symbol, arity and local-derivative formula, in one place.

The engine computes the numbers; the renderer, explainer, quiz and exercises print the formulas
from this table. Formulas are plain text over the operand names `a`, `b`, the result `out` and the
op's parameter (`slope`, `alpha`); `evaluate` computes one (a test checks them against the engine).
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from typing import Any

from .errors import ParseError

__all__ = [
    "OPS",
    "Op",
    "derivative_formula",
    "evaluate",
    "formula_env",
    "operands",
    "pretty",
    "roles",
]


@dataclass(frozen=True)
class Op:
    """One operation: how it is named, drawn and differentiated."""

    name: str  # the key stored in `Value.op`
    symbol: str  # what a picture shows
    title: str  # what it is called in prose
    arity: int | None  # None: any number of operands
    derivatives: tuple[str, ...]  # d(out)/d(operand), one formula per operand (or per role)
    param: str = ""  # the name of the op's number parameter, if it has one
    const_first: bool = False  # a constant on the left: `2 - x` is ("rsub", parents (x,), arg 2)


_TABLE = [
    Op("+", "+", "addition", 2, ("1", "1")),
    Op("-", "−", "subtraction", 2, ("1", "-1")),
    Op("*", "×", "multiplication", 2, ("b", "a")),
    Op("/", "÷", "division", 2, ("1 / b", "-a / b**2")),
    Op("**", "^", "power", 2, ("b * a**(b - 1)", "out * log(a)")),
    Op("rsub", "−", "subtraction", 2, ("1", "-1"), const_first=True),
    Op("rdiv", "÷", "division", 2, ("1 / b", "-a / b**2"), const_first=True),
    Op("rpow", "^", "power", 2, ("b * a**(b - 1)", "out * log(a)"), const_first=True),
    Op("neg", "−", "negation", 1, ("-1",)),
    Op("abs", "abs", "absolute value", 1, ("sign(a)",)),
    Op("exp", "exp", "exponential", 1, ("out",)),
    Op("log", "log", "natural logarithm", 1, ("1 / a",)),
    Op("sqrt", "√", "square root", 1, ("1 / (2 * out)",)),
    Op("tanh", "tanh", "hyperbolic tangent", 1, ("1 - out**2",)),
    Op("sigmoid", "σ", "sigmoid", 1, ("out * (1 - out)",)),
    Op("relu", "ReLU", "rectified linear unit", 1, ("1 if a > 0 else 0",)),
    Op("leaky_relu", "LReLU", "leaky ReLU", 1, ("1 if a > 0 else slope",), param="slope"),
    Op("elu", "ELU", "exponential linear unit", 1, ("1 if a > 0 else out + alpha",), "alpha"),
    Op("softplus", "softplus", "softplus", 1, ("sigmoid(a)",)),
    Op("sin", "sin", "sine", 1, ("cos(a)",)),
    Op("cos", "cos", "cosine", 1, ("-sin(a)",)),
    Op("sum", "Σ", "sum", None, ("1",)),
    # The neuron's weighted input z = Σ wᵢxᵢ + b as one node; derivatives by role: w, x, b.
    Op("wsum", "Σwx+b", "weighted input", None, ("x", "w", "1")),
    # One entry of log-softmax over a row of logits aᵢ: out = aₖ − log Σ exp(aᵢ).
    Op("log_softmax", "log softmax", "log-softmax", None, ("[i == k] - exp(a - (ak - out))",)),
]

OPS: dict[str, Op] = {op.name: op for op in _TABLE}


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
    names = ["a", "b"]
    if len(node.parents) == 1 and OPS[node.op].const_first:
        return ["b"]
    return names[: len(node.parents)]


def derivative_formula(node: Any, index: int) -> str:
    """The formula of d(node)/d(parents[index]) as plain text (see `pretty` for display)."""
    op = OPS[node.op]
    role = roles(node)[index]
    if op.name == "wsum":
        return op.derivatives[["w", "x", "bias"].index(role)]
    if op.arity is None:
        return op.derivatives[0]
    return op.derivatives[0 if role == "a" else 1]


def formula_env(node: Any, index: int) -> dict[str, float]:
    """The numbers a derivative formula of `node` for `parents[index]` is evaluated with."""
    op = OPS[node.op]
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
