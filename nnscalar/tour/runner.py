"""A tour section as data, and running it: the code shown is the code executed.

A section's `code` is a self-contained Python snippet. `run_section` executes it in a fresh
namespace, captures what it prints, and reads the names the section lists as its numbers and its
pictures from that namespace, so the output, numbers and pictures all come from that one run.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .pictures import Picture

from ..errors import ConfigError

__all__ = ["Section", "SectionResult", "find_section", "run_section"]


@dataclass(frozen=True)
class Section:
    """One concept: its number and name, prose, the code that shows it and what that code yields.

    `numbers` and `pictures` name variables the code defines; `captions` are the pictures'.
    """

    number: int
    name: str
    title: str
    concept: str
    code: str
    numbers: tuple[str, ...] = ()
    pictures: tuple[str, ...] = ()
    captions: tuple[str, ...] = ()


@dataclass(frozen=True)
class SectionResult:
    """What running a section gave: its printed output, its named numbers and its pictures."""

    section: Section
    output: str
    numbers: dict[str, object] = field(default_factory=dict)
    pictures: tuple[Picture, ...] = ()


def run_section(section: Section) -> SectionResult:
    """Execute the section's code in a fresh namespace and collect its output, numbers, pictures."""
    namespace: dict[str, object] = {"__name__": f"nnscalar_tour_{section.number}"}
    buffer = io.StringIO()
    code = compile(section.code, f"<tour section {section.number}: {section.name}>", "exec")
    with contextlib.redirect_stdout(buffer):
        exec(code, namespace)
    numbers = {name: namespace[name] for name in section.numbers}
    from .pictures import as_picture  # matplotlib: loaded only when a section runs

    pictures = tuple(
        as_picture(namespace[var], f"{section.number:02d}-{section.name}-{var}", caption)
        for var, caption in zip(section.pictures, section.captions, strict=True)
    )
    return SectionResult(section, buffer.getvalue(), numbers, pictures)


def find_section(sections: Sequence[Section], key: str | int) -> Section:
    """The section numbered `key` (1-based, an int or digits) or named `key` ("weights", "bias")."""
    text = str(key).strip().lower().replace(" ", "-").replace("_", "-")
    for section in sections:
        if text in (str(section.number), section.name, section.title.lower().replace(" ", "-")):
            return section
    names = ", ".join(f"{s.number} {s.name}" for s in sections)
    raise ConfigError(f"no tour section {key!r}; valid: a number or a name — {names}")
