"""backward's walk over shared parts: neurons' (weights, bias) pairs and layers' inputs tuples.

Random DAGs that share inputs tuples across layers and calls, with leaf and computed weights,
are checked bit for bit against a plain walk over `.parents` / `.local_grads` (the engine's
earlier depth-first order) and against explain's replay. The tests at the end pin two bugs a
review found: copies of fused graphs, and a lone neuron's node not pointing at its pair.
"""

from __future__ import annotations

import copy
import itertools
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnscalar import engine
from nnscalar.engine import (
    Value,
    layer_sums,
    neuron_sums,
    neuron_sums_batch,
    no_grad,
    topological_order,
    vsum,
    weighted_sum,
)
from nnscalar.errors import NonFiniteError
from nnscalar.explain import backward_steps, replay
from nnscalar.nn import MLP, Neuron


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
            zs = neuron_sums([pair(len(xs)) for _ in range(draw(st.integers(1, 3)))], xs)
            hs = tuple(z.tanh() for z in zs)
            tuples.append(hs)
            out = [*zs, *hs]
        elif kind == 4:
            xs = inputs()
            rows = [pair(len(xs)) for _ in range(draw(st.integers(1, 2)))]
            out = layer_sums([list(w) for w, _ in rows], xs, [bias for _, bias in rows])
        elif kind == 5:  # a batch with the same tuple twice
            n = draw(st.integers(0, 3))
            first = inputs(n)
            zss = neuron_sums_batch([pair(n), pair(n)], [first, inputs(n), first])
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
def test_backward_matches_a_plain_walk_and_replay_on_shared_tuple_dags(root, data) -> None:
    order = topological_order(root)
    for node in order:
        node.grad = 0.0
    inner, groups = engine._inner_nodes(root)
    assert inner == [n for n in order if n.parents]
    assert {n for n in order if not n.parents} <= set(itertools.chain.from_iterable(groups))
    for node in order:
        node.grad = 0.0
    replayed = replay(backward_steps(root))
    _check(root, 1.0)
    assert [replayed.get(n, 0.0).hex() for n in order] == [n.grad.hex() for n in order]
    _check(root, 0.75)  # twice: leaves accumulate
    _check(data.draw(st.sampled_from(order)), -1.25)  # from an intermediate node
    _check(root, 1.0)


def test_non_finite_leaf_gradients_are_reported_through_every_group() -> None:
    w = (Value(1.0), Value(2.0))
    z = neuron_sums([(w, Value(0.0))], (Value(1e200), Value(1e-200)))[0]
    with pytest.raises(NonFiniteError):  # a weight, checked through its (weights, bias) pair
        (z * 1.0).backward(1e200)
    xs = (Value(1e-200), Value(1.0))
    pairs = [((Value(1.0), Value(1.0)), Value(0.0)), ((Value(1e200), Value(1.0)), Value(0.0))]
    z1, z2 = neuron_sums(pairs, xs)  # the second neuron's inputs are the first one's
    with pytest.raises(NonFiniteError):
        vsum([z1, z2]).backward(1e200)
    w = (Value(1.0), Value(1.0))
    z = neuron_sums([(w, Value(0.0))], [Value(1e-100), 0.0])[0]
    with pytest.raises(NonFiniteError):  # inf, and 0.0 · inf = nan for the number input's weight
        (z * 1e250).backward(1e250)


def test_huge_but_finite_leaf_gradients_are_not_reported() -> None:
    a, b, c = Value(1.0), Value(1.0), Value(1.0)
    vsum([a, b, -c]).backward(1.7e308)  # the grads' sum overflows; none of them does
    assert (a.grad, b.grad, c.grad) == (1.7e308, 1.7e308, -1.7e308)


# --- found in review ----------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_a_copied_fused_graph_keeps_its_parents(how: str) -> None:
    # MANY and NEURON are compared by identity: a deep copy or a pickle round trip must keep the
    # very same markers, or a copied sum / wsum node reads as a two-parent node.
    clone = copy.deepcopy if how == "deepcopy" else lambda v: pickle.loads(pickle.dumps(v))
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    for root in (vsum([a, b]) * 2.0, weighted_sum([a], [b], a).tanh()):
        twin = clone(root)
        assert [p.data for p in twin.parents[0].parents] == [
            p.data for p in root.parents[0].parents
        ]
        twin.backward()
        root.backward()
        assert [p.grad for p in twin.parents[0].parents] == [
            p.grad for p in root.parents[0].parents
        ]


def test_a_deepcopied_model_after_a_forward_pass_can_still_backward() -> None:
    model = MLP(2, [2, 1], seed=0)
    model([0.5, 1.0])
    twin = copy.deepcopy(model)  # e.g. keeping the best model so far
    twin.layers[-1].neurons[0].output.backward()
    assert any(p.grad for p in twin.parameters())


def test_a_neurons_own_call_points_at_its_params_pair() -> None:
    # CONTRACTS: `._params = (weights, bias)` is the pair "the neuron's wsum nodes point at",
    # whether the neuron is called alone or through its layer.
    neuron = Neuron(2, "tanh", seed=0)
    neuron([Value(1.0), Value(2.0)])
    assert neuron.z._a is neuron._params
