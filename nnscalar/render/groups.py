"""Which neuron a node belongs to, read from the stable labels nn gives (`L1.N3.w2`, `L1.N3.out`).

Labelled nodes name their neuron; an unlabelled intermediate (a product `w·x` of an unfused
neuron) belongs to the neuron of the node that consumes it. Nothing here depends on nn itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core import Value

__all__ = ["PARAMETER_LABEL", "layer_and_neuron", "neuron_groups"]

NEURON_LABEL = re.compile(r"^(L(\d+)\.N(\d+))\.")
PARAMETER_LABEL = re.compile(r"^L\d+\.N\d+\.(w\d+|b)$")


def layer_and_neuron(name: str) -> tuple[int, int]:
    """(3, 2) for the neuron name `L3.N2`: the key that sorts neurons as a reader counts them."""
    layer, neuron = name[1:].split(".N")
    return int(layer), int(neuron)


def neuron_groups(order: Sequence[Value]) -> dict[Value, str]:
    """Each node of `order` (topological, root last) that is part of a neuron → `L1.N3`."""
    groups: dict[Value, str] = {}
    for node in order:
        match = NEURON_LABEL.match(node.label)
        if match:
            groups[node] = match.group(1)
    for node in reversed(order):  # consumers first, so a group flows down to its parts
        name = groups.get(node)
        if name is None:
            continue
        for parent in node.parents:
            if parent not in groups and parent.parents and not parent.label:
                groups[parent] = name
    return groups
