"""Expressions typed by a person: `tanh(x1*w1 + x2*w2 + b)` parsed into a graph of Values.

A hand-written Pratt parser (never `eval`) with limits on length and nesting, so hostile input is
refused with a `ParseError` that points at the column. Parts made of numbers only are computed
right away with the engine's float rules (overflow is a `DomainError`, never a huge Python int).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Union

from . import ops
from .core import Value, no_grad
from .errors import DomainError, ParseError

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "Expression",
    "parse",
    "parse_assignments",
    "parse_numbers",
]

MAX_LENGTH = 10_000  # characters of an expression
MAX_DEPTH = 100  # nested parentheses, unary minuses, powers and calls

Operand = Union[Value, float]

# name → (what computes it on a Value, the name and default of its optional number parameter),
# worked out from the op table at each look-up: every op the table spells as a function parses.
FUNCTIONS: Mapping[str, tuple[Callable[..., Value], str, float | None]] = ops.Derived(
    lambda op: (
        (op.spelling, (ops.engine_function(op, Value), op.param, op.default))
        if op.spelling
        else None
    )
)

_BINARY: dict[str, Callable[[Operand, Operand], Operand]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
}
# binding powers: a higher one binds tighter; `**` is right-associative and binds tighter than
# unary minus, as in Python (-x**2 is -(x**2), 2**-1 is 0.5)
_INFIX = {"+": 10, "-": 10, "*": 20, "/": 20, "**": 40}
_PREFIX_POWER = 30

_TOKEN = re.compile(
    r"\s*(?:(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|[-+*/^(),·×−÷]))",
    re.ASCII,  # digits are 0-9: `٣` or `５` is not a number here
)
_SAME_AS = {"^": "**", "·": "*", "×": "*", "−": "-", "÷": "/"}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _pointer(text: str, column: int, width: int = 70) -> str:
    """Two indented lines: (a window of) the text and a `^` under 1-based `column`."""
    start = max(0, min(column - 1 - width // 2, len(text) - width))
    shown = "".join(c if c.isprintable() else " " for c in text[start : start + width])
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    return f"    {prefix}{shown}{suffix}\n    {' ' * (len(prefix) + column - 1 - start)}^"


def _error(text: str, column: int, message: str, hint: str = "") -> ParseError:
    hint = f"; {hint}" if hint else ""
    return ParseError(f"{message} at column {column}{hint}\n{_pointer(text, column)}")


def _closest(word: str, candidates: list[str]) -> str:
    """`did you mean 'x'?` for the closest candidate, or '' when none is close."""
    match = difflib.get_close_matches(word, candidates, n=1, cutoff=0.5)
    return f"did you mean {match[0]!r}?" if match else ""


@dataclass(frozen=True)
class _Token:
    kind: str  # "number", "name", "op" or "end"
    text: str
    column: int  # 1-based


def _tokens(text: str) -> list[_Token]:
    tokens = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            rest = text[pos:].lstrip()
            if not rest:
                break
            column = len(text) - len(rest) + 1
            raise _error(
                text,
                column,
                f"unexpected character {rest[0]!r}",
                "an expression uses numbers, names, + - * / ** ( ) and functions like tanh(x)",
            )
        kind = match.lastgroup or ""
        word = match.group(kind)
        tokens.append(_Token(kind, _SAME_AS.get(word, word), match.start(kind) + 1))
        pos = match.end()
    tokens.append(_Token("end", "", len(text) + 1))
    return tokens


# Program steps, run by a stack machine in `Expression.build` (no recursion, so a long flat sum
# of thousands of terms builds fine): ("number", x), ("name", n), ("neg",), ("binary", op),
# ("call", function, parameter). Each step keeps the column it came from for error messages.
_Step = tuple


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.pos = 0
        self.depth = 0
        self.program: list[tuple[_Step, int]] = []
        self.names: dict[str, int] = {}  # name → column of its first use, in order of appearance

    def peek(self) -> _Token:
        return self.tokens[self.pos]

    def take(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def expect(self, op: str, why: str) -> _Token:
        token = self.take()
        if token.text != op or token.kind != "op":
            raise _error(self.text, token.column, f"expected {op!r} {why}, found {_shown(token)}")
        return token

    def expression(self, min_power: int = 0) -> bool:
        """Parse operators binding tighter than `min_power`; True when the part is a constant."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _error(
                self.text,
                self.peek().column,
                f"the expression nests deeper than {MAX_DEPTH} levels",
                "simplify it",
            )
        constant = self.prefix()
        while True:
            token = self.peek()
            power = _INFIX.get(token.text, -1) if token.kind == "op" else -1
            if token.kind in ("number", "name") or token.text == "(":
                hint = "write * between them, as in 2*x" if token.kind != "number" else ""
                raise _error(
                    self.text, token.column, f"expected an operator before {_shown(token)}", hint
                )
            if power <= min_power:
                break
            self.take()
            right_power = power - 1 if token.text == "**" else power
            right_constant = self.expression(right_power)
            constant = self.emit(("binary", token.text), token.column, constant and right_constant)
        self.depth -= 1
        return constant

    def prefix(self) -> bool:
        token = self.take()
        if token.kind == "number":
            value = float(token.text)
            if value == math.inf:
                raise _error(
                    self.text,
                    token.column,
                    f"the number {token.text[:20]!r} is too large",
                    "numbers must be below 1.8e308",
                )
            self.program.append((("number", value), token.column))
            return True
        if token.kind == "name":
            if self.peek().text == "(":
                return self.call(token)
            if token.text in FUNCTIONS:
                raise _error(
                    self.text,
                    token.column,
                    f"{token.text!r} is a function",
                    f"write {token.text}(...) with its argument in parentheses",
                )
            self.names.setdefault(token.text, token.column)
            self.program.append((("name", token.text), token.column))
            return False
        if token.text == "(":
            constant = self.expression()
            self.expect(")", f"to close the '(' at column {token.column}")
            return constant
        if token.text in ("-", "+"):
            constant = self.expression(_PREFIX_POWER)
            if token.text == "+":
                return constant
            return self.emit(("neg",), token.column, constant)
        what = "the end of the expression" if token.kind == "end" else _shown(token)
        raise _error(self.text, token.column, f"expected a number, a name or '(', found {what}")

    def call(self, name: _Token) -> bool:
        if name.text not in FUNCTIONS:
            raise _error(
                self.text,
                name.column,
                f"unknown function {name.text!r}",
                _closest(name.text, list(FUNCTIONS)) or "functions: " + ", ".join(FUNCTIONS),
            )
        _, param, default = FUNCTIONS[name.text]
        open_paren = self.take()
        constant = self.expression()
        argument = default
        if param and self.peek().text == ",":
            comma = self.take()
            if not self.expression():
                raise _error(
                    self.text,
                    comma.column + 1,
                    f"the {param} of {name.text} must be a number",
                    "names are not allowed there",
                )
            (_, argument), _ = self.program.pop()  # a constant part is one number step
        if self.peek().text == ",":
            takes = f"a {param} after its argument" if param else "one argument"
            raise _error(self.text, self.peek().column, f"{name.text} takes {takes}")
        self.expect(")", f"to close the '(' of {name.text} at column {open_paren.column}")
        return self.emit(("call", name.text, argument), name.column, constant)

    def emit(self, step: _Step, column: int, constant: bool) -> bool:
        """Append a step; when all its operands are numbers, compute it now (constant folding)."""
        arity = 2 if step[0] == "binary" else 1
        if not constant:
            self.program.append((step, column))
            return False
        operands = [number for (_, number), _ in self.program[-arity:]]
        del self.program[-arity:]
        with no_grad():  # the engine's float rules: an overflow is a DomainError, not a big int
            result = _apply(step, [Value(x) for x in operands], self.text, column)
        self.program.append((("number", result.data), column))
        return True


def _shown(token: _Token) -> str:
    return "the end of the expression" if token.kind == "end" else repr(token.text)


def _apply(step: _Step, operands: list[Operand], text: str, column: int) -> Operand:
    """Run one program step on Values or numbers; a domain error points at the column."""
    try:
        if step[0] == "binary":
            return _BINARY[step[1]](operands[0], operands[1])
        if step[0] == "neg":
            value = operands[0]
            return -value
        method, param, _ = FUNCTIONS[step[1]]
        value = operands[0]  # a Value: a call on a number alone was computed while parsing
        return method(value, step[2]) if param else method(value)
    except DomainError as exc:
        raise DomainError(f"{exc}\n{_pointer(text, column)}") from None


@dataclass(frozen=True)
class Expression:
    """A parsed expression: its `names` in order of appearance, and `build(values)` for a graph."""

    text: str
    names: tuple[str, ...]
    _program: tuple[tuple[_Step, int], ...] = field(repr=False)
    _columns: tuple[int, ...] = field(repr=False)  # where each name is first used

    def build(self, values: Mapping[str, float]) -> Value:
        """The expression's graph: one leaf Value per name (labelled by it), shared by every use."""
        missing = [name for name in self.names if name not in values]
        extra = [name for name in values if name not in self.names]
        if missing:
            column = self._columns[self.names.index(missing[0])]
            given = ", ".join(values) or "none"
            raise _error(
                self.text,
                column,
                f"no value given for {missing[0]!r}",
                _closest(missing[0], extra)
                or f"give a number for each of {', '.join(self.names)} (given: {given})",
            )
        if extra:
            hint = _closest(extra[0], list(self.names)) or (
                "the expression uses " + (", ".join(self.names) or "no names")
            )
            raise ParseError(
                f"a value is given for {extra[0]!r}, which the expression does not use; {hint}"
            )
        leaves = {name: Value(values[name], label=name) for name in self.names}
        stack: list[Operand] = []
        for step, column in self._program:
            kind = step[0]
            if kind == "number":
                stack.append(step[1])
            elif kind == "name":
                stack.append(leaves[step[1]])
            elif kind == "binary":
                right = stack.pop()
                stack.append(_apply(step, [stack.pop(), right], self.text, column))
            else:
                stack.append(_apply(step, [stack.pop()], self.text, column))
        result = stack.pop()
        return result if isinstance(result, Value) else Value(result)

    def __str__(self) -> str:
        return self.text


def _check_length(text: str, what: str) -> None:
    if len(text) > MAX_LENGTH:
        raise ParseError(
            f"{what} is {len(text):,} characters long; at most {MAX_LENGTH:,} are allowed"
        )


def parse(text: str) -> Expression:
    """Parse a typed expression; a `ParseError` shows the text with a `^` under the bad spot.

    >>> parse("tanh(x*w + b)").names
    ('x', 'w', 'b')
    """
    if not isinstance(text, str):
        raise ParseError(f"an expression must be a str, got {type(text).__name__}")
    _check_length(text, "the expression")
    parser = _Parser(text)
    parser.expression()
    end = parser.peek()
    if end.kind != "end":
        problem = "unmatched ')'" if end.text == ")" else f"unexpected {_shown(end)}"
        raise _error(text, end.column, problem)
    names = tuple(parser.names)
    columns = tuple(parser.names.values())
    return Expression(text, names, tuple(parser.program), columns)


def parse_assignments(text: str) -> dict[str, float]:
    """`"x1=2, w1=-3"` as `{"x1": 2.0, "w1": -3.0}`; a malformed pair is a `ParseError`."""
    _check_length(text, "the list of values")
    values: dict[str, float] = {}
    column = 1
    for pair in text.split(","):
        stripped = pair.strip()
        at = column + len(pair) - len(pair.lstrip())
        name, equals, number = (part.strip() for part in stripped.partition("="))
        if not equals:
            raise _error(text, at, f"expected name=number, found {stripped!r}", "as in x1=2,w1=-3")
        if not _NAME.fullmatch(name):
            raise _error(text, at, f"{name!r} is not a name", "a name is letters, digits and _")
        if name in values:
            raise _error(text, at, f"{name!r} is given twice")
        values[name] = _number(number, text, at + stripped.index("=") + 1, f"the value of {name}")
        column += len(pair) + 1
    return values


def parse_numbers(text: str) -> list[float]:
    """`"0.5,-1"` as `[0.5, -1.0]`; anything that is not a finite number is a `ParseError`."""
    _check_length(text, "the list of numbers")
    numbers = []
    column = 1
    for part in text.split(","):
        numbers.append(_number(part.strip(), text, column, "an input"))
        column += len(part) + 1
    return numbers


def _number(word: str, text: str, column: int, what: str) -> float:
    try:
        if not word.isascii():  # float() would read `٣` and `５`; a number is written in 0-9
            raise ValueError(word)
        value = float(word)
    except ValueError:
        raise _error(text, column, f"{what} is {word!r}, which is not a number") from None
    if not math.isfinite(value):
        raise _error(text, column, f"{what} is {word!r}", "give a finite number")
    return value
