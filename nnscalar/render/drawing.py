"""`Drawing`: DOT text that knows how to become SVG, PNG or PDF, and shows itself in Jupyter."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import RenderError
from ..files import write_atomic
from .renderer import FORMATS, render, render_svg

__all__ = ["Drawing", "write_file"]


class Drawing:
    """A picture as DOT text (`.dot`); `.svg()` and `.save()` run a renderer only when asked."""

    def __init__(self, dot: str) -> None:
        self.dot = dot
        self._svg: str | None = None

    def __repr__(self) -> str:
        return f"<Drawing: {self.dot.count(chr(10))} lines of DOT; .svg() or .save(path)>"

    def svg(self) -> str:
        """The picture as SVG text (rendered once, then kept)."""
        if self._svg is None:
            self._svg = render_svg(self.dot)
        return self._svg

    def _repr_svg_(self) -> str:
        return self.svg()

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the picture to `path`, in the format its extension names (.svg .png .pdf .dot)."""
        target = Path(path)
        fmt = target.suffix.lower().lstrip(".")
        if fmt == "dot":
            content = self.dot.encode()
        elif fmt == "svg":
            content = self.svg().encode()
        elif fmt in FORMATS:
            content = render(self.dot, fmt)
        else:
            raise RenderError(
                f"cannot tell the format of {str(target)!r} from its extension; "
                "valid: .svg, .png, .pdf, .dot"
            )
        return write_file(target, content)


def write_file(target: Path, content: bytes) -> Path:
    """Write `content` to `target`; a folder that is missing or not writable is a `RenderError`."""
    try:
        write_atomic(target, content)
    except OSError as exc:
        raise RenderError(
            f"cannot write {str(target)!r}: {exc.strerror or exc}; "
            "valid: a path in an existing folder you can write to"
        ) from None
    return target
