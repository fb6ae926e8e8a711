"""The engine: every op's value and derivative from one table, domains, backward's semantics."""

from __future__ import annotations

import gc
import math
import threading

import pytest

from nnscalar import (
    DomainError,
    NNScalarError,
    NonFiniteError,
    NotANumberError,
    Value,
    custom_node,
    expanded_weighted_sum,
    gradcheck,
    log_softmax,
    no_grad,
    topological_order,
    vsum,
    weighted_sum,
    weighted_sums,
    zero_grad,
)
from nnscalar.errors import ShapeError

E = math.e
LN2 = math.log(2.0)

# One row per case: name, function of the inputs, inputs, value and derivatives worked by hand.
CASES = [
    ("add", lambda a, b: a + b, (2.0, -3.0), -1.0, (1.0, 1.0)),
    ("sub", lambda a, b: a - b, (2.0, -3.0), 5.0, (1.0, -1.0)),
    ("mul", lambda a, b: a * b, (2.0, -3.0), -6.0, (-3.0, 2.0)),
    ("div", lambda a, b: a / b, (3.0, 2.0), 1.5, (0.5, -0.75)),
    ("pow values", lambda a, b: a**b, (2.0, 3.0), 8.0, (12.0, 8.0 * LN2)),
    ("add const", lambda a: a + 1, (2.0,), 3.0, (1.0,)),
    ("radd const", lambda a: 1 + a, (2.0,), 3.0, (1.0,)),
    ("sub const", lambda a: a - 1.5, (2.0,), 0.5, (1.0,)),
    ("rsub const", lambda a: 5 - a, (2.0,), 3.0, (-1.0,)),
    ("mul const", lambda a: a * 2, (2.5,), 5.0, (2.0,)),
    ("rmul const", lambda a: 2 * a, (2.5,), 5.0, (2.0,)),
    ("div const", lambda a: a / 4, (2.0,), 0.5, (0.25,)),
    ("rdiv const", lambda a: 1 / a, (2.0,), 0.5, (-0.25,)),
    ("pow const", lambda a: a**3, (2.0,), 8.0, (12.0,)),
    ("pow half", lambda a: a**0.5, (4.0,), 2.0, (0.25,)),
    ("pow negative base, integer power", lambda a: a**2, (-3.0,), 9.0, (-6.0,)),
    ("pow zero", lambda a: a**0, (0.0,), 1.0, (0.0,)),
    ("rpow const", lambda a: 2**a, (3.0,), 8.0, (8.0 * LN2,)),
    ("neg", lambda a: -a, (2.0,), -2.0, (-1.0,)),
    ("abs negative", abs, (-3.0,), 3.0, (-1.0,)),
    ("abs positive", abs, (2.0,), 2.0, (1.0,)),
    ("abs kink", abs, (0.0,), 0.0, (0.0,)),
    ("exp", lambda a: a.exp(), (1.0,), E, (E,)),
    ("log", lambda a: a.log(), (2.0,), LN2, (0.5,)),
    ("sqrt", lambda a: a.sqrt(), (4.0,), 2.0, (0.25,)),
    ("tanh 0", lambda a: a.tanh(), (0.0,), 0.0, (1.0,)),
    ("tanh", lambda a: a.tanh(), (0.5,), math.tanh(0.5), (1 - math.tanh(0.5) ** 2,)),
    ("sigmoid 0", lambda a: a.sigmoid(), (0.0,), 0.5, (0.25,)),
    ("sigmoid", lambda a: a.sigmoid(), (2.0,), 1 / (1 + E**-2), (E**-2 / (1 + E**-2) ** 2,)),
    ("relu positive", lambda a: a.relu(), (2.0,), 2.0, (1.0,)),
    ("relu negative", lambda a: a.relu(), (-1.0,), 0.0, (0.0,)),
    ("relu kink", lambda a: a.relu(), (0.0,), 0.0, (0.0,)),
    ("leaky_relu negative", lambda a: a.leaky_relu(), (-2.0,), -0.02, (0.01,)),
    ("leaky_relu kink", lambda a: a.leaky_relu(0.1), (0.0,), 0.0, (0.1,)),
    ("leaky_relu positive", lambda a: a.leaky_relu(), (3.0,), 3.0, (1.0,)),
    ("elu negative", lambda a: a.elu(), (-1.0,), 1 / E - 1, (1 / E,)),
    ("elu kink", lambda a: a.elu(2.0), (0.0,), 0.0, (2.0,)),
    ("elu positive", lambda a: a.elu(), (1.5,), 1.5, (1.0,)),
    ("softplus 0", lambda a: a.softplus(), (0.0,), LN2, (0.5,)),
    ("softplus", lambda a: a.softplus(), (1.0,), math.log(1 + E), (E / (1 + E),)),
    ("sin", lambda a: a.sin(), (0.0,), 0.0, (1.0,)),
    ("cos", lambda a: a.cos(), (math.pi / 2,), math.cos(math.pi / 2), (-1.0,)),
    ("vsum", lambda a, b, c: vsum([a, b, 2.0, c]), (1.0, 2.0, 3.0), 8.0, (1.0, 1.0, 1.0)),
    (
        "weighted_sum",
        lambda w1, w2, x1, x2, b: weighted_sum([w1, w2], [x1, x2], b),
        (0.5, -2.0, 3.0, 4.0, 1.0),
        0.5 * 3 - 2 * 4 + 1,
        (3.0, 4.0, 0.5, -2.0, 1.0),
    ),
    (
        "weighted_sum of numbers",
        lambda w1, w2, b: weighted_sum([w1, w2], [3.0, 4], b),
        (0.5, -2.0, 1.0),
        -5.5,
        (3.0, 4.0, 1.0),
    ),
    ("a + a", lambda a: a + a, (3.0,), 6.0, (2.0,)),
    ("a * a", lambda a: a * a, (3.0,), 9.0, (6.0,)),
    ("shared node", lambda a, b: (lambda s: s * (s + a))(a * b), (2.0, 3.0), 48.0, (48.0, 28.0)),
]


@pytest.mark.parametrize(
    ("name", "f", "inputs", "value", "grads"), CASES, ids=[c[0] for c in CASES]
)
def test_value_and_hand_derived_gradient(name, f, inputs, value, grads):
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(inputs)]
    out = f(*leaves)
    assert out.data == pytest.approx(value, rel=1e-12, abs=1e-15)
    out.backward()
    assert [x.grad for x in leaves] == pytest.approx(list(grads), rel=1e-12, abs=1e-15)


SMOOTH = [c for c in CASES if "kink" not in c[0] and c[0] != "pow zero"]


@pytest.mark.parametrize(
    ("name", "f", "inputs", "value", "grads"), SMOOTH, ids=[c[0] for c in SMOOTH]
)
def test_gradcheck_agrees(name, f, inputs, value, grads):
    leaves = [Value(x) for x in inputs]
    report = gradcheck(f, leaves, raise_on_failure=True)
    assert report and len(report.rows) == len(inputs)


def test_log_softmax_is_stable_and_exact():
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    outs = log_softmax([a, b, c])
    log_total = 3.0 + math.log(math.exp(-2) + math.exp(-1) + 1)
    assert [o.data for o in outs] == pytest.approx([1 - log_total, 2 - log_total, 3 - log_total])
    outs[0].backward()
    probs = [math.exp(x - log_total) for x in (1.0, 2.0, 3.0)]
    assert [a.grad, b.grad, c.grad] == pytest.approx([1 - probs[0], -probs[1], -probs[2]])
    big = log_softmax([Value(1000.0), Value(0.0)])
    assert big[0].data == pytest.approx(-math.exp(-1000.0), abs=1e-300)
    assert big[1].data == pytest.approx(-1000.0)
    with pytest.raises(ShapeError):
        log_softmax([])


# --- stability and domains --------------------------------------------------------------------


@pytest.mark.parametrize("x", [-1e4, -745.0, -50.0, 50.0, 745.0, 1e4])
def test_sigmoid_and_softplus_do_not_overflow(x):
    s = Value(x).sigmoid()
    assert 0.0 <= s.data <= 1.0
    assert s.data == (1.0 if x > 40 else 0.0 if x < -800 else s.data)
    sp = Value(x).softplus()
    assert sp.data == pytest.approx(max(x, 0.0) + math.log1p(math.exp(-abs(x))))
    sp.backward()


def test_sigmoid_and_softplus_extremes():
    assert Value(-1e4).sigmoid().data == 0.0
    assert Value(1e4).sigmoid().data == 1.0
    assert Value(1e4).softplus().data == 1e4
    assert Value(-1e4).softplus().data == 0.0


DOMAIN_ERRORS = [
    ("log of 0", lambda: Value(0.0, label="p").log(), ["log", "0.0", "p=", "x > 0"]),
    ("log of negative", lambda: Value(-1.0).log(), ["log", "-1.0"]),
    ("divide by Value 0", lambda: Value(1.0) / Value(0.0, label="d"), ["/", "d=0.0", "nonzero"]),
    ("divide by 0", lambda: Value(1.0) / 0, ["/", "division by zero"]),
    ("number over Value 0", lambda: 2 / Value(0.0), ["/", "division by zero"]),
    ("0 to a negative power", lambda: Value(0.0) ** -1, ["**", "negative power"]),
    ("negative base, fraction", lambda: Value(-8.0) ** (1 / 3), ["**", "-8.0", "non-integer"]),
    ("exp overflow", lambda: Value(1000.0, label="big").exp(), ["exp", "big=1000.0", "overflow"]),
    ("mul overflow", lambda: Value(1e200) * 1e200, ["*", "overflow"]),
    ("pow overflow", lambda: Value(10.0) ** 400, ["**", "overflow"]),
    ("sqrt of negative", lambda: Value(-1.0).sqrt(), ["sqrt", "-1.0"]),
    ("sqrt at 0", lambda: Value(0.0).sqrt(), ["sqrt", "infinite derivative"]),
    ("0 ** 0.5", lambda: Value(0.0) ** 0.5, ["**", "infinite derivative"]),
    ("negative base, Value power", lambda: Value(-1.0) ** Value(2.0), ["**", "base > 0"]),
    ("0 ** Value 0.5", lambda: Value(0.0) ** Value(0.5), ["**", "infinite derivative"]),
    ("0 ** Value -1", lambda: 0 ** Value(-1.0), ["**", "base"]),
    ("negative ** Value", lambda: (-2) ** Value(2.0), ["**", "base must be positive"]),
]


@pytest.mark.parametrize(("name", "f", "words"), DOMAIN_ERRORS, ids=[d[0] for d in DOMAIN_ERRORS])
def test_domain_errors_name_the_op_and_value(name, f, words):
    with pytest.raises(DomainError) as info:
        f()
    assert isinstance(info.value, ValueError) and isinstance(info.value, ArithmeticError)
    assert isinstance(info.value, NNScalarError)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize(
    "f", [lambda: Value(1000.0).exp(), lambda: Value(1e200) * 1e200, lambda: Value(10.0) ** 400]
)
def test_overflow_has_its_own_error_type(f):
    from nnscalar.errors import FloatOverflowError

    with pytest.raises(FloatOverflowError, match="overflows a float"):
        f()


def test_kinks_are_fine_without_a_graph():
    with no_grad():
        assert Value(0.0).sqrt().data == 0.0
        assert (Value(0.0) ** 0.5).data == 0.0


BAD_INPUTS = [
    (lambda: Value("3"), NotANumberError, "'3' (str) is not a number"),
    (lambda: Value(None), NotANumberError, "None (NoneType) is not a number"),
    (lambda: Value([1.0]), NotANumberError, "is not a number"),
    (lambda: Value(True), NotANumberError, "bool"),
    (lambda: Value(2.0) + "x", NotANumberError, "2.0 + 'x': 'x' (str) is not a number"),
    (lambda: "x" * Value(2.0), NotANumberError, "'x' (str)"),
    (lambda: Value(2.0) * True, NotANumberError, "bool"),
    (lambda: Value(2.0) ** None, NotANumberError, "None"),
    (lambda: Value(1.0, label=3), NotANumberError, "label must be a str"),
    (lambda: Value(float("nan")), NonFiniteError, "nan"),
    (lambda: Value(float("inf")), NonFiniteError, "inf"),
    (lambda: Value(10**400), NonFiniteError, "too large"),
    (lambda: Value(2.0) * float("nan"), NonFiniteError, "an operand is nan"),
    (lambda: Value(2.0) + float("-inf"), NonFiniteError, "an operand is -inf"),
    (lambda: Value(1.0).leaky_relu("x"), NotANumberError, "'x'"),
    (lambda: Value(1.0) < "a", NotANumberError, "'a'"),
    (lambda: Value(1.0).backward(float("nan")), NonFiniteError, "backward"),
    (lambda: vsum([Value(1.0), "2"]), NotANumberError, "sum"),
    (lambda: weighted_sum([Value(1.0)], [1.0, 2.0], Value(0.0)), ShapeError, "1 weights but 2"),
]


@pytest.mark.parametrize(("f", "error", "text"), BAD_INPUTS)
def test_bad_inputs_raise_project_errors(f, error, text):
    with pytest.raises(error) as info:
        f()
    assert text in str(info.value)
    expected_builtin = TypeError if error is NotANumberError else ValueError
    assert isinstance(info.value, expected_builtin)


def test_numbers_of_other_real_types_are_accepted():
    from fractions import Fraction

    assert Value(Fraction(1, 4)).data == 0.25
    assert (Value(1.0) + Fraction(1, 2)).data == 1.5
    assert Value(3).data == 3.0 and type(Value(3).data) is float


def test_overflowing_gradient_raises_instead_of_inf():
    x = Value(1e-300, label="x")
    y = (x * 1e200) * 1e200  # finite forward (1e100), but dy/dx = 1e400 overflows
    with pytest.raises(NonFiniteError) as info:
        y.backward()
    assert "x=1e-300" in str(info.value)


def test_huge_but_finite_gradients_pass_even_when_their_sum_would_overflow():
    a, b = Value(1e-10, label="a"), Value(2e-10, label="b")
    y = a * 1e308 + b * 1.5e308  # dy/da = 1e308 and dy/db = 1.5e308: finite, their sum is not
    y.backward()
    assert (a.grad, b.grad) == (1e308, 1.5e308)
    a.data = b.data = 1e-300
    z = weighted_sum([a, b], [1e308, 1e308], Value(0.0, label="c")) * 1e10  # dz/da = 1e318
    with pytest.raises(NonFiniteError, match="a=1e-300"):
        z.backward()


# --- backward's semantics -----------------------------------------------------------------------


def test_backward_twice_doubles_leaf_grads_but_not_intermediates():
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    d = c + a
    d.backward()
    assert (a.grad, b.grad, c.grad, d.grad) == (-2.0, 2.0, 1.0, 1.0)
    d.backward()
    assert (a.grad, b.grad) == (-4.0, 4.0)
    assert (c.grad, d.grad) == (1.0, 1.0)


def test_backward_with_a_seed_gradient():
    a = Value(3.0)
    (a * a).backward(0.5)
    assert a.grad == 3.0


def test_backward_on_a_leaf_accumulates():
    a = Value(3.0)
    a.backward()
    a.backward()
    assert a.grad == 2.0


def test_operand_order_and_duplicates_are_kept():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    assert (b - a).parents == (b, a)
    assert (a + a).parents == (a, a)
    assert (a * 3).parents == (a,) and (a * 3).arg == 3.0
    r = 3 - a
    assert (r.op, r.parents, r.arg, r.local_grads) == ("rsub", (a,), 3.0, (-1.0,))


def test_a_node_is_its_seven_plain_fields_and_holds_no_cycle():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a * b
    assert (c.data, c.grad, c.op, c.label) == (6.0, 0.0, "*", "")
    assert (c.parents, c.local_grads, c.arg) == ((a, b), (3.0, 2.0), None)
    s = vsum([a, b, 4.0])
    assert (s.parents, s.local_grads, s.arg) == ((a, b), (1.0, 1.0), 4.0)
    assert (a.parents, a.local_grads, a.arg) == ((), (), None)
    assert not hasattr(c, "__dict__")
    # A node refers to its fields only (no closure): nothing in a graph points back at a child.
    for node in (a * b, a + 1.0, a.relu(), -a, s):
        for r in gc.get_referents(node):
            assert isinstance(r, (float, str, tuple, type(None), type)), r
            if isinstance(r, tuple):
                assert all(isinstance(x, (Value, float)) for x in r)


def test_local_grads_can_be_replaced_to_show_a_wrong_rule():
    a = Value(3.0)
    c = a * a
    c.local_grads = (1.0, 1.0)  # a student's wrong rule for x²
    c.backward()
    assert c.parents == (a, a) and a.grad == 2.0
    with no_grad():
        d = a * a
    assert (d.op, d.parents, d.local_grads) == ("", (), ())  # a leaf: nothing to change


def test_neurons_sharing_inputs_with_a_computed_weight_and_bias():
    # Two neuron nodes fed the very same inputs tuple; the second's weight and bias are computed
    # from the first, so backward must walk them too, and still reach the inputs' own parents.
    x1, x2 = Value(0.3, label="x1"), Value(-0.7, label="x2")
    w1, w2, b = Value(0.5, label="w1"), Value(-1.5, label="w2"), Value(0.25, label="b")

    def f(x1: Value, x2: Value, w1: Value, w2: Value, b: Value) -> Value:
        h = (x1.tanh(), x2 * x1)  # inner inputs, one tuple for both neurons
        first = weighted_sum([w1, w2], h, b)
        second = weighted_sum([first * 2.0, w2], h, first - b)
        return (first * second).sigmoid()

    report = gradcheck(f, [x1, x2, w1, w2, b])
    assert report, report
    # the same graph with every multiply and add its own node
    h1, h2 = x1.tanh(), x2 * x1
    first = w1 * h1 + w2 * h2 + b
    second = (first * 2.0) * h1 + w2 * h2 + (first - b)
    expected = (first * second).sigmoid()
    grads = []
    for root in (f(x1, x2, w1, w2, b), expected):
        zero_grad([x1, x2, w1, w2, b])
        root.backward()
        grads.append([v.grad for v in (x1, x2, w1, w2, b)])
    assert grads[0] == pytest.approx(grads[1], rel=1e-12, abs=1e-15)


def test_a_layer_with_some_number_inputs_and_a_non_leaf_bias():
    x = Value(2.0, label="x")
    w = [[Value(0.5), Value(-1.0), Value(3.0)], [Value(1.5), Value(2.0), Value(-0.5)]]
    bias = [x * 0.5, Value(0.0)]  # a computed bias: backward must go through it to x
    z1, z2 = weighted_sums(list(zip(w, bias)), [[1.5, x, 4]])[0]
    assert (z1.data, z2.data) == (0.5 * 1.5 - 2.0 + 12.0 + 1.0, 2.25 + 4.0 - 2.0)
    assert z1.parents == (*w[0], x, bias[0]) and z1.arg == (1.5, x, 4.0)
    assert z1.local_grads == (1.5, 2.0, 4.0, -1.0, 1.0)
    (z1 + z2).backward()
    assert x.grad == -1.0 + 2.0 + 0.5
    assert [v.grad for v in w[0]] == [1.5, 2.0, 4.0] == [v.grad for v in w[1]]


def test_expanded_weighted_sum_is_the_written_out_expression():
    w1, w2, b, x = Value(0.5), Value(-2.0), Value(0.25), Value(3.0)
    z = expanded_weighted_sum([w1, w2], [x, 4], b)
    by_hand = w1 * x + w2 * 4 + b
    assert z.data == by_hand.data == weighted_sum([w1, w2], [x, 4], b).data == -6.25
    ops = [n.op for n in topological_order(z) if n.parents]
    assert ops == [n.op for n in topological_order(by_hand) if n.parents] == ["*", "*", "+", "+"]
    z.backward()
    assert (w1.grad, w2.grad, b.grad, x.grad) == (3.0, 4.0, 1.0, 0.5)
    with pytest.raises(ShapeError, match="got 2 weights but 1 inputs"):
        expanded_weighted_sum([w1, w2], [x], b)
    with pytest.raises(NotANumberError, match="'x'"):
        expanded_weighted_sum([w1], ["x"], b)
    alone = expanded_weighted_sum([], [], b)
    assert alone is not b and alone.data == 0.25 and alone.parents == (b,)


def test_long_chain_without_recursion():
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + 1.0
    y.backward()
    assert y.data == 1_000_001.0
    assert x.grad == 1.0
    assert len(topological_order(y)) == 1_000_001
    del y  # dropping a million-node chain must not overflow the C stack either


def test_sum_with_a_hundred_thousand_parents():
    xs = [Value(float(i)) for i in range(100_000)]
    s = vsum(xs)
    assert len(s.parents) == 100_000
    assert s.data == sum(range(100_000))
    (s * 2).backward()
    assert all(x.grad == 2.0 for x in xs)


def test_topological_order_leaves_first_in_operand_order():
    x1, w1 = Value(2.0, label="x1"), Value(-3.0, label="w1")
    p = x1 * w1
    b = Value(1.0, label="b")
    z = p + b
    assert topological_order(z) == [x1, w1, p, b, z]


def test_no_grad_records_nothing_and_is_per_thread():
    a = Value(2.0)
    with no_grad():
        c = a * a
        seen = {}
        t = threading.Thread(target=lambda: seen.setdefault("op", (a * a).op))
        t.start()
        t.join()
    assert c.parents == () and c.op == "" and c.data == 4.0
    assert seen["op"] == "*"
    assert (a * a).parents == (a, a)


def test_no_grad_as_decorator_and_nested():
    @no_grad()
    def square(v):
        return v * v

    a = Value(3.0)
    assert square(a).parents == ()
    with no_grad():
        with no_grad():
            pass
        assert (a + 1).parents == ()
    assert (a + 1).parents == (a,)


def test_zero_grad():
    a, b = Value(1.0), Value(2.0)
    (a * b).backward()
    zero_grad([a, b])
    assert (a.grad, b.grad) == (0.0, 0.0)


def test_identity_hash_and_data_comparisons():
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a
    assert len({a, b}) == 2
    assert a <= b and a >= b and not a < b and a < 2 and b > 0.5
    assert sorted([Value(3.0), Value(1.0)], key=lambda v: v.data)[0].data == 1.0


def test_repr():
    a = Value(2.0, label="a")
    assert repr(a) == "Value(data=2.0, grad=0.0, label='a')"
    b = a * -1.5
    b.backward()
    assert repr(a) == "Value(data=2.0, grad=-1.5, label='a')"
    assert repr(b) == "Value(data=-3.0, grad=1.0)"


def test_no_grad_decorator_is_reentrant():
    from nnscalar import is_grad_enabled

    @no_grad()
    def depth(n):
        inner = depth(n - 1) if n else None
        return (is_grad_enabled(), inner)

    assert depth(3) == (False, (False, (False, (False, None))))
    assert is_grad_enabled()


def test_overflow_in_a_fused_node_names_a_few_operands_not_all():
    from nnscalar.errors import FloatOverflowError

    weights = [Value(1e300, label=f"w{i}") for i in range(30)]
    with pytest.raises(FloatOverflowError) as info:
        weighted_sum(weights, [1e10] * 30, Value(0.0, label="b"))
    message = str(info.value)
    assert "w0=1e+300" in message and "… 26 more" in message and "b=0.0" in message
    assert len(message) < 400


# --- numerics found against PyTorch float64 (issue 14 §4) ----------------------------------------


def test_the_power_rule_slope_of_a_tiny_base_does_not_underflow():
    a = Value(1e-200)
    y = a**2  # y underflows to 0.0, but dy/da = 2·a = 2e-200 is a normal float
    y.backward()
    assert (y.data, a.grad) == (0.0, 2e-200)
    b, e = Value(1e-200), Value(2.0)
    (b**e).backward()
    assert b.grad == 2e-200
    c = Value(1e-200, label="c")
    r = c**-1  # 1e200 is finite; its slope -1e400 is not
    assert r.data == 1e200 and r.local_grads == (-math.inf,)
    with pytest.raises(NonFiniteError, match="gradient of c=1e-200 became -inf"):
        r.backward()
    # as C's pow: (-1e-110)**-3 overflows to -inf, so the slope -2·(-inf) is +inf
    assert (Value(-1e-110) ** -2).local_grads == (math.inf,)
    assert (Value(1e-110) ** -2).local_grads == (-math.inf,)


def test_log_softmax_is_exact_at_large_logits():
    a, b = Value(1e16), Value(1e16)
    first, second = log_softmax([a, b])
    assert first.data == second.data == -math.log(2.0)
    assert first.local_grads == (0.5, -0.5) and second.local_grads == (-0.5, 0.5)
    third = log_softmax([Value(1e300), 0.0, Value(-1e300)])
    assert [v.data for v in third] == [0.0, -1e300, -2e300]


def test_huge_exact_numbers_are_a_clear_non_finite_error():
    from fractions import Fraction

    huge = Fraction(10**400)
    for make in (
        lambda: Value(huge),
        lambda: Value(1.0) + huge,
        lambda: Value(1.0) ** huge,
        lambda: vsum([Value(1.0), huge]),
        lambda: weighted_sum([Value(1.0)], [huge], Value(0.0)),
        lambda: Value(1.0).backward(huge),
    ):
        with pytest.raises(NonFiniteError, match="is too large for a float") as info:
            make()
        assert len(str(info.value)) < 300  # the 401 digits are not all printed


# --- the public ways to make nodes ---------------------------------------------------------------


def test_custom_node_makes_a_node_of_your_own_op():
    x, y = Value(3.0, label="x"), Value(2.0, label="y")
    z = custom_node(9.0, "square", [x], [6.0])
    assert (z.data, z.op, z.parents, z.local_grads, z.arg) == (9.0, "square", (x,), (6.0,), None)
    w = custom_node(5, "mix", (x, y, x), (1, 2.5, 0.5), arg="k")
    (z + w).backward()
    assert (x.grad, y.grad, w.arg) == (6.0 + 1.0 + 0.5, 2.5, "k")
    with no_grad():
        leaf = custom_node(1.0, "square", [x], [2.0])
    assert (leaf.op, leaf.parents, leaf.local_grads) == ("", (), ())
    with pytest.raises(ShapeError, match="2 parents need 2 local derivatives, got 1"):
        custom_node(1.0, "mix", [x, y], [1.0])
    with pytest.raises(NonFiniteError, match="custom_node 'square'"):
        custom_node(1.0, "square", [x], [math.nan])
    with pytest.raises(NotANumberError, match=r"parent 2\.0 is not a Value"):
        custom_node(1.0, "square", [2.0], [1.0])
    with pytest.raises(NotANumberError, match="op must be a non-empty str"):
        custom_node(1.0, "", [x], [1.0])


def test_weighted_sums_is_weighted_sum_per_sample_bit_for_bit():
    x = Value(0.3, label="x")
    params = [([Value(0.1), Value(-0.7)], Value(0.2)), ([Value(1e-3), Value(3.0)], x * 2.0)]
    samples = [[0.1, 0.2], [x, 7], (x.tanh(), x)]
    batch = weighted_sums(params, samples)
    for zs, inputs in zip(batch, samples):
        for z, (w, b) in zip(zs, params):
            one = weighted_sum(w, inputs, b)
            assert z.data.hex() == one.data.hex()
            assert (z.op, z.parents, z.local_grads, z.arg) == (
                one.op,
                one.parents,
                one.local_grads,
                one.arg,
            )
    assert batch[1][0].arg == (x, 7.0) and batch[1][0].parents == (*params[0][0], x, params[0][1])
    assert weighted_sums(params, []) == []
