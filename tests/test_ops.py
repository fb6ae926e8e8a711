"""The op table: every formula, evaluated at random points, equals the engine's local derivative."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnscalar import Value, log_softmax, vsum, weighted_sum
from nnscalar.errors import ParseError
from nnscalar.ops import OPS, derivative_formula, evaluate, formula_env, operands, pretty, roles

small = st.floats(min_value=-3.0, max_value=3.0, allow_nan=False).filter(lambda x: abs(x) > 1e-3)
positive = st.floats(min_value=0.05, max_value=3.0)

# op name -> (strategy of argument tuples, function building the node from leaves)
BUILDERS = {
    "+": (st.tuples(small, small), lambda a, b: a + b),
    "-": (st.tuples(small, small), lambda a, b: a - b),
    "*": (st.tuples(small, small), lambda a, b: a * b),
    "/": (st.tuples(small, small), lambda a, b: a / b),
    "**": (st.tuples(positive, small), lambda a, b: a**b),
    "rsub": (st.tuples(small), lambda a: 1.5 - a),
    "rdiv": (st.tuples(small), lambda a: 2.5 / a),
    "rpow": (st.tuples(small), lambda a: 1.7**a),
    "neg": (st.tuples(small), lambda a: -a),
    "abs": (st.tuples(small), abs),
    "exp": (st.tuples(small), lambda a: a.exp()),
    "log": (st.tuples(positive), lambda a: a.log()),
    "sqrt": (st.tuples(positive), lambda a: a.sqrt()),
    "tanh": (st.tuples(small), lambda a: a.tanh()),
    "sigmoid": (st.tuples(small), lambda a: a.sigmoid()),
    "relu": (st.tuples(small), lambda a: a.relu()),
    "leaky_relu": (st.tuples(small), lambda a: a.leaky_relu(0.2)),
    "elu": (st.tuples(small), lambda a: a.elu(1.5)),
    "softplus": (st.tuples(small), lambda a: a.softplus()),
    "sin": (st.tuples(small), lambda a: a.sin()),
    "cos": (st.tuples(small), lambda a: a.cos()),
    "sum": (st.tuples(small, small, small), lambda a, b, c: vsum([a, b, c])),
    "wsum": (
        st.tuples(small, small, small, small),
        lambda w1, w2, x2, b: weighted_sum([w1, w2], [0.7, x2], b),
    ),
    "log_softmax": (st.tuples(small, small, small), lambda a, b, c: log_softmax([a, b, c])[1]),
}


def test_every_op_in_the_table_has_a_builder():
    assert set(BUILDERS) == set(OPS)


@pytest.mark.parametrize("name", sorted(BUILDERS))
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_formula_matches_engine(name, data):
    strategy, build = BUILDERS[name]
    args = data.draw(strategy)
    node = build(*[Value(x) for x in args])
    assert node.op == name
    for i in range(len(node.parents)):
        formula = derivative_formula(node, i)
        expected = evaluate(formula, formula_env(node, i))
        assert node.local_grads[i] == pytest.approx(expected, rel=1e-9, abs=1e-12), formula


def test_operands_put_constants_in_written_order():
    a = Value(2.0, label="a")
    assert operands(a - 3) == (a, 3.0)
    assert operands(3 - a) == (3.0, a)
    assert operands(a**2) == (a, 2.0)
    assert operands(2**a) == (2.0, a)
    assert roles(3 - a) == ["b"] and roles(a - 3) == ["a"]
    z = weighted_sum([Value(1.0), Value(2.0)], [0.5, a], Value(0.0))
    assert roles(z) == ["w", "w", "x", "bias"]
    assert derivative_formula(z, 0) == "x" and derivative_formula(z, 2) == "w"
    assert formula_env(z, 0)["x"] == 0.5 and formula_env(z, 2)["w"] == 2.0


def test_pretty_formulas():
    assert pretty("1 - out**2") == "1 − out²"
    assert pretty("b * a**(b - 1)") == "b·a^(b − 1)"
    assert pretty("-a / b**2") == "−a / b²"


def test_table_entries_are_complete():
    for op in OPS.values():
        assert op.symbol and op.title
        assert op.arity in (1, 2, None)
        if op.arity:
            assert len(op.derivatives) == op.arity


def test_evaluate_refuses_what_the_formula_language_lacks():
    with pytest.raises(ParseError, match="does not allow"):
        evaluate("__import__('os')", {})
    with pytest.raises(ParseError, match="'q'"):
        evaluate("q + 1", {})
    with pytest.raises(ParseError, match="not valid"):
        evaluate("1 +", {})
