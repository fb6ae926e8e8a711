"""DOT text as data: escaping, number formatting and the `digraph` wrapper, no binary needed.

Labels are HTML-like (`<...>`), so every user text goes through `html`, which makes quotes,
`<`, `>`, `&` and backslashes inert.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

FONT = "Helvetica"

_HTML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\\": "&#92;"}
_HTML_SPECIAL = re.compile(r'[&<>"\\]')


def html(text: object) -> str:
    """`text` safe inside an HTML-like DOT label (or a quoted attribute)."""
    return _HTML_SPECIAL.sub(lambda m: _HTML_ESCAPES[m.group()], str(text))


def number(x: float, precision: int) -> str:
    """`x` to `precision` significant digits, as a reader writes it (`-0` shows as `0`)."""
    text = f"{x:.{precision}g}"
    return "0" if text == "-0" else text


class Html(str):
    """An HTML-like label body, already escaped: written as `<...>` instead of a quoted string."""


def value(v: object) -> str:
    """One attribute value: `<...>` for `Html`, otherwise a quoted, escaped string."""
    return f"<{v}>" if isinstance(v, Html) else f'"{html(v)}"'


def attrs(**values: object) -> str:
    """A DOT attribute list such as ` [shape="box", label=<...>]` (empty when no values)."""
    parts = [f"{key}={value(v)}" for key, v in values.items()]
    return f" [{', '.join(parts)}]" if parts else ""


def node(name: str, **values: object) -> str:
    """One DOT node statement."""
    return f"{name}{attrs(**values)};"


def edge(tail: str, head: str, **values: object) -> str:
    """One DOT edge statement."""
    return f"{tail} -> {head}{attrs(**values)};"


def cluster(name: str, label: str, body: Iterable[str], **values: object) -> list[str]:
    """A `subgraph cluster_…` block labelled `label` holding the statements `body`."""
    lines = [f"subgraph cluster_{name} {{", f"  label={value(label)};"]
    lines += [f"  {key}={value(v)};" for key, v in values.items()]
    lines += [f"  {line}" for line in body]
    lines.append("}")
    return lines


def digraph(body: Iterable[str], rankdir: str = "LR", **graph: object) -> str:
    """The whole DOT text: graph, node and edge defaults, then the statements `body`."""
    lines = [
        "digraph nnscalar {",
        f"  graph{attrs(rankdir=rankdir, fontname=FONT, **graph)};",
        f"  node{attrs(fontname=FONT, fontsize=11)};",
        f"  edge{attrs(fontname=FONT, fontsize=9, color='#555555', arrowsize=0.7)};",
    ]
    lines += [f"  {line}" for line in body]
    lines.append("}")
    return "\n".join(lines) + "\n"
