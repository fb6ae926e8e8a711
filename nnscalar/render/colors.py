"""Colours of the pictures: one per role of a node, and one sign convention for every number.

Everywhere (graph, network, neuron, step page, decision boundary): blue is positive, red is
negative — a weight, a gradient, a class ±1. Each picture that colours by sign carries a legend
whose title is `SIGN_TITLE`.
"""

from __future__ import annotations

from . import dot

__all__ = [
    "NEGATIVE_HEX",
    "POSITIVE_HEX",
    "ROLE_COLORS",
    "SIGN_TITLE",
    "grad_color",
    "grad_legend",
    "role_legend",
    "sign_color",
    "sign_legend",
]

ROLE_COLORS = {
    "input": "#d6e6f5",
    "parameter": "#fde0c2",
    "intermediate": "#ffffff",
    "output": "#d4efd4",
    "neuron": "#e8dff2",
}
CONSTANT_COLOR = "#f4f4f4"
HIGHLIGHT = "#ff7f0e"
POSITIVE_HEX = "#2166ac"  # blue: a positive weight; a gradient: raising this raises the output
NEGATIVE_HEX = "#d6604d"  # red: a negative one
POSITIVE = (0x21, 0x66, 0xAC)
NEGATIVE = (0xD6, 0x60, 0x4D)
SIGN_TITLE = "blue > 0 · red < 0"


def _blend(rgb: tuple[int, int, int], amount: float) -> str:
    r, g, b = (round(255 + (c - 255) * amount) for c in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


def grad_color(grad: float, largest: float) -> str:
    """Blue for a positive gradient, red for a negative one, white where it vanishes.

    The square root of |grad| / largest sets the depth, so small gradients still show; the
    deepest tone stops at 80 % so black text stays readable on it.
    """
    if largest == 0.0 or grad == 0.0:
        return "#ffffff"
    depth = 0.8 * min(1.0, abs(grad) / largest) ** 0.5
    return _blend(POSITIVE if grad > 0 else NEGATIVE, depth)


def sign_color(x: float) -> str:
    """The colour of a number's sign (a weight's edge): blue for positive, red for negative."""
    return NEGATIVE_HEX if x < 0 else POSITIVE_HEX


def _legend_table(title: str, rows: list[tuple[str, str | None]]) -> dot.Html:
    """A legend: a bold title cell over one cell per row, (HTML-like text, fill colour or None)."""
    cells = "".join(
        f'<tr><td bgcolor="{fill}">{text}</td></tr>' if fill else f"<tr><td>{text}</td></tr>"
        for text, fill in rows
    )
    return dot.Html(
        '<table border="0" cellborder="1" cellspacing="0" cellpadding="3">'
        f"<tr><td><b>{dot.html(title)}</b></td></tr>{cells}</table>"
    )


def role_legend(roles: list[str]) -> str:
    """A DOT node statement: the legend of the role colours in `roles`."""
    table = _legend_table("role", [(dot.html(role), ROLE_COLORS[role]) for role in roles])
    return dot.node("legend", shape="plain", fontsize=9, label=table)


def grad_legend(largest: float, precision: int) -> str:
    """A DOT node statement: the gradient scale from +largest down to −largest."""
    rows = [
        (f"grad {dot.number(s * largest, precision)}", grad_color(s * largest, largest))
        for s in (1.0, 0.25, 0.0, -0.25, -1.0)
    ]
    table = _legend_table(f"gradient: {SIGN_TITLE}", rows)
    return dot.node("legend", shape="plain", fontsize=9, label=table)


def sign_legend(subject: str, notes: tuple[str, ...] = (), **attrs: object) -> str:
    """A DOT node statement: a line in each sign colour for `subject` ("weight"), then notes."""
    rows: list[tuple[str, str | None]] = [
        (f'<font color="{color}"><b>———</b></font>&#160;&#160; {dot.html(subject)} {sign}', None)
        for color, sign in ((POSITIVE_HEX, "&gt; 0"), (NEGATIVE_HEX, "&lt; 0"))
    ]
    rows += [(dot.html(note), None) for note in notes]
    table = _legend_table(f"{subject}: {SIGN_TITLE}", rows)
    return dot.node("legend", shape="plain", style="", fontsize=9, label=table, **attrs)
