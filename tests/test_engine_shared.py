"""backward over graphs that share nodes: the same inputs in many neurons, computed weights,
backward twice and from the middle, copies and pickles of deep graphs, threads.

Random DAGs are checked bit for bit against a plain walk over `.parents` / `.local_grads` (a
depth-first order written independently of the engine's) and against explain's replay.
"""

from __future__ import annotations

import copy
import pickle
import sys
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnscalar import (
    Value,
    no_grad,
    topological_order,
    vsum,
    weighted_sum,
    weighted_sums,
)
from nnscalar.errors import NonFiniteError
from nnscalar.explain import backward_steps, replay
from nnscalar.nn import MLP


def _reference_order(root: Value) -> list[Value]:
    """Depth-first, first operand first, marking a node when first met (the pre-slots walk)."""
    order, visited, stack = [], {root}, [(root, iter(root.parents))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if parent not in visited:
                visited.add(parent)
                if parent.parents:
                    stack.append((parent, iter(parent.parents)))
                    break
                order.append(parent)
        else:
            stack.pop()
            order.append(node)
    return order


def _reference_backward(root: Value, upstream: float) -> dict[Value, float]:
    order = _reference_order(root)
    grads = {n: n.grad if not n.parents else 0.0 for n in order}
    grads[root] += upstream
    for node in reversed(order):
        g = grads[node]
        if node.parents and g:
            for parent, local in zip(node.parents, node.local_grads):
                grads[parent] += local * g
    return grads


def _check(root: Value, upstream: float) -> None:
    order = topological_order(root)
    assert order == _reference_order(root)
    expected = _reference_backward(root, upstream)
    root.backward(upstream)
    assert [n.grad.hex() for n in order] == [expected[n].hex() for n in order]


@st.composite
def _dags(draw: st.DrawFn) -> Value:
    floats = st.floats(-1.5, 1.5, allow_subnormal=False)
    leaves = [Value(draw(floats), label=f"v{i}") for i in range(draw(st.integers(1, 4)))]
    nodes, tuples, pairs = list(leaves), [], []

    def pick() -> Value:
        return nodes[draw(st.integers(0, len(nodes) - 1))]

    def inputs(n: int | None = None) -> tuple:
        same = [t for t in tuples if n is None or len(t) == n]
        if same and draw(st.booleans()):  # the very same tuple object again
            return same[draw(st.integers(0, len(same) - 1))]
        n = draw(st.integers(0, 3)) if n is None else n
        t = tuple(
            pick() if draw(st.integers(0, 3)) else draw(st.sampled_from([0.5, -2.0, 3]))
            for _ in range(n)
        )
        tuples.append(t)
        return t

    def pair(n: int) -> tuple:
        same = [p for p in pairs if len(p[0]) == n]
        if same and draw(st.booleans()):
            return same[draw(st.integers(0, len(same) - 1))]
        how = draw(st.integers(0, 2))  # fresh leaves, existing leaves, any node (computed)
        choose = {0: lambda: Value(draw(floats)), 1: lambda: draw(st.sampled_from(leaves))}
        one = choose.get(how, pick)
        p = (tuple(one() for _ in range(n)), one())
        pairs.append(p)
        return p

    for _ in range(draw(st.integers(1, 14))):
        kind = draw(st.integers(0, 7))
        a, b = pick(), pick()
        if kind == 0:
            out = [a.tanh()]
        elif kind == 1:
            out = [a * b - 0.5]
        elif kind == 2:
            out = [vsum([a, b, a, 0.25])]
        elif kind == 3:  # a layer, then its activations as a shared tuple for a later layer
            xs = inputs()
            zs = weighted_sums([pair(len(xs)) for _ in range(draw(st.integers(1, 3)))], [xs])[0]
            hs = tuple(z.tanh() for z in zs)
            tuples.append(hs)
            out = [*zs, *hs]
        elif kind == 4:
            xs = inputs()
            rows = [pair(len(xs)) for _ in range(draw(st.integers(1, 2)))]
            out = weighted_sums([(list(w), bias) for w, bias in rows], [xs])[0]
        elif kind == 5:  # a batch with the same tuple twice
            n = draw(st.integers(0, 3))
            first = inputs(n)
            zss = weighted_sums([pair(n), pair(n)], [first, inputs(n), first])
            out = [z for zs in zss for z in zs]
        elif kind == 6:  # the same Value as weight, input and bias
            out = [weighted_sum((b, a), (a, b), a)]
        else:
            with no_grad():
                out = [weighted_sum((a,), (b,), a)]
        if not all(abs(o.data) < 1e3 for o in out):
            break
        nodes.extend(out)
    k = draw(st.integers(1, min(4, len(nodes))))
    return vsum(nodes[-k:])


@settings(max_examples=300, deadline=None)
@given(_dags(), st.data())
def test_backward_matches_a_plain_walk_and_replay_on_shared_node_dags(root, data) -> None:
    order = topological_order(root)
    for node in order:
        node.grad = 0.0
    replayed = replay(backward_steps(root))
    _check(root, 1.0)
    assert [replayed.get(n, 0.0).hex() for n in order] == [n.grad.hex() for n in order]
    _check(root, 0.75)  # twice: leaves accumulate
    _check(data.draw(st.sampled_from(order)), -1.25)  # from an intermediate node
    _check(root, 1.0)


def test_the_first_non_finite_gradient_in_topological_order_is_reported() -> None:
    w = (Value(1.0, label="w1"), Value(2.0, label="w2"))
    z = weighted_sum(w, (Value(1e200, label="x1"), Value(1e-200)), Value(0.0))
    with pytest.raises(NonFiniteError, match=r"gradient of w1=1\.0 became inf"):
        (z * 1.0).backward(1e200)
    xs = (Value(1e-200, label="x1"), Value(1.0))
    pairs = [((Value(1.0), Value(1.0)), Value(0.0)), ((Value(1e200), Value(1.0)), Value(0.0))]
    z1, z2 = weighted_sums(pairs, [xs])[0]  # both neurons fed the same inputs
    with pytest.raises(NonFiniteError, match=r"gradient of x1=1e-200 became inf"):
        vsum([z1, z2]).backward(1e200)
    w = (Value(1.0, label="w1"), Value(1.0))
    z = weighted_sum(w, [Value(1e-100), 0.0], Value(0.0))
    with pytest.raises(NonFiniteError, match=r"gradient of w1=1\.0 became inf"):
        (z * 1e250).backward(1e250)  # and 0.0 · inf = nan for the number input's weight
    assert str(w[1].grad) == "nan"


def test_huge_but_finite_leaf_gradients_are_not_reported() -> None:
    a, b, c = Value(1.0), Value(1.0), Value(1.0)
    vsum([a, b, -c]).backward(1.7e308)  # the grads' sum overflows; none of them does
    assert (a.grad, b.grad, c.grad) == (1.7e308, 1.7e308, -1.7e308)


# --- copies, pickles, threads -------------------------------------------------------------------


def _clone(how: str):
    return copy.deepcopy if how == "deepcopy" else lambda v: pickle.loads(pickle.dumps(v))


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_a_copied_fused_graph_keeps_its_parents(how: str) -> None:
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    for root in (vsum([a, b]) * 2.0, weighted_sum([a], [b, 4.0][:1], a).tanh()):
        twin = _clone(how)(root)
        assert [p.data for p in twin.parents[0].parents] == [
            p.data for p in root.parents[0].parents
        ]
        twin.backward()
        root.backward()
        assert [p.grad for p in twin.parents[0].parents] == [
            p.grad for p in root.parents[0].parents
        ]


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_a_hundred_thousand_deep_chain_copies_with_its_shared_leaf_shared(how: str) -> None:
    x = Value(0.5, label="x")
    y = x
    for _ in range(100_000):
        y = y * 1.0 + x  # x is a parent of every + node
    twin = _clone(how)(y)
    order = topological_order(twin)
    assert len(order) == 200_001 and order[0] is not x
    assert [n for n in order if not n.parents] == [order[0]]  # one x in the copy, shared
    assert order[0].label == "x" and twin.data == y.data == 50_000.5
    twin.backward()
    assert order[0].grad == 100_001.0 and x.grad == 0.0


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_copies_of_several_roots_at_once_share_what_the_originals_share(how: str) -> None:
    a = Value(2.0, label="a")
    h = a.tanh()
    roots = [h, h * a, vsum([h, a, 1.0]), weighted_sum([a], [h], a), log_softmax_pair(h, a)]
    twins = _clone(how)(roots)
    th, ta = twins[0], twins[0].parents[0]
    assert twins[1].parents == (th, ta) and twins[2].parents == (th, ta)
    assert twins[3].parents == (ta, th, ta) and twins[3].arg == (th,)
    assert twins[4].parents == (th, ta) and twins[4].arg == 1
    for name in ("data", "op", "local_grads", "arg"):
        assert getattr(twins[2], name) == getattr(roots[2], name)


def log_softmax_pair(a: Value, b: Value) -> Value:
    from nnscalar import log_softmax

    return log_softmax([a, b])[1]


def test_shallow_copy_keeps_the_parents() -> None:
    a = Value(2.0)
    b = a * 3.0
    c = copy.copy(b)
    assert c is not b and (c.data, c.parents, c.local_grads, c.arg) == (6.0, (a,), (3.0,), 3.0)


def test_a_deepcopied_model_after_a_forward_pass_can_still_backward() -> None:
    model = MLP(2, [2, 1], seed=0)
    model([0.5, 1.0])
    twin = copy.deepcopy(model)  # e.g. keeping the best model so far
    twin.layers[-1].neurons[0].output.backward()
    assert any(p.grad for p in twin.parameters())
    assert set(twin.parameters()).isdisjoint(model.parameters())
    assert all(p.grad == 0.0 for p in model.parameters())


def test_backward_from_four_threads_on_one_graph_adds_up_exactly() -> None:
    # Each call resets the inner grads and adds to the leaves: without a lock two calls mix.
    x = Value(1.0, label="x")
    y = x
    for _ in range(2000):
        y = y * 1.0 + x  # dy/dx = 2001
    start = threading.Barrier(4)
    errors = []

    def work() -> None:
        try:
            start.wait()
            for _ in range(5):
                y.backward()
        except Exception as e:  # pragma: no cover - the test fails below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, so unguarded calls would interleave
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    assert x.grad == 20 * 2001.0 and y.grad == 1.0
