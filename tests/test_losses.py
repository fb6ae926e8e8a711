"""Losses: one table of hand-worked values and gradients drives value, gradient and gradcheck."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnscalar import Value, gradcheck, losses
from nnscalar.errors import ConfigError, DomainError, ShapeError
from nnscalar.losses import LOSSES, get_loss

LN2 = math.log(2.0)
LN3 = math.log(3.0)

# loss, predictions, targets, keyword arguments, value, d(loss)/d(prediction) — worked on paper.
TABLE = [
    # ((1 − 0)² + (2 − 4)²) / 2; slopes 2(p − t)/n
    ("mse", [1.0, 2.0], [0.0, 4.0], {}, 2.5, [1.0, -2.0]),
    ("mse", [1.0, 2.0], [0.0, 4.0], {"reduction": "sum"}, 5.0, [2.0, -4.0]),
    # (|1| + |−2|) / 2; slopes sign(p − t)/n
    ("mae", [1.0, 2.0], [0.0, 4.0], {}, 1.5, [0.5, -0.5]),
    # ½·0.5² = 0.125 and 1·(3 − ½) = 2.5, mean 1.3125; slopes d/n and δ·sign(d)/n
    ("huber", [0.5, 3.0], [0.0, 0.0], {}, 1.3125, [0.25, 0.5]),
    # δ = 2: ½·1² = 0.5 and 2·(3 − 1) = 4, summed
    ("huber", [1.0, -3.0], [0.0, 0.0], {"delta": 2.0, "reduction": "sum"}, 4.5, [1.0, -2.0]),
    # (−ln 0.8 − ln 0.75) / 2; slopes −1/(0.8·2) and 1/(0.75·2)
    ("bce", [0.8, 0.25], [1.0, 0.0], {}, -(math.log(0.8) + math.log(0.75)) / 2, [-0.625, 2 / 3]),
    # a soft target: −(½ ln ½ + ½ ln ½) = ln 2, slope −(t/p − (1 − t)/(1 − p)) = 0
    ("bce", [0.5], [0.5], {}, LN2, [0.0]),
    # softplus(0) − 0 = ln 2 and softplus(ln 3) = ln 4; slopes (σ(z) − t)/n
    ("bce_logits", [0.0, LN3], [1.0, 0.0], {}, 1.5 * LN2, [-0.25, 0.375]),
    # relu(1 − 0.5) = 0.5, relu(1 − 2) = 0, relu(1 + 2) = 3; slopes −y/n where active
    ("hinge", [0.5, 2.0, 2.0], [1.0, 1.0, -1.0], {}, 3.5 / 3, [-1 / 3, 0.0, 1 / 3]),
    ("hinge", [0.5, 2.0, 2.0], [1, 1, -1], {"reduction": "sum"}, 3.5, [-1.0, 0.0, 1.0]),
]
IDS = [f"{row[0]}-{i}" for i, row in enumerate(TABLE)]


@pytest.mark.parametrize(("name", "ps", "ts", "kwargs", "value", "grads"), TABLE, ids=IDS)
def test_value_and_gradient(name, ps, ts, kwargs, value, grads) -> None:
    values = [Value(p) for p in ps]
    loss = LOSSES[name](values, ts, **kwargs)
    loss.backward()
    assert loss.data == pytest.approx(value, rel=1e-14, abs=1e-15)
    assert [v.grad for v in values] == pytest.approx(grads, rel=1e-14, abs=1e-15)


@pytest.mark.parametrize(("name", "ps", "ts", "kwargs", "value", "grads"), TABLE, ids=IDS)
def test_gradcheck(name, ps, ts, kwargs, value, grads) -> None:
    values = [Value(p, label=f"p{i}") for i, p in enumerate(ps)]
    assert gradcheck(lambda *vs: LOSSES[name](vs, ts, **kwargs), values)


def test_cross_entropy_by_hand() -> None:
    # Row 1: e^a = 1, 2, 5 (sum 8), class 2: −ln(5/8). Row 2: equal logits, class 0: ln 3.
    rows = [[Value(0.0), Value(LN2), Value(math.log(5.0))], [Value(1.0), Value(1.0), Value(1.0)]]
    loss = losses.cross_entropy(rows, [2, 0])
    loss.backward()
    assert loss.data == pytest.approx((math.log(8 / 5) + LN3) / 2, rel=1e-15)
    # slopes (softmax − one-hot)/n
    assert [v.grad for v in rows[0]] == pytest.approx([0.0625, 0.125, -0.1875], abs=1e-15)
    assert [v.grad for v in rows[1]] == pytest.approx([-1 / 3, 1 / 6, 1 / 6], abs=1e-15)


def test_cross_entropy_gradcheck_and_sum() -> None:
    row = [Value(0.3, label="a"), Value(-1.2, label="b"), Value(2.0, label="c")]
    assert gradcheck(lambda *vs: losses.cross_entropy([list(vs)], [1]), row)
    one = losses.cross_entropy(row, 1)  # one row and one int
    total = losses.cross_entropy([row, row], [1, 1], reduction="sum")
    assert total.data == pytest.approx(2 * one.data, rel=1e-15)


def test_cross_entropy_accepts_integral_float_classes() -> None:
    assert losses.cross_entropy([[0.0, 0.0]], [1.0]).data == pytest.approx(LN2)


def test_l2_is_the_sum_of_squares() -> None:
    ps = [Value(1.0), Value(-2.0), Value(3.0)]
    loss = losses.l2(ps)
    loss.backward()
    assert loss.data == 14.0
    assert [p.grad for p in ps] == [2.0, -4.0, 6.0]
    assert loss.op == "sum" and len(loss.parents) == 3  # one n-ary node


def test_bce_clamps_each_log_at_minus_100_as_pytorch() -> None:
    p = Value(0.0)
    loss = losses.bce([p, Value(1.0)], [1.0, 1.0], reduction="sum")
    loss.backward()
    assert loss.data == 100.0
    assert p.grad == 0.0  # a clamped log passes no gradient
    assert losses.bce([1.0], [0.0]).data == 100.0


def test_bce_gradient_near_0_and_1_is_the_exact_slope_not_pytorchs_clamped_one() -> None:
    # README: PyTorch divides by max(p(1 - p), 1e-12) (-1e12 here); nnscalar keeps -t/p.
    p = Value(1e-30)
    losses.bce([p], [1.0]).backward()
    assert p.grad == -1.0 / 1e-30 == -9.999999999999999e29
    q = Value(1.0 - 2.0**-52)
    losses.bce([q], [0.0]).backward()
    assert q.grad == 1.0 / 2.0**-52


def test_cross_entropy_is_exact_at_large_logits() -> None:
    # as PyTorch float64: log 2 and gradients (-1/2, 1/2), not 0 and (0, 1)
    a, b = Value(1e16), Value(1e16)
    loss = losses.cross_entropy([[a, b]], [0])
    loss.backward()
    assert (loss.data, a.grad, b.grad) == (0.6931471805599453, -0.5, 0.5)
    c, d = Value(1e300), Value(-1e300)
    loss = losses.cross_entropy([c, d], 1, reduction="sum")
    loss.backward()
    assert (loss.data, c.grad, d.grad) == (2e300, 1.0, -1.0)


def test_bce_with_logits_is_stable_for_huge_scores() -> None:
    assert losses.bce_with_logits([1000.0], [0.0]).data == 1000.0
    assert losses.bce_with_logits([-1000.0], [0.0]).data == 0.0


@settings(max_examples=40, deadline=None)
@given(st.floats(-8, 8), st.sampled_from([0.0, 0.3, 1.0]))
def test_bce_with_logits_equals_bce_of_sigmoid(z: float, t: float) -> None:
    a, b = Value(z), Value(z)
    with_logits = losses.bce_with_logits([a], [t])
    plain = losses.bce([b.sigmoid()], [t])
    with_logits.backward()
    plain.backward()
    assert with_logits.data == pytest.approx(plain.data, rel=1e-9, abs=1e-12)
    assert a.grad == pytest.approx(b.grad, rel=1e-9, abs=1e-12)


def test_a_single_prediction_and_target() -> None:
    assert losses.mse(Value(3.0), 1.0).data == 4.0


def test_sums_are_one_node() -> None:
    loss = losses.hinge([Value(0.5), Value(0.2)], [1.0, -1.0], reduction="sum")
    assert loss.op == "sum" and len(loss.parents) == 2


@pytest.mark.parametrize("name", ["mse", "mae", "huber", "bce", "bce_logits", "hinge"])
def test_lengths_must_match(name: str) -> None:
    with pytest.raises(ShapeError, match="2 predictions but 3 targets"):
        LOSSES[name]([Value(0.5), Value(0.5)], [1.0, 1.0, 1.0])
    with pytest.raises(ShapeError, match="empty batch"):
        LOSSES[name]([], [])


@pytest.mark.parametrize("name", list(LOSSES))
def test_reduction_must_be_mean_or_sum(name: str) -> None:
    with pytest.raises(ConfigError, match="reduction must be 'mean' or 'sum', got 'avg'"):
        LOSSES[name]([Value(0.5)], [1], reduction="avg")


def test_bad_labels_are_refused() -> None:
    with pytest.raises(DomainError, match=r"hinge: label 1 is 0.0; hinge labels must be -1 or"):
        losses.hinge([Value(1.0), Value(1.0)], [1.0, 0.0])
    with pytest.raises(DomainError, match="target 0 is class 3, out of range for 3 classes"):
        losses.cross_entropy([[0.0, 1.0, 2.0]], [3])
    with pytest.raises(DomainError, match="class indices"):
        losses.cross_entropy([[0.0, 1.0]], [0.5])
    with pytest.raises(DomainError, match="class indices"):
        losses.cross_entropy([[0.0, 1.0]], [True])
    with pytest.raises(DomainError, match=r"target 0 is 2.0; targets must lie in \[0, 1\]"):
        losses.bce([0.5], [2.0])
    with pytest.raises(DomainError, match=r"bce_with_logits: target 0 is -1.0"):
        losses.bce_with_logits([0.5], [-1.0])
    with pytest.raises(DomainError, match=r"prediction 0 is 1.5, not a probability"):
        losses.bce([1.5], [1.0])


def test_cross_entropy_shape_errors() -> None:
    with pytest.raises(ShapeError, match="row 1 has 3 logits, row 0 has 2"):
        losses.cross_entropy([[0.0, 1.0], [0.0, 1.0, 2.0]], [0, 0])
    with pytest.raises(ShapeError, match="2 rows of logits but 1 targets"):
        losses.cross_entropy([[0.0, 1.0], [0.0, 1.0]], [0])


def test_huber_delta_must_be_positive() -> None:
    with pytest.raises(ConfigError, match="delta must be a positive number, got 0"):
        losses.huber([1.0], [0.0], delta=0)


def test_get_loss() -> None:
    assert get_loss("ce") is losses.cross_entropy
    with pytest.raises(ConfigError, match="unknown loss 'hinj'; did you mean 'hinge'"):
        get_loss("hinj")
