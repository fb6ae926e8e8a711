"""A teacher's own exercise: `nnscalar exercises list --path examples/exercises` lists it."""

from nnscalar import Value
from nnscalar.exercises import CheckResult, Exercise, exercise_rng, gradient_parts, pick


def _graph(seed: int) -> tuple[Value, dict[str, Value]]:
    """out = σ(a·b): the numbers come from the seed, so each student has their own."""
    rng = exercise_rng("sigmoid-gate", seed)
    a, b = Value(pick(rng, -2.0, 2.0), label="a"), Value(pick(rng, -2.0, 2.0), label="b")
    product = a * b
    product.label = "p"
    out = product.sigmoid()
    out.label = "out"
    return out, {"dout_da": a, "dout_db": b}


def _statement(seed: int) -> str:
    _, nodes = _graph(seed)
    a, b = nodes["dout_da"].data, nodes["dout_db"].data
    return (
        f"A gate computes out = σ(a·b) with a = {a:g} and b = {b:g}. Give d(out)/da and "
        "d(out)/db.\n\nAnswer: `dout_da = ...`, `dout_db = ...`"
    )


def _solution(seed: int) -> dict[str, float]:
    out, nodes = _graph(seed)
    out.backward()
    return {name: node.grad for name, node in nodes.items()}


def _check(answer, seed: int) -> CheckResult:
    out, nodes = _graph(seed)
    # gradient_parts compares with backward() and names the chain-rule step that went astray
    return CheckResult("sigmoid-gate", tuple(gradient_parts(out, nodes, answer)))


EXERCISE = Exercise(
    id="sigmoid-gate",
    title="A sigmoid gate",
    concept="the chain rule through σ",
    statement=_statement,
    solution=_solution,
    check=_check,
    hints=("σ'(p) = out·(1 − out).", "d(out)/da = σ'(p) · b."),
    graph=lambda seed: _graph(seed)[0],
)
