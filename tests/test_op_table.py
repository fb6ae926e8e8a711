"""The op table is the one source: every op is known everywhere, and one new record (plus its
engine part) is enough for the parser, explainer, renderer, exercises and neurons to know it."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest

from nnscalar import MLP, SGD, Neuron, Value, custom_node, draw, engine, grad, losses, ops
from nnscalar.activations import (
    ACTIVATIONS,
    engine_activation,
    get_activation,
    initialisation,
    register_activation,
)
from nnscalar.errors import ConfigError, NNScalarError, ParseError
from nnscalar.exercises.chainrule import describe_step
from nnscalar.explain import backward_steps, forward_steps, steps
from nnscalar.expr import FUNCTIONS, parse
from nnscalar.higher import LOCAL, SECOND
from nnscalar.nn import init_limit

from .test_ops import BUILDERS


def _tan(x: Value) -> Value:
    """tan as the engine part of a new op, built with custom_node: it runs on either core."""
    t = math.tan(x.data)
    return custom_node(t, "tan", [x], [1.0 + t * t])


TAN = ops.Op(
    "tan",
    "tan",
    "tangent",
    1,
    ("1 + out**2",),
    spelling="tan",
    activation=True,
    apply=_tan,
    second="2 * out * (1 + out**2)",
    local=lambda node: (1.0 + node * node,),  # d tan/da = 1 + tan², written with Value ops
)


@pytest.fixture
def tan_op(monkeypatch: pytest.MonkeyPatch) -> Iterator[ops.Op]:
    """The op table with one more record, `tan`, and nothing else changed."""
    monkeypatch.setitem(ops.OPS, "tan", TAN)
    yield TAN


def test_a_new_op_record_is_known_everywhere(tan_op: ops.Op) -> None:
    # the parser
    assert "tan" in FUNCTIONS
    x = Value(0.5, label="x")
    y = parse("tan(x) * 2").build({"x": 0.5})
    tan_node = y.parents[0]
    assert (tan_node.op, tan_node.data) == ("tan", math.tan(0.5))
    # the explainer: the forward equation, and the local derivative from the record's formula
    out = _tan(x)
    forward = {step.name: step.text for step in forward_steps(out)}
    assert forward["n1"] == f"n1 = tan(x) = tan(0.5) = {math.tan(0.5):.4g}"
    term = backward_steps(out)[0].terms[0]
    assert (
        term.local_text == f"d(tan(a))/da = 1 + out² = 1 + 0.5463² = {1 + math.tan(0.5) ** 2:.4g}"
    )
    # the renderer draws its symbol
    assert "label=<tan>" in draw(out).dot
    # the exercises' chain-rule feedback names it by its title
    assert describe_step(out, 0).startswith("dthe tangent node/dx = 1 + out² = 1.29845")
    # an activation: by name, for neurons, with its initialisation
    assert "tan" in ACTIVATIONS and get_activation("tan")(x).op == "tan"
    neuron = Neuron(2, activation="tan", seed=0)
    result = neuron([1.0, -1.0])
    assert result.op == "tan" and result.data == math.tan(neuron.z.data)
    assert initialisation("tan") == "glorot"


def test_a_new_op_record_is_differentiated_twice_by_its_local_rule(tan_op: ops.Op) -> None:
    assert LOCAL["tan"] is TAN.local and SECOND["tan"] == "2 * out * (1 + out**2)"
    x = Value(0.5, label="x")
    out = _tan(x)
    (slope,) = grad(out, x)
    (curvature,) = grad(slope, x)
    t = math.tan(0.5)
    assert slope.data == 1 + t * t == 1.2984464104095248
    assert curvature.data == 2 * t * (1 + t * t) == 1.4186890138709112
    assert ops.evaluate(SECOND["tan"], {"out": t}) == curvature.data  # the text says the same
    assert backward_steps(out)[0].second == "2·out·(1 + out²)"  # the explainer shows it


def test_grad_refuses_a_record_without_a_local_rule_and_a_custom_op(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import dataclasses

    monkeypatch.setitem(ops.OPS, "tan", dataclasses.replace(TAN, local=None, second=""))
    assert "tan" not in LOCAL and "tan" not in SECOND
    x = Value(0.5)
    with pytest.raises(NNScalarError, match="'tan' is an op-table record without a `local` rule"):
        grad(_tan(x), x)
    square = custom_node(0.25, "square", [x], [1.0])
    with pytest.raises(NNScalarError, match="'square' is a custom op, whose derivative is only"):
        grad(square, x)
    assert backward_steps(square)[0].second == ""


def test_the_new_op_leaves_no_trace(tan_op: ops.Op) -> None:
    del ops.OPS["tan"]  # as the fixture's teardown does
    assert "tan" not in FUNCTIONS and "tan" not in ACTIVATIONS
    assert "tan" not in LOCAL and "tan" not in SECOND
    with pytest.raises(ParseError, match="unknown function 'tan'"):
        parse("tan(x)")


@pytest.mark.parametrize("name", sorted(ops.OPS))
def test_every_op_is_written_drawn_and_explained(name: str) -> None:
    _, build = BUILDERS[name]
    node = build(*[Value(0.4 + 0.1 * i, label=f"v{i}") for i in range(_arity(name))])
    steps = backward_steps(node)
    assert steps[0].forward.startswith(f"{steps[0].name} = ") and steps[0].terms
    assert all(term.formula and term.local_text for term in steps[0].terms)
    assert ops.OPS[name].symbol and draw(node).dot.startswith("digraph")


def _arity(name: str) -> int:
    return {"sum": 3, "wsum": 4, "log_softmax": 3}.get(name, ops.OPS[name].arity or 1) - (
        1 if ops.OPS[name].const_first else 0
    )


def test_every_spelled_op_parses_and_every_activation_runs_on_both_cores() -> None:
    spelled = {op.spelling for op in ops.OPS.values() if op.spelling}
    assert set(FUNCTIONS) == spelled and "tanh" in spelled and "abs" in spelled
    activations = [op.name for op in ops.OPS.values() if op.activation]
    assert list(ACTIVATIONS) == ["linear", *activations]
    for op in ops.OPS.values():
        for value_type in (engine.Value, Value):  # the readable engine and the one that runs
            if op.spelling or op.activation:
                assert callable(ops.engine_function(op, value_type)), op.name
    for name in spelled:
        params = (0.5,) if ops.OPS[name].param else ()
        node = parse(f"{name}(x{', 0.5' * len(params)})").build({"x": 0.25})
        assert node.op == name and node.data == FUNCTIONS[name][0](Value(0.25), *params).data
    for name in activations:
        neuron = Neuron(1, activation=name, seed=0)
        assert neuron([0.5]).op == name and engine_activation(name) is not None


# --- registered activations -----------------------------------------------------------------------


def swish(v: Value) -> Value:
    return v * v.sigmoid()


@pytest.fixture
def swish_registered() -> Iterator[None]:
    register_activation("swish", swish)
    yield
    del ACTIVATIONS["swish"]


def test_a_registered_activation_is_applied_and_trains(swish_registered: None) -> None:
    model = MLP(2, [3, 1], activation="swish", seed=0)
    glorot = MLP(2, [3, 1], activation="tanh", seed=0)  # the same Glorot draws
    assert [p.data for p in model.parameters()] == [p.data for p in glorot.parameters()]
    neuron = model.layers[0].neurons[0]
    model([1.0, -2.0])
    z = neuron.z.data
    assert neuron.output.data == z * (1.0 / (1.0 + math.exp(-z)))  # applied, not linear
    assert neuron.output is not neuron.z and not neuron.custom_activation
    xs = [[1.0, -2.0], [0.5, 1.5], [-1.0, 0.0], [2.0, 1.0]]
    ys = [1.0, -1.0, 0.5, 2.0]
    optimizer = SGD(model.parameters(), lr=0.05)
    history = []
    for _ in range(60):
        loss = losses.mse([model(x) for x in xs], ys)
        model.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.data)
    assert history[-1] < 0.5 * history[0]


def test_a_registered_activation_is_saved_by_name(swish_registered: None, tmp_path) -> None:
    model = MLP(2, [2, 1], activation="swish", seed=3)
    model.save(tmp_path / "m.json")
    again = MLP.load(tmp_path / "m.json")
    assert again.activation == "swish" and again([1.0, 2.0]).data == model([1.0, 2.0]).data


def test_the_issue_example_assigning_into_the_registry_works() -> None:
    ACTIVATIONS["swish2"] = lambda v: v * v.sigmoid()
    try:
        neuron = Neuron(2, activation="swish2", seed=0)
        out = neuron([1.0, 1.0])
        assert out is not neuron.z and out.data == neuron.z.data * neuron.z.sigmoid().data
    finally:
        del ACTIVATIONS["swish2"]


def test_activation_registry_errors() -> None:
    with pytest.raises(ConfigError, match="unknown activation 'swsh'"):
        Neuron(2, activation="swsh")
    with pytest.raises(ConfigError, match="'relu' is a built-in activation"):
        register_activation("relu", swish)
    with pytest.raises(ConfigError, match="must be a function of a Value, got 3"):
        register_activation("three", 3)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="a word like 'swish', got 'a b'"):
        register_activation("a b", swish)
    with pytest.raises(ConfigError, match="comes from the op table"):
        del ACTIVATIONS["tanh"]
    assert init_limit("relu", 6, 1) == 1.0 and init_limit("swish", 5, 1) == 1.0


def test_an_op_made_with_custom_node_is_drawn_and_explained_with_its_stored_numbers() -> None:
    import io

    from rich.console import Console

    from nnscalar.page import StepPage
    from nnscalar.walkthrough import Walkthrough

    x, w = Value(3.0, label="x"), Value(2.0, label="w")
    square = custom_node(9.0, "square", [x], [6.0])
    pair = custom_node(6.0, "pair", [x, w], [2.0, 3.0])
    out = square * 2.0 + pair
    assert "label=<square>" in draw(out).dot and "label=<pair>" in draw(out).dot
    records = steps(out)
    forward = [f.text for f in records.forward]
    assert "n1 = square(x) = square(3.0) = 9.0" in forward
    assert "n3 = pair(x, w) = pair(3.0, 2.0) = 6.0" in forward
    texts = [t.local_text for step in records.backward for t in step.terms]
    assert "d(square(a))/da = 6.0" in texts and "d(pair(aᵢ))/daᵢ = 3.0" in texts
    assert describe_step(square, 0) == "dthe custom op 'square' node/dx = 6.0 = 6"
    Walkthrough(out, console=Console(file=io.StringIO())).show_all()
    assert "square" in StepPage(out).html()
