"""Value-like graphs from other engines (micrograd, a build-track student's engine) read as
nnscalar Values: draw, the walkthrough and the step page work on them with the same numbers."""

from __future__ import annotations

import pytest

from nnscalar import Value
from nnscalar.errors import ConfigError, NotANumberError
from nnscalar.explain import backward_steps
from nnscalar.foreign import as_value
from nnscalar.page import StepPage
from nnscalar.render import draw
from nnscalar.track.solution import Value as Student


def _micrograd():  # a bench extra: these tests skip when it is not installed
    return pytest.importorskip("micrograd.engine")


def _last_grads(root: Value) -> dict[Value, float]:
    """Each node's gradient after the walkthrough's last backward step."""
    grads: dict[Value, float] = {}
    for step in backward_steps(root):
        for term in step.terms:
            grads[term.parent] = term.grad_after
    return grads


def test_a_micrograd_graph_keeps_its_numbers_and_gets_local_derivatives() -> None:
    M = _micrograd().Value
    a, b = M(2.0), M(-3.0)
    c = a * b + a**2  # -6 + 4 = -2
    d = (c.relu() - a) / b  # (0 - 2) / -3
    d.backward()
    root = as_value(d)
    assert root.data == pytest.approx(2 / 3) and root.grad == 1.0
    leaves = {n.data: n for n in _nodes(root) if not n.parents}
    assert leaves[2.0].grad == a.grad == pytest.approx(1 / 3)
    assert leaves[-3.0].grad == b.grad
    power = next(n for n in _nodes(root) if n.op == "**" and n.arg == 2.0)
    assert power.local_grads == (4.0,)  # micrograd's '**2': 2·a
    # the walkthrough recomputes the chain rule from the local derivatives: the same grads
    grads = _last_grads(root)
    assert grads[leaves[2.0]] == pytest.approx(a.grad)
    assert grads[leaves[-3.0]] == pytest.approx(b.grad)


def _nodes(root: Value) -> list[Value]:
    from nnscalar import topological_order

    return topological_order(root)


def test_draw_and_the_step_page_take_a_micrograd_value(tmp_path) -> None:
    M = _micrograd().Value
    x = M(0.5)
    y = (x * x + 1.0).relu()
    y.backward()
    dot = draw(y).dot
    assert "label=<ReLU>" in dot and "label=<×>" in dot and "data 1.25" in dot
    assert x.grad == 1.0
    path = StepPage(y, title="micrograd").save(tmp_path / "step.html")
    assert path.exists()


def test_a_student_engine_graph_keeps_both_edges_and_its_local_derivatives() -> None:
    a = Student(3.0)
    b = a + a
    c = (b * b).tanh() ** 2
    c.backward()
    root = as_value(c)
    assert root.op == "**" and root.arg == pytest.approx(2.0)
    square = root.parents[0].parents[0].parents[0]
    assert square.op == "+" and square.parents[0] is square.parents[1]  # a + a: both edges
    assert _last_grads(root)[square.parents[0]] == pytest.approx(a.grad)


def test_unknown_ops_and_non_values_are_refused_by_name() -> None:
    class Node:
        def __init__(self, data, parents=(), op=""):
            self.data, self.grad, self.parents, self.op = data, 0.0, parents, op

    with pytest.raises(NotANumberError, match=r"op 'sinh'.*local_grads"):
        as_value(Node(1.0, (Node(0.5),), "sinh"))
    with pytest.raises(NotANumberError, match="not a Value"):
        as_value(3.0)
    with pytest.raises(ConfigError, match="draw needs a Value"):
        draw(3.0)
