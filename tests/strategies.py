"""hypothesis strategies shared by the tests: random expression DAGs over a few leaves."""

from __future__ import annotations

from hypothesis import strategies as st

from nnscalar import Value, vsum, weighted_sums

# Smooth ops that stay finite and away from kinks for inputs in [-2, 2].
UNARY = {
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "sin": lambda a: a.sin(),
    "softplus": lambda a: a.softplus(),
    "square": lambda a: a**2,
    "neg": lambda a: -a,
    "scale": lambda a: a * 0.5 + 0.25,
    "rdiv": lambda a: 1 / (1 + a * a),
}
BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / (1.5 + b.tanh()),
    "sum": lambda a, b: vsum([a, b, a]),
    "layer": None,  # two fused neurons fed (a, b), with the first leaf as every weight and bias
}

leaf_values = st.floats(min_value=-2.0, max_value=2.0, allow_nan=False)


@st.composite
def programs(draw, max_leaves: int = 4, max_ops: int = 12):
    """A list of instructions; each names an op and earlier slots, so subexpressions are shared."""
    n_leaves = draw(st.integers(1, max_leaves))
    leaves = draw(st.lists(leaf_values, min_size=n_leaves, max_size=n_leaves))
    steps = []
    size = n_leaves
    for _ in range(draw(st.integers(1, max_ops))):
        if draw(st.booleans()):
            op = draw(st.sampled_from(sorted(UNARY)))
            steps.append((op, (draw(st.integers(0, size - 1)),)))
        else:
            op = draw(st.sampled_from(sorted(BINARY)))
            steps.append((op, (draw(st.integers(0, size - 1)), draw(st.integers(0, size - 1)))))
        size += 1
    return leaves, steps


def run(steps, leaves):
    """Evaluate a program on Values; the last slot is the output."""
    slots = list(leaves)
    for op, args in steps:
        if op == "layer":
            w = leaves[0]
            zs = weighted_sums([((w, w), w), ((w, w), w)], [tuple(slots[i] for i in args)])[0]
            slots.append(vsum(zs) * 0.5)
            continue
        table = UNARY if op in UNARY else BINARY
        slots.append(table[op](*(slots[i] for i in args)))
    return slots[-1]


def build(program):
    """(leaf Values, output Value) of a program."""
    values, steps = program
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(values)]
    return leaves, run(steps, leaves)
