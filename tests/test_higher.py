"""Higher-order derivatives (nnscalar.grad, hessian, hvp) and forward mode (nnscalar.jvp).

One table: for each op, a function using it, a point, and the Hessian worked out by hand. The
engine's second derivatives must match it and finite differences of backward's gradients.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings

from nnscalar import (
    Value,
    custom_node,
    grad,
    hessian,
    hvp,
    jvp,
    log_softmax,
    vsum,
    weighted_sum,
)
from nnscalar.errors import NNScalarError, NotANumberError, ShapeError
from nnscalar.higher import LOCAL, SECOND
from nnscalar.ops import OPS, evaluate

from .strategies import build, programs, run


def sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def zeros(n: int):
    return lambda *xs: [[0.0] * n for _ in range(n)]


def log_softmax_hessian(a, b, c):
    top = max(a, b, c)
    e = [math.exp(v - top) for v in (a, b, c)]
    p = [v / sum(e) for v in e]
    return [[-(p[i] * ((i == j) - p[j])) for j in range(3)] for i in range(3)]


# (op of the output node, f, point, hand-derived Hessian of f at the point)
CASES = [
    ("+", lambda a, b: a + b, (1.5, -0.7), zeros(2)),
    ("+", lambda a: 2.0 + a, (1.5,), zeros(1)),
    ("-", lambda a, b: a - b, (1.5, -0.7), zeros(2)),
    ("-", lambda a: a - 2.0, (1.5,), zeros(1)),
    ("rsub", lambda a: 2.0 - a, (1.5,), zeros(1)),
    ("*", lambda a, b: a * b, (1.5, -0.7), lambda a, b: [[0.0, 1.0], [1.0, 0.0]]),
    ("*", lambda a: a * a, (1.5,), lambda a: [[2.0]]),
    ("*", lambda a: 3.0 * a, (1.5,), zeros(1)),
    (
        "/",
        lambda a, b: a / b,
        (1.5, -0.7),
        lambda a, b: [[0.0, -1.0 / b**2], [-1.0 / b**2, 2.0 * a / b**3]],
    ),
    ("/", lambda a: a / 4.0, (1.5,), zeros(1)),
    ("rdiv", lambda a: 3.0 / a, (1.5,), lambda a: [[6.0 / a**3]]),
    ("**", lambda a: a**3.5, (1.5,), lambda a: [[3.5 * 2.5 * a**1.5]]),
    ("**", lambda a: a**2, (-1.5,), lambda a: [[2.0]]),
    ("**", lambda a: a**1, (-1.5,), zeros(1)),
    (
        "**",
        lambda a, b: a**b,
        (1.5, -0.7),
        lambda a, b: [
            [b * (b - 1) * a ** (b - 2), a ** (b - 1) * (1 + b * math.log(a))],
            [a ** (b - 1) * (1 + b * math.log(a)), a**b * math.log(a) ** 2],
        ],
    ),
    ("rpow", lambda a: 2.5**a, (1.5,), lambda a: [[2.5**a * math.log(2.5) ** 2]]),
    ("neg", lambda a: -a, (1.5,), zeros(1)),
    ("abs", lambda a: abs(a), (-1.5,), zeros(1)),
    ("exp", lambda a: a.exp(), (1.5,), lambda a: [[math.exp(a)]]),
    ("log", lambda a: a.log(), (1.5,), lambda a: [[-1.0 / a**2]]),
    ("sqrt", lambda a: a.sqrt(), (1.5,), lambda a: [[-0.25 * a**-1.5]]),
    (
        "tanh",
        lambda a: a.tanh(),
        (0.6,),
        lambda a: [[-2.0 * math.tanh(a) * (1.0 - math.tanh(a) ** 2)]],
    ),
    (
        "sigmoid",
        lambda a: a.sigmoid(),
        (0.6,),
        lambda a: [[sig(a) * (1 - sig(a)) * (1 - 2 * sig(a))]],
    ),
    ("relu", lambda a: a.relu(), (1.5,), zeros(1)),
    ("relu", lambda a: a.relu(), (-1.5,), zeros(1)),
    ("leaky_relu", lambda a: a.leaky_relu(0.1), (-1.5,), zeros(1)),
    ("elu", lambda a: a.elu(0.7), (-0.8,), lambda a: [[0.7 * math.exp(a)]]),
    ("elu", lambda a: a.elu(0.7), (0.8,), zeros(1)),
    ("softplus", lambda a: a.softplus(), (0.6,), lambda a: [[sig(a) * (1 - sig(a))]]),
    ("sin", lambda a: a.sin(), (0.6,), lambda a: [[-math.sin(a)]]),
    ("cos", lambda a: a.cos(), (0.6,), lambda a: [[-math.cos(a)]]),
    ("sum", lambda a, b: vsum([a, b, 2.0, a]), (1.5, -0.7), zeros(2)),
    (
        "wsum",  # inputs: w1, w2, x1, b (the second input is the constant 3)
        lambda w1, w2, x1, b: weighted_sum([w1, w2], [x1, 3.0], b),
        (0.5, -1.0, 2.0, 0.25),
        lambda *_: [[0, 0, 1, 0], [0, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]],
    ),
    (
        "log_softmax",
        lambda a, b, c: log_softmax([a, b, c])[1],
        (0.5, -1.0, 2.0),
        log_softmax_hessian,
    ),
]
IDS = [f"{op}:{i}" for i, (op, *_) in enumerate(CASES)]


def close(x: float, y: float, tol: float) -> bool:
    return abs(x - y) <= tol * (1.0 + abs(y))


def numeric_hessian(f, point, eps=1e-5):
    """Central differences of backward's gradients: column j moves input j."""

    def gradient(xs):
        values = [Value(x) for x in xs]
        f(*values).backward()
        return [v.grad for v in values]

    columns = []
    for j in range(len(point)):
        plus = list(point)
        minus = list(point)
        plus[j] += eps
        minus[j] -= eps
        gp, gm = gradient(plus), gradient(minus)
        columns.append([(p - m) / (2 * eps) for p, m in zip(gp, gm)])
    return [[columns[j][i] for j in range(len(point))] for i in range(len(point))]


def test_every_op_has_a_local_rule_a_second_derivative_and_a_case():
    assert set(LOCAL) == set(OPS) == set(SECOND)
    assert {op for op, *_ in CASES} == set(OPS)


# One-operand ops whose `second` text is a plain formula: the text gives the Hessian's number.
SECOND_TEXT_CASES = [
    (op, f, point)
    for op, f, point, _ in CASES
    if len(point) == 1 and "d²" not in SECOND[op] and "≠" not in SECOND[op]
]


@pytest.mark.parametrize(
    ("op", "f", "point"),
    SECOND_TEXT_CASES,
    ids=[f"{c[0]}:{i}" for i, c in enumerate(SECOND_TEXT_CASES)],
)
def test_the_op_tables_second_derivative_text_gives_the_second_derivative(op, f, point):
    (x,) = [Value(v) for v in point]
    node = f(x)
    assert node.op == op and node.parents == (x,)
    record = OPS[op]
    env = {"out": node.data, "a": point[0]}
    if record.const_first or record.param:
        env["c" if record.const_first else record.param] = node.arg
    assert close(evaluate(SECOND[op], env), hessian(f, [point[0]])[0][0], 1e-12), SECOND[op]


@pytest.mark.parametrize(("op", "f", "point", "expected"), CASES, ids=IDS)
def test_second_derivatives_match_the_hand_derived_ones(op, f, point, expected):
    xs = [Value(x) for x in point]
    assert f(*xs).op == op
    got = hessian(f, xs)
    want = expected(*point)
    for i, row in enumerate(want):
        for j, w in enumerate(row):
            assert close(got[i][j], w, 1e-12), (i, j, got[i][j], w)


@pytest.mark.parametrize(("op", "f", "point", "expected"), CASES, ids=IDS)
def test_second_derivatives_match_finite_differences_of_gradients(op, f, point, expected):
    got = hessian(f, list(point))
    numeric = numeric_hessian(f, point)
    for i in range(len(point)):
        for j in range(len(point)):
            assert close(got[i][j], numeric[i][j], 1e-6), (i, j, got[i][j], numeric[i][j])


@pytest.mark.parametrize(("op", "f", "point", "expected"), CASES, ids=IDS)
def test_first_derivatives_are_backwards_bit_for_bit(op, f, point, expected):
    xs = [Value(x) for x in point]
    out = f(*xs)
    grads = grad(out, xs)
    out.backward()
    if op == "log_softmax":  # p recomputed from the node's value: within an ulp or two
        assert all(close(g.data, x.grad, 1e-15) for g, x in zip(grads, xs))
    else:
        assert [g.data for g in grads] == [x.grad for x in xs]


@settings(max_examples=60, deadline=None)
@given(programs())
def test_grad_and_jvp_agree_with_backward_on_random_graphs(program):
    leaves, out = build(program)
    grads = grad(out, leaves)
    out.backward()
    assert [g.data for g in grads] == [x.grad for x in leaves]
    values, steps = program
    for j in range(len(leaves)):
        direction = [1.0 if i == j else 0.0 for i in range(len(leaves))]
        _, slope = jvp(lambda *xs: run(steps, list(xs)), values, direction)
        assert abs(slope - leaves[j].grad) <= 1e-12 * (1.0 + abs(slope))


def test_derivatives_of_any_order():
    x = Value(0.5)
    d = [x.tanh()]
    for _ in range(4):
        d.append(grad(d[-1], x)[0])
    t = math.tanh(0.5)
    s = 1 - t * t  # sech²
    want = [t, s, -2 * t * s, -2 * s * s + 4 * t * t * s, 16 * t * s * s - 8 * t**3 * s]
    assert [round(v.data, 12) for v in d] == [round(w, 12) for w in want]
    (d1,) = grad(x**3, x)
    (d2,) = grad(d1, x)
    (d3,) = grad(d2, x)
    (d4,) = grad(d3, x)
    assert (d1.data, d2.data, d3.data, d4.data) == (0.75, 3.0, 6.0, 0.0)


def test_newtons_method_converges_to_the_root_of_the_derivative():
    x = Value(2.0)  # minimise f(x) = x⁴ − 3x² + x from 2: f' = 4x³ − 6x + 1
    for _ in range(8):
        f = x**4 - 3 * x**2 + x
        (df,) = grad(f, x)
        (d2f,) = grad(df, x)
        x = Value(x.data - df.data / d2f.data)
    assert abs(4 * x.data**3 - 6 * x.data + 1) < 1e-12
    assert round(x.data, 10) == 1.1309011226  # numpy.roots([4, 0, -6, 1]): 1.13090112


def test_grad_through_a_network_matches_second_differences():
    w = [Value(0.3), Value(-0.8)]
    b = Value(0.1)

    def f(w1, w2, b):
        z = weighted_sum([w1, w2], [1.5, -0.5], b).tanh()
        logp = log_softmax([z, z * z, 0.2])
        return -logp[0]

    got = hessian(f, [*w, b])
    numeric = numeric_hessian(f, [0.3, -0.8, 0.1])
    assert all(close(g, n, 1e-6) for gr, nr in zip(got, numeric) for g, n in zip(gr, nr))
    assert close(got[0][1], got[1][0], 1e-14)  # symmetric


def test_grad_options_and_errors():
    x, y = Value(2.0), Value(5.0)
    out = x * x
    dx, dy = grad(out, [x, y])
    assert (dx.data, dy.data) == (4.0, 0.0)  # y is not used: 0
    assert dx.parents  # a node of a new graph
    (flat,) = grad(out, x, create_graph=False)
    assert flat.data == 4.0 and flat.parents == ()
    odd = custom_node(8.0, "cube", [x], [12.0])
    with pytest.raises(NNScalarError, match="'cube' is a custom op"):
        grad(odd, x)
    with pytest.raises(NotANumberError, match=r"input 0 is 2\.0"):
        grad(out, [2.0])
    with pytest.raises(NotANumberError, match="output must be a Value"):
        grad(4.0, x)


def test_jvp_exact_numbers_and_errors():
    out, slope = jvp(lambda x, y: x * y, [3.0, 2.0], [1.0, 0.0])
    assert (out.data, slope) == (6.0, 2.0)
    outs, slopes = jvp(lambda x: [x * x, x.exp(), x.sin()], 0.0, 1.0)
    assert [o.data for o in outs] == [0.0, 1.0, 0.0] and slopes == [0.0, 1.0, 1.0]
    x = Value(3.0)
    _, slope = jvp(lambda x: custom_node(27.0, "cube", [x], [27.0]), [x], [2.0])
    assert slope == 54.0  # forward mode uses the recorded local derivatives: custom ops work
    with pytest.raises(ShapeError, match="2 inputs but 1 tangents"):
        jvp(lambda x, y: x * y, [3.0, 2.0], [1.0])
    with pytest.raises(NotANumberError, match="output 0"):
        jvp(lambda x: 3.0, [1.0], [1.0])


def test_hessian_and_hvp_exact():
    def f(x, y):
        return x * x * y + y**3

    assert hessian(f, [1.0, 2.0]) == [[4.0, 2.0], [2.0, 12.0]]
    assert hvp(f, [1.0, 2.0], [1.0, -1.0]) == [2.0, -10.0]
    with pytest.raises(ShapeError, match="2 inputs but a vector of 3"):
        hvp(f, [1.0, 2.0], [1.0, 1.0, 1.0])


def case_hessians_hex() -> list[list[list[str]]]:
    """Every case's Hessian as float.hex, under whichever core runs."""
    return [[[h.hex() for h in row] for row in hessian(f, list(p))] for _, f, p, _ in CASES]


def test_both_cores_give_the_same_second_derivatives_to_the_bit():
    import json
    import os
    import subprocess
    import sys

    from nnscalar.core import engine_info

    if engine_info()["core"] != "compiled":
        pytest.skip("the compiled core is not running: nothing to compare")
    code = (
        "import json; from tests.test_higher import case_hessians_hex as h; print(json.dumps(h()))"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "NNSCALAR_PURE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) == case_hessians_hex()


def test_tanhs_derivatives_up_to_the_eighth_are_the_textbook_polynomials():
    # dⁿ tanh/dxⁿ is a polynomial Pₙ(t) in t = tanh x: P₀ = t, Pₙ₊₁ = Pₙ'(t)·(1 − t²).
    polys = [[0.0, 1.0]]  # coefficients, lowest power first
    for _ in range(8):
        p = polys[-1]
        dp = [k * c for k, c in enumerate(p)][1:] or [0.0]
        nxt = [0.0] * (len(dp) + 2)
        for k, c in enumerate(dp):
            nxt[k] += c
            nxt[k + 2] -= c
        polys.append(nxt)
    x = Value(0.3)
    d = [x.tanh()]
    for _ in range(8):
        d.append(grad(d[-1], x)[0])
    t = math.tanh(0.3)
    for n, (got, p) in enumerate(zip(d, polys)):
        want = math.fsum(c * t**k for k, c in enumerate(p))
        assert close(got.data, want, 1e-12), (n, got.data, want)
    assert round(d[8].data, 6) == 1169.292565
