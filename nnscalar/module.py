"""`Module`: what every model has in common, for `Neuron`, `Layer`, `MLP` and a model of your own.

A module's parameters are found in its public attributes, in the order they were set: a leaf
Value is a parameter, a Module a part whose parameters follow, and a list or tuple holds either.
Computed Values (nodes with parents) are not parameters; keep other Values under `_names`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from .core import Value
from .errors import ConfigError, ModelFileError, NNScalarError
from .files import write_atomic

__all__ = ["WEIGHTS_FORMAT", "Module"]

WEIGHTS_FORMAT = "nnscalar-weights"


class Module:
    """A model made of parameters and parts. From here: `parameters()`, `zero_grad()`,
    `num_parameters()`, `named_parameters()`, `state_dict()`/`load_state_dict()`, and the save
    and load hooks `save_weights(path)`/`load_weights(path)`.

    >>> class Line(Module):
    ...     def __init__(self):
    ...         self.w, self.b = Value(2.0, label="w"), Value(0.5, label="b")
    >>> Line().num_parameters(), [name for name, _ in Line().named_parameters()]
    (2, ['w', 'b'])
    """

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Every parameter once, in attribute order: (its label, else the attribute path it was
        found under such as `hidden.w` or `weights.0`, the Value)."""
        found: dict[Value, str] = {}
        for name, item in _public(self):
            for path, p in _parameters_in(name, item):
                found.setdefault(p, path)
        return [(path, p) for p, path in found.items()]

    def parameters(self) -> list[Value]:
        """Every parameter once, in the order `named_parameters` gives."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0."""
        for p in self.parameters():
            p.grad = 0.0

    def num_parameters(self) -> int:
        """How many numbers this model learns."""
        return len(self.parameters())

    def state_dict(self) -> dict[str, float]:
        """The parameters' values by name: what a save hook writes."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, values: Mapping[str, float]) -> None:
        """Set every parameter's value from `values` (as `state_dict` gives them); the names must
        match exactly, and nothing is set unless all of them do."""
        names = [name for name, _ in self.named_parameters()]
        missing = [n for n in names if n not in values]
        extra = [n for n in values if n not in set(names)]
        if missing or extra:
            problem = f"missing {missing[:3]}" if missing else f"unknown {extra[:3]}"
            raise ConfigError(
                f"{type(self).__name__}.load_state_dict: {problem}; expected the names "
                f"{', '.join(names[:5])}{', …' if len(names) > 5 else ''}"
            )
        checked = [Value(values[name], label=name).data for name in names]
        for (_, p), x in zip(self.named_parameters(), checked):
            p.data = x

    def save_weights(self, path: str | Path) -> None:
        """Write `state_dict()` to `path` as JSON, atomically (the model's code stays yours)."""
        text = json.dumps({"format": WEIGHTS_FORMAT, "weights": self.state_dict()}, indent=2)
        try:
            write_atomic(path, text + "\n")
        except OSError as exc:
            raise ModelFileError(
                f"cannot write weights file {str(path)!r}: {exc.strerror}"
            ) from exc

    def load_weights(self, path: str | Path) -> None:
        """Set the parameters from a file `save_weights` wrote; a bad file is a ModelFileError."""
        name = repr(str(path))
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ModelFileError(f"cannot read weights file {name}: {exc.strerror}") from exc
        except ValueError as exc:  # not UTF-8, or not JSON
            raise ModelFileError(f"weights file {name} is not JSON: {exc}") from None
        if not isinstance(document, dict) or document.get("format") != WEIGHTS_FORMAT:
            raise ModelFileError(f"{name} is not a weights file (format {WEIGHTS_FORMAT!r})")
        weights = document.get("weights")
        if not isinstance(weights, dict):
            raise ModelFileError(f"weights file {name} has no 'weights' object")
        try:
            self.load_state_dict(weights)
        except NNScalarError as exc:
            raise ModelFileError(f"weights file {name}: {exc}") from None

    def __rich__(self) -> Any:
        from rich.tree import Tree

        tree = Tree(f"[bold]{type(self).__name__}[/]  ({self.num_parameters()} parameters)")
        for name, p in self.named_parameters():
            tree.add(f"[bold]{name}[/] = {p.data:.4f}  [dim]grad[/] {p.grad:.4f}")
        return tree


def _public(module: Module) -> Iterator[tuple[str, Any]]:
    for name, item in vars(module).items():
        if not name.startswith("_"):
            yield name, item


def _parameters_in(name: str, item: Any) -> Iterator[tuple[str, Value]]:
    if isinstance(item, Module):
        for path, p in item.named_parameters():
            yield (path if p.label else f"{name}.{path}"), p
    elif isinstance(item, Value):
        if not item.parents:
            yield item.label or name, item
    elif isinstance(item, (list, tuple)):
        for i, x in enumerate(item):
            yield from _parameters_in(f"{name}.{i}", x)
    elif isinstance(item, dict):
        for key, x in item.items():
            yield from _parameters_in(f"{name}.{key}", x)
