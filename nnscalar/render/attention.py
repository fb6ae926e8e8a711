"""`draw_attention`: one attention head at one position, each step of it one labelled box.

The graph comes from `nnscalar.transformer.attention_graph`; its groups (the inputs x, the
weights, the query, each key and value, each score q·k/√d, the softmax, the weighted sum) are
boxes showing their numbers, or, with `collapse=False`, clusters of the scalar nodes inside.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from ..core import Value
from ..errors import ConfigError
from ..transformer import AttentionGraph
from .drawing import Drawing
from .graph import MAX_NODES, draw

__all__ = ["computing_groups", "draw_attention", "group_names"]

_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


def draw_attention(
    graph: AttentionGraph,
    collapse: bool = True,
    expand: Iterable[str] = (),
    rankdir: str = "LR",
    show_grad: bool = True,
    precision: int = 3,
    max_nodes: int = MAX_NODES,
) -> Drawing:
    """The head's graph: one box per group (collapsed, the default; the groups named in `expand`
    open), or with `collapse=False` every scalar node of the head's computation, clustered by
    group, its inputs and weights still boxes unless `expand` names them. Numbers are in their
    sign's colour, blue > 0, red < 0."""
    opened = group_names(graph, expand)
    if not collapse:
        opened |= computing_groups(graph.groups)
    return draw(
        graph.root,
        rankdir=rankdir,
        show_grad=show_grad,
        collapse=True,
        expand=opened,
        precision=precision,
        max_nodes=max_nodes,
        groups=graph.groups,
        notes=graph.notes,
    )


def computing_groups(groups: Mapping[Value, str]) -> set[str]:
    """The groups that compute something (open when expanded); the inputs and weights, only
    leaves, stay boxes."""
    return {group for node, group in groups.items() if node.parents}


def group_names(graph: AttentionGraph, names: Iterable[str]) -> set[str]:
    """The groups `names` names, each as written (`score₃₂`, `q₃/√4`) or typed (`score32`, `q3`)."""
    typed = {re.sub(r"/√\d+$", "", group.translate(_DIGITS)): group for group in graph.notes}
    known = {**typed, **{group: group for group in graph.notes}}
    found = set()
    for name in names:
        if name.strip() not in known:
            raise ConfigError(
                f"expand: {name!r} is not a group of this graph; valid: {', '.join(typed)}"
            )
        found.add(known[name.strip()])
    return found
