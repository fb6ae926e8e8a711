"""Property tests: backward() on random expression DAGs agrees with finite differences."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from nnscalar import Value, gradcheck, topological_order

from .strategies import build, programs, run


@settings(max_examples=150, deadline=None)
@given(programs())
def test_backward_matches_central_differences(program):
    leaves, _ = build(program)
    _, steps = program
    report = gradcheck(lambda *xs: run(steps, xs), leaves, eps=1e-6, atol=1e-5, rtol=1e-4)
    assert report, str(report)


@settings(max_examples=100, deadline=None)
@given(programs())
def test_backward_twice_doubles_every_leaf_gradient(program):
    leaves, out = build(program)
    out.backward()
    first = [x.grad for x in leaves]
    out.backward()
    # The second call adds the same contributions on top of the first call's sums; rounding
    # may differ in the last bit when a leaf collects several of them.
    assert [x.grad for x in leaves] == pytest.approx([2 * g for g in first], rel=1e-12, abs=1e-300)


@settings(max_examples=100, deadline=None)
@given(programs())
def test_topological_order_puts_parents_first(program):
    _, out = build(program)
    order = topological_order(out)
    position = {node: i for i, node in enumerate(order)}
    assert len(position) == len(order)
    assert order[-1] is out
    for node in order:
        for parent in node.parents:
            assert position[parent] < position[node]


def test_gradcheck_leaves_inputs_untouched_and_reports():
    a, b = Value(2.0, label="a"), Value(-1.0, label="b")
    a.grad, b.grad = 5.0, 7.0
    report = gradcheck(lambda a, b: (a * b).tanh(), [a, b])
    assert (a.data, b.data, a.grad, b.grad) == (2.0, -1.0, 5.0, 7.0)
    assert report and [r.label for r in report.rows] == ["a", "b"]
    assert "a" in str(report) and "yes" in str(report)
