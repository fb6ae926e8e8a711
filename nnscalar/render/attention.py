"""`draw_attention`: one attention head at one position, each step of it one labelled box.

The graph comes from `nnscalar.transformer.attention_graph`; its groups (the inputs x, the
weights, the query, each key and value, each score q·k/√d, the softmax, the weighted sum) are
boxes showing their numbers, or, with `collapse=False`, clusters of the scalar nodes inside.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import ConfigError
from ..transformer import AttentionGraph
from .drawing import Drawing
from .graph import MAX_NODES, draw

__all__ = ["draw_attention"]


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
    opened = set(expand)
    unknown = sorted(opened.difference(graph.notes))
    if unknown:
        raise ConfigError(
            f"expand: {unknown[0]!r} is not a group of this graph; valid: {', '.join(graph.notes)}"
        )
    if not collapse:  # every group that computes something; the inputs and weights stay boxes
        opened.update(group for node, group in graph.groups.items() if node.parents)
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
