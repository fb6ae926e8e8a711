"""Colours of the pictures: one per role of a node, and a diverging scale for gradients."""

from __future__ import annotations

from . import dot

__all__ = ["ROLE_COLORS", "grad_color", "grad_legend", "role_legend", "sign_color"]

ROLE_COLORS = {
    "input": "#d6e6f5",
    "parameter": "#fde0c2",
    "intermediate": "#ffffff",
    "output": "#d4efd4",
    "neuron": "#e8dff2",
}
CONSTANT_COLOR = "#f4f4f4"
HIGHLIGHT = "#ff7f0e"
POSITIVE = (202, 0, 32)  # red: increasing this node increases the output
NEGATIVE = (5, 113, 176)  # blue: increasing it decreases the output
WEIGHT_POSITIVE = "#2166ac"
WEIGHT_NEGATIVE = "#d6604d"


def _blend(rgb: tuple[int, int, int], amount: float) -> str:
    r, g, b = (round(255 + (c - 255) * amount) for c in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


def grad_color(grad: float, largest: float) -> str:
    """Red for a positive gradient, blue for a negative one, white where it vanishes.

    The square root of |grad| / largest sets the depth, so small gradients still show; the
    deepest tone stops at 80 % so black text stays readable on it.
    """
    if largest == 0.0 or grad == 0.0:
        return "#ffffff"
    depth = 0.8 * min(1.0, abs(grad) / largest) ** 0.5
    return _blend(POSITIVE if grad > 0 else NEGATIVE, depth)


def sign_color(x: float) -> str:
    """The colour of a weight in a network picture: blue for positive, red for negative."""
    return WEIGHT_NEGATIVE if x < 0 else WEIGHT_POSITIVE


def _legend_table(title: str, rows: list[tuple[str, str]]) -> dot.Html:
    cells = "".join(f'<tr><td bgcolor="{color}">{dot.html(text)}</td></tr>' for text, color in rows)
    return dot.Html(
        '<table border="0" cellborder="1" cellspacing="0" cellpadding="3">'
        f"<tr><td><b>{dot.html(title)}</b></td></tr>{cells}</table>"
    )


def role_legend(roles: list[str]) -> str:
    """A DOT node statement: the legend of the role colours in `roles`."""
    rows = [(role, ROLE_COLORS[role]) for role in roles]
    return dot.node("legend", shape="plain", fontsize=9, label=_legend_table("role", rows))


def grad_legend(largest: float, precision: int) -> str:
    """A DOT node statement: the gradient scale from −largest to +largest."""
    steps = (-1.0, -0.25, 0.0, 0.25, 1.0)
    rows = [
        (f"grad {dot.number(s * largest, precision)}", grad_color(s * largest, largest))
        for s in reversed(steps)
    ]
    return dot.node("legend", shape="plain", fontsize=9, label=_legend_table("gradient", rows))
