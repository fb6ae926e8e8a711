"""The typed-expression parser: grammar, shared names, errors pointing at columns, hostile input."""

from __future__ import annotations

import math
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnscalar import Value
from nnscalar.errors import DomainError, ParseError
from nnscalar.expr import MAX_DEPTH, MAX_LENGTH, parse, parse_assignments, parse_numbers

# (text, values, expected data) worked out by hand
GRAMMAR = [
    ("2*x + 1", {"x": 3.0}, 7.0),
    ("2 + 3*x", {"x": 2.0}, 8.0),
    ("(2 + 3)*x", {"x": 2.0}, 10.0),
    ("x - y - z", {"x": 10.0, "y": 3.0, "z": 2.0}, 5.0),
    ("x / y / z", {"x": 12.0, "y": 3.0, "z": 2.0}, 2.0),
    ("2**x**2", {"x": 2.0}, 16.0),  # right-associative: 2**(x**2)
    ("-x**2", {"x": 3.0}, -9.0),  # ** binds tighter than unary minus
    ("x**-1", {"x": 4.0}, 0.25),
    ("x^2", {"x": 3.0}, 9.0),
    ("--x", {"x": 3.0}, 3.0),
    ("+x", {"x": 3.0}, 3.0),
    ("x·y − x÷y", {"x": 6.0, "y": 2.0}, 9.0),
    ("1.5e2 * x + .5", {"x": 2.0}, 300.5),
    ("exp(x)", {"x": 0.0}, 1.0),
    ("log(x)", {"x": 1.0}, 0.0),
    ("sqrt(x)", {"x": 9.0}, 3.0),
    ("tanh(x)", {"x": 0.0}, 0.0),
    ("sigmoid(x)", {"x": 0.0}, 0.5),
    ("relu(x) + relu(-x)", {"x": -2.0}, 2.0),
    ("leaky_relu(x)", {"x": -2.0}, -0.02),
    ("leaky_relu(x, 0.5)", {"x": -2.0}, -1.0),
    ("leaky_relu(x, 1/4)", {"x": -2.0}, -0.5),
    ("elu(x)", {"x": 0.0}, 0.0),
    ("elu(x, 2)", {"x": 1.0}, 1.0),
    ("softplus(x)", {"x": 0.0}, math.log(2.0)),
    ("sin(x) + cos(x)", {"x": 0.0}, 1.0),
    ("abs(x)", {"x": -2.5}, 2.5),
    ("2 * 3", {}, 6.0),
]


@pytest.mark.parametrize(("text", "values", "expected"), GRAMMAR)
def test_grammar(text: str, values: dict[str, float], expected: float) -> None:
    assert parse(text).build(values).data == expected


def test_names_in_order_of_appearance_and_one_leaf_per_name() -> None:
    expression = parse("tanh(x1*w1 + x2*w2 + b) + x1")
    assert expression.names == ("x1", "w1", "x2", "w2", "b")
    out = expression.build({"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.88})
    x_uses = [p for p in out.parents if p.label == "x1"]
    product = out.parents[0].parents[0].parents[0].parents[0]  # tanh → + → + → x1*w1
    assert product.parents[0] is x_uses[0]
    out.backward()
    assert x_uses[0].grad == 1.0 + -3.0 * (1.0 - math.tanh(0.88) ** 2)


def test_constant_parts_are_folded_and_kept_as_plain_numbers() -> None:
    out = parse("x * (2 + 1)").build({"x": 2.0})
    assert (out.op, out.arg, out.data) == ("*", 3.0, 6.0)
    assert parse("2 - x").build({"x": 5.0}).op == "rsub"


def test_a_constant_expression_builds_a_leaf() -> None:
    out = parse("2**10").build({})
    assert (out.data, out.op, out.parents) == (1024.0, "", ())


def _message(text: str) -> str:
    with pytest.raises(ParseError) as info:
        parse(text)
    return str(info.value)


def test_unknown_function_points_at_it_and_suggests_the_closest() -> None:
    assert _message("1 + tanhh(x)") == (
        "unknown function 'tanhh' at column 5; did you mean 'tanh'?\n    1 + tanhh(x)\n        ^"
    )
    assert "did you mean 'sigmoid'?" in _message("sigmod(x)")


@pytest.mark.parametrize(
    ("text", "start", "column"),
    [
        ("2x", "expected an operator before 'x'", 2),
        ("x +", "expected a number, a name or '(', found the end of the expression", 4),
        ("(x", "expected ')' to close the '(' at column 1", 3),
        ("exp(x", "expected ')' to close the '(' of exp at column 4", 6),
        ("x)", "unmatched ')'", 2),
        ("x $ y", "unexpected character '$'", 3),
        ("exp", "'exp' is a function", 1),
        ("exp(x, 2)", "exp takes one argument", 6),
        ("leaky_relu(x, y)", "the slope of leaky_relu must be a number", 14),
        ("1e999 * x", "the number '1e999' is too large", 1),
        ("", "expected a number, a name or '(', found the end of the expression", 1),
    ],
)
def test_syntax_errors_point_at_the_column(text: str, start: str, column: int) -> None:
    message = _message(text)
    first, shown, caret = message.split("\n")
    assert first.startswith(start)
    assert f"at column {column}" in first
    assert shown == f"    {text}"
    assert caret == " " * (3 + column) + "^"


def test_a_long_expression_shows_a_window_around_the_error() -> None:
    text = "x + " * 500 + "$"
    lines = _message(text).split("\n")
    assert lines[0].startswith("unexpected character '$' at column 2001")
    assert lines[1].endswith("x + $")
    assert lines[2].index("^") == lines[1].index("$")


def test_missing_and_unused_values_name_the_name() -> None:
    expression = parse("x*y + x")
    with pytest.raises(ParseError) as info:
        expression.build({"x": 1.0})
    assert str(info.value) == (
        "no value given for 'y' at column 3; give a number for each of x, y (given: x)\n"
        "    x*y + x\n      ^"
    )
    with pytest.raises(ParseError, match=r"a value is given for 'yy'.*did you mean 'y'"):
        expression.build({"x": 1.0, "y": 2.0, "yy": 3.0})
    with pytest.raises(ParseError) as info:
        parse("x1*w3").build({"x1": 1.0, "w2": 2.0})  # a typo in the expression
    assert str(info.value) == (
        "no value given for 'w3' at column 4; did you mean 'w2'?\n    x1*w3\n       ^"
    )


def test_domain_errors_point_at_the_operation() -> None:
    with pytest.raises(DomainError) as info:
        parse("1 + log(x - 1)").build({"x": 1.0})
    assert str(info.value).endswith("\n    1 + log(x - 1)\n        ^")
    with pytest.raises(DomainError, match="division by zero"):
        parse("1/0")


def _refused_quickly(text: str, error: type[Exception] = ParseError) -> str:
    """Parse and build `text`, which must be refused. A hang (e.g. 2**2**...**99 evaluated as an
    integer) trips a generous 30 s guard; it is no speed figure: bench/ measures speed."""
    start = time.perf_counter()
    with pytest.raises(error) as info:
        parse(text).build({"x": 2.0})
    assert time.perf_counter() - start < 30.0, f"{text[:40]!r} took a hang's time to refuse"
    return str(info.value)


def test_hostile_input_is_refused_cleanly() -> None:
    assert _refused_quickly("x" * 1_000_000) == (
        f"the expression is 1,000,000 characters long; at most {MAX_LENGTH:,} are allowed"
    )
    assert _refused_quickly("(" * 10_000 + "x" + ")" * 10_000).startswith(
        "the expression is 20,001 characters long"
    )
    deep = _refused_quickly("(" * 4_000 + "x" + ")" * 4_000)
    assert deep.startswith(f"the expression nests deeper than {MAX_DEPTH} levels at column 101")
    assert _refused_quickly("-" * 5_000 + "x").startswith("the expression nests deeper")
    assert _refused_quickly("__import__('os')").startswith('unexpected character "\'"')
    assert _refused_quickly("__import__(os)").startswith("unknown function '__import__'")
    assert "overflows a float" in _refused_quickly("2**2**2**2**2**99", DomainError)
    assert "overflows a float" in _refused_quickly("x**2**2**2**2**99", DomainError)
    assert _refused_quickly("9" * 400 + " * x").startswith("the number '9999")
    assert "overflows a float" in _refused_quickly("1e308 * 10", DomainError)


def test_a_long_flat_sum_builds_without_recursion() -> None:
    out = parse(" + ".join(["x"] * 2_000)).build({"x": 0.5})
    assert out.data == 1000.0


_WORDS = "x y 2 0 1e308 0.5 + - * / ** ^ ( ) , exp( log( sqrt( tanh( relu( leaky_relu( elu( abs("
_PIECES = st.sampled_from([*_WORDS.split(), *"sin( 9e9 __import__ ' . e ·".split(), " "])


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join), st.floats(-50, 50), st.floats(-50, 50))
def test_fuzz_pieces_raise_only_parse_or_domain_errors(text: str, x: float, y: float) -> None:
    try:
        expression = parse(text)
        out = expression.build({name: v for name, v in zip(expression.names, (x, y))})
    except (ParseError, DomainError):
        return
    assert isinstance(out, Value)
    assert math.isfinite(out.data)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_fuzz_any_text_raises_only_parse_or_domain_errors(text: str) -> None:
    try:
        expression = parse(text)
        expression.build(dict.fromkeys(expression.names, 1.5))
    except (ParseError, DomainError):
        return


def test_parse_assignments() -> None:
    assert parse_assignments("x1=2,x2=0, w1 = -3,b=6.88") == {
        "x1": 2.0,
        "x2": 0.0,
        "w1": -3.0,
        "b": 6.88,
    }


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("x1=2,x2", "expected name=number, found 'x2' at column 6"),
        ("x1=abc", "the value of x1 is 'abc', which is not a number at column 4"),
        ("1x=2", "'1x' is not a name at column 1"),
        ("x=1,x=2", "'x' is given twice at column 5"),
        ("x=nan", "the value of x is 'nan' at column 3; give a finite number"),
        ("x=1,", "expected name=number, found '' at column 5"),
    ],
)
def test_parse_assignments_errors(text: str, start: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_assignments(text)
    assert str(info.value).startswith(start)


def test_value_lists_are_limited_in_length() -> None:
    with pytest.raises(ParseError, match="the list of values is 20,000 characters long"):
        parse_assignments("x=1," * 5_000)
    with pytest.raises(ParseError, match="the list of numbers is 20,000 characters long"):
        parse_numbers("1.0," * 5_000)


def test_parse_numbers() -> None:
    assert parse_numbers("0.5, -1") == [0.5, -1.0]
    with pytest.raises(ParseError, match=r"an input is 'x', which is not a number at column 5"):
        parse_numbers("0.5,x")
