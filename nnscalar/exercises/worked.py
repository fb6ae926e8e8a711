"""Worked solutions for the answer key, written from the explainer's forward and backward steps."""

from __future__ import annotations

from ..core import Value
from ..explain import steps

__all__ = ["explained"]


def explained(root: Value) -> str:
    """The forward pass and every chain-rule step of `root`'s backward pass, one per line."""
    records = steps(root)  # one pass over one topological order
    lines = ["Forward:"]
    lines += ["  " + step.text for step in records.forward]
    lines.append("Backward (the chain rule, node by node from the output):")
    for step in records.backward:
        for term in step.terms:
            line = f"  {term.chain_text}    [{term.local_text}]"
            if term.grad_before:  # a node used twice: the paths add up
                line += f"; {term.update_text}"
            lines.append(line)
    return "\n".join(lines)
