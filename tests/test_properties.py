"""Property tests: backward() on random expression DAGs agrees with finite differences."""

from __future__ import annotations

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
def test_backward_twice_adds_the_same_contributions_again(program):
    leaves, out = build(program)
    out.backward()
    first = [x.grad for x in leaves]
    out.backward()
    # The second call adds the same contributions, in the same order, on top of the first call's
    # sums: exactly what one call gives on a fresh copy whose leaves start at those sums. (Not
    # always 2·first: with x − (x + x²) and x = 2.5e-74, -5e-74 + 1 − 1 loses the -5e-74.)
    fresh, again = build(program)
    for x, g in zip(fresh, first):
        x.grad = g
    again.backward()
    assert [x.grad for x in leaves] == [x.grad for x in fresh]


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
