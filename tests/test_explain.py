"""Steps as data: replaying backward_steps gives backward()'s gradients bit for bit."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nnscalar import Value, log_softmax, ops, topological_order, vsum, weighted_sum
from nnscalar.errors import DomainError
from nnscalar.explain import backward_steps, forward_steps, node_names, number, replay
from nnscalar.expr import parse
from nnscalar.losses import cross_entropy
from nnscalar.nn import MLP, Neuron

NEURON = "tanh(x1*w1 + x2*w2 + b)"
NEURON_VALUES = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.88}


def _backward_grads(root: Value) -> dict[Value, float]:
    """What one backward() call from zero leaf gradients gives, for every node."""
    order = topological_order(root)
    for node in order:
        node.grad = 0.0
    root.backward()
    return {node: node.grad for node in order}


def _state(root: Value) -> list[tuple[float, float]]:
    return [(node.data, node.grad) for node in topological_order(root)]


def _assert_replay_is_backward(root: Value) -> None:
    before = _state(root)
    steps = backward_steps(root)
    assert _state(root) == before  # a reader: .data and .grad untouched
    replayed = replay(steps)
    expected = _backward_grads(root)
    for node, grad in expected.items():
        # bit for bit, as text of the exact float (0.0 and -0.0 differ too)
        assert float.hex(replayed.get(node, 0.0)) == float.hex(grad), node


def test_neuron_steps_in_reverse_topological_order() -> None:
    root = parse(NEURON).build(NEURON_VALUES)
    steps = backward_steps(root)
    assert [s.forward for s in steps] == [
        "n5 = tanh(n4)",
        "n4 = n3 + b",
        "n3 = n1 + n2",
        "n2 = x2·w2",
        "n1 = x1·w1",
    ]
    assert [s.index for s in steps] == [0, 1, 2, 3, 4]
    x1_term, w1_term = steps[4].terms
    assert x1_term.local_text == "d(a·b)/da = b = -3.0"
    assert w1_term.local_text == "d(a·b)/db = a = 2.0"
    assert steps[0].terms[0].local_text == "d(tanh(a))/da = 1 − out² = 1 − 0.7064² = 0.501"
    assert steps[1].terms[1].local_text == "d(a + b)/db = 1"
    upstream = 1.0 - math.tanh(0.88) ** 2
    assert x1_term.upstream == steps[4].upstream == upstream
    assert x1_term.contribution == -3.0 * upstream
    assert (x1_term.grad_before, x1_term.grad_after) == (0.0, -3.0 * upstream)
    assert x1_term.chain_text == "∂n5/∂x1 += ∂n5/∂n1 · ∂n1/∂x1 = 0.501 · (-3.0) = -1.503"
    assert x1_term.update_text == "grad of x1: 0.0 + (-1.503) = -1.503"
    assert (x1_term.role, x1_term.formula, x1_term.parent_name) == ("a", "b", "x1")


def test_a_node_reached_by_two_paths_shows_both_contributions_adding() -> None:
    root = parse("x*y + x").build({"x": 3.0, "y": -2.0})
    steps = backward_steps(root)
    x_terms = [t for s in steps for t in s.terms if t.parent_name == "x"]
    assert [(t.grad_before, t.contribution, t.grad_after) for t in x_terms] == [
        (0.0, 1.0, 1.0),
        (1.0, -2.0, -1.0),
    ]
    assert x_terms[1].update_text == "grad of x: 1.0 + (-2.0) = -1.0"
    square = backward_steps(parse("x*x").build({"x": 3.0}))
    assert [(t.grad_before, t.grad_after) for t in square[0].terms] == [(0.0, 3.0), (3.0, 6.0)]


def test_steps_start_from_zero_leaf_grads_and_leave_the_graph_alone() -> None:
    root = parse(NEURON).build(NEURON_VALUES)
    root.backward()
    root.backward()  # leaves accumulate: twice the gradient
    grads = [node.grad for node in topological_order(root)]
    steps = backward_steps(root)
    assert [node.grad for node in topological_order(root)] == grads
    x1 = next(node for node in topological_order(root) if node.label == "x1")
    assert replay(steps)[x1] == x1.grad / 2


def test_replay_part_way_and_a_leaf_root() -> None:
    root = parse(NEURON).build(NEURON_VALUES)
    steps = backward_steps(root)
    assert replay(steps, 0) == {root: 1.0}
    assert set(replay(steps, 1)) == {root, steps[1].node}
    assert backward_steps(Value(2.0)) == []
    assert replay([]) == {}
    assert backward_steps(root, grad=2.0)[0].upstream == 2.0


def test_forward_steps_show_constants_and_formulas() -> None:
    root = parse("2 - x*3 + tanh(x)").build({"x": -1.0})
    steps = forward_steps(root)
    assert [s.text for s in steps] == [
        "x = -1.0",
        "n1 = x·3.0 = (-1.0)·3.0 = -3.0",
        "n2 = 2.0 − n1 = 2.0 − (-3.0) = 5.0",
        "n3 = tanh(x) = tanh(-1.0) = -0.7616",
        "n4 = n2 + n3 = 5.0 + (-0.7616) = 4.238",
    ]
    assert steps[1].operands == (steps[0].node, 3.0)
    assert steps[2].operands == (2.0, steps[1].node)
    assert [s.op for s in steps] == ["", "*", "rsub", "tanh", "+"]
    assert steps[3].value == math.tanh(-1.0)


def test_fused_ops_are_written_out() -> None:
    w1, w2, x, b = (
        Value(v, label=n) for v, n in [(0.5, "w1"), (-2.0, "w2"), (3.0, "x"), (1.0, "b")]
    )
    z = weighted_sum([w1, w2], [x, 4.0], b)
    total = vsum([z, w1, 1.5])
    steps = forward_steps(total)
    assert steps[-2].formula == "w1·x + w2·4.0 + b"
    assert steps[-2].numbers == "0.5·3.0 + (-2.0)·4.0 + 1.0"
    assert steps[-1].formula == "n1 + w1 + 1.5"
    wsum_step = backward_steps(total)[1]
    assert [t.local_text for t in wsum_step.terms] == [
        "d(Σ wᵢxᵢ + b)/dw = x = 3.0",
        "d(Σ wᵢxᵢ + b)/dw = x = 4.0",
        "d(Σ wᵢxᵢ + b)/dx = w = 0.5",
        "d(Σ wᵢxᵢ + b)/db = 1",
    ]
    entries = log_softmax([w1, x])
    # entry k = 1 (the engine's `arg`, counted from 0 like a Python index), not [2]
    assert forward_steps(entries[1])[-1].formula == "log_softmax(w1, x)[1]"


def test_cross_entropy_names_the_class_as_the_engine_counts_it() -> None:
    a, b, c = Value(1.0, label="a"), Value(2.0, label="b"), Value(0.5, label="c")
    loss = cross_entropy([[a, b, c]], [1])
    texts = [s.text for s in forward_steps(loss)]
    assert texts[3].startswith("n1 = log_softmax(a, b, c)[1] = log_softmax(1.0, 2.0, 0.5)[1] = ")
    assert texts[4] == "n2 = sum(n1) = sum(-0.4644) = -0.4644"  # one term: still a node
    softmax_step = backward_steps(loss)[-1]
    # [i = k] with the same 0-based k: only b (i = 1) gets the 1
    assert softmax_step.terms[0].local_text == (
        "d(log_softmax(a)ₖ)/daᵢ = [i = k] − exp(a − (ak − out)) = "
        "[0 = 1] − exp(1.0 − (2.0 − (-0.4644))) = -0.2312"
    )
    assert [re.findall(r"\[\d = \d\]", t.local_text) for t in softmax_step.terms] == [
        ["[0 = 1]"],
        ["[1 = 1]"],
        ["[2 = 1]"],
    ]
    assert softmax_step.terms[1].local == pytest.approx(
        1.0 - math.exp(2.0) / (math.exp(1.0) + math.exp(2.0) + math.exp(0.5))
    )


def test_names_are_labels_else_numbered_and_always_unique() -> None:
    a, b = Value(1.0, label="n1"), Value(2.0, label="a")
    root = (a * b) + Value(3.0, label="a")
    names = node_names(root)
    assert [names[node] for node in topological_order(root)] == ["n1", "a", "n2", "a#2", "n3"]


# every op once, with the local derivative as the explainer writes it
LOCAL_TEXTS = [
    ("x / y", "d(a / b)/db = −a / b² = −3.0 / (-2.0)² = -0.75"),
    ("y ** 2", "d(a^b)/da = b·a^(b − 1) = 2.0·(-2.0)^(2.0 − 1) = -4.0"),
    ("2 ** x", "d(a^b)/db = out·log(a) = 8.0·log(2.0) = 5.545"),
    ("x ** y", "d(a^b)/db = out·log(a) = 0.1111·log(3.0) = 0.1221"),
    ("-x", "d(−a)/da = −1"),
    ("abs(y)", "d(|a|)/da = sign(a) = sign(-2.0) = -1.0"),
    ("exp(y)", "d(exp(a))/da = out = 0.1353"),
    ("log(x)", "d(log(a))/da = 1 / a = 1 / 3.0 = 0.3333"),
    ("sqrt(x)", "d(sqrt(a))/da = 1 / (2·out) = 1 / (2·1.732) = 0.2887"),
    ("sigmoid(y)", "d(sigmoid(a))/da = out·(1 − out) = 0.1192·(1 − 0.1192) = 0.105"),
    ("relu(y)", "d(relu(a))/da = 1 if a > 0 else 0 = 1 if (-2.0) > 0 else 0 = 0.0"),
    (
        "leaky_relu(y, 0.2)",
        "d(leaky_relu(a, 0.2))/da = 1 if a > 0 else slope = 1 if (-2.0) > 0 else 0.2 = 0.2",
    ),
    (
        "elu(x)",
        "d(elu(a, 1.0))/da = 1 if a > 0 else out + alpha = 1 if 3.0 > 0 else 3.0 + 1.0 = 1.0",
    ),
    ("softplus(y)", "d(softplus(a))/da = sigmoid(a) = sigmoid(-2.0) = 0.1192"),
    ("sin(x)", "d(sin(a))/da = cos(a) = cos(3.0) = -0.99"),
    ("cos(x)", "d(cos(a))/da = −sin(a) = −sin(3.0) = -0.1411"),
    ("x - y", "d(a − b)/db = −1"),
    ("1 - x", "d(a − b)/db = −1"),
    ("1 / x", "d(a / b)/db = −a / b² = −1.0 / 3.0² = -0.1111"),
]


@pytest.mark.parametrize(("text", "expected"), LOCAL_TEXTS)
def test_local_derivative_text_for_every_op(text: str, expected: str) -> None:
    expression = parse(text)
    root = expression.build({name: {"x": 3.0, "y": -2.0}[name] for name in expression.names})
    term = backward_steps(root)[0].terms[-1]
    assert term.local_text == expected
    env = ops.formula_env(root, term.index)
    assert ops.evaluate(ops.derivative_formula(root, term.index), env) == pytest.approx(term.local)
    assert term.local == root.local_grads[term.index]


def test_number_format() -> None:
    numbers = [number(x) for x in (-3.0, 0.0, -0.0, 0.50097, 1e-7, 2.5e10, 6.88)]
    assert numbers == "-3.0 0.0 0.0 0.501 1e-07 2.5e+10 6.88".split()


_UNARY = "tanh sigmoid relu sin cos neg abs softplus leaky_relu elu exp".split()
_BINARY = "+ - * / const* rsub pow2 sum wsum".split()


@st.composite
def _graphs(draw: st.DrawFn) -> Value:
    """A random graph over 1-4 leaves; operands are drawn from every node so far (sharing)."""
    leaf_values = st.floats(-3, 3, allow_subnormal=False)  # a subnormal's slopes overflow
    leaves = [Value(draw(leaf_values), label=f"v{i}") for i in range(draw(st.integers(1, 4)))]
    nodes = list(leaves)
    for _ in range(draw(st.integers(1, 14))):
        pick = st.integers(0, len(nodes) - 1)
        a, b = nodes[draw(pick)], nodes[draw(pick)]
        op = draw(st.sampled_from(_UNARY + _BINARY))
        try:
            if op in _UNARY:
                node = -a if op == "neg" else abs(a) if op == "abs" else getattr(a, op)()
            elif op == "const*":
                node = a * draw(st.floats(-2, 2))
            elif op == "rsub":
                node = 1.5 - a
            elif op == "pow2":
                node = a**2
            elif op == "sum":
                node = vsum([a, b, a, 0.5])
            elif op == "wsum":
                node = weighted_sum([a, b], [b, 2.0], a)
            else:
                node = {"+": a + b, "-": a - b, "*": a * b}[op] if op != "/" else a / b
        except DomainError:
            continue
        assume(abs(node.data) < 1e6)
        nodes.append(node)
    assume(nodes[-1].parents)  # a leaf as root has no step to replay
    return nodes[-1]


@settings(max_examples=150, deadline=None)
@given(_graphs())
def test_replay_equals_backward_on_random_graphs(root: Value) -> None:
    _assert_replay_is_backward(root)


@pytest.mark.parametrize("fused", [True, False])
def test_replay_equals_backward_on_neurons_and_networks(fused: bool) -> None:
    model = MLP(2, [3, 1], activation="tanh", seed=3, fused=fused)
    root = model([0.5, -1.0])
    _assert_replay_is_backward(root)
    ops_seen = {s.op for s in backward_steps(root)}
    assert ops_seen == ({"wsum", "tanh"} if fused else {"*", "+", "tanh"})
    neuron = Neuron(2, "relu", seed=1, fused=fused)
    x = [Value(0.5, label="x1"), Value(-2.0, label="x2")]
    _assert_replay_is_backward(neuron(x))


def test_fused_and_expanded_neurons_give_the_same_leaf_gradients() -> None:
    grads = []
    for fused in (True, False):
        model = MLP(2, [3, 1], activation="tanh", seed=3, fused=fused)
        root = model([0.5, -1.0])
        replayed = replay(backward_steps(root))
        grads.append([replayed[p] for p in model.parameters()])
    assert grads[0] == grads[1]
