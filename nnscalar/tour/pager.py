"""The tour in a terminal: each section as rich text, and a pager (Enter next, p previous, q quit).

Keys are read through a function (`input` by default), so a test can drive the pager with a
script of answers; sections run the first time they are shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from rich.console import Console, Group
from rich.markdown import Markdown
from rich.panel import Panel
from rich.rule import Rule
from rich.syntax import Syntax
from rich.text import Text

from .runner import Section, SectionResult, run_section
from .sections import CLOSING

__all__ = ["PROMPT", "page", "save_pictures", "show_section"]

PROMPT = "[Enter] next · p previous · q quit › "


def save_pictures(result: SectionResult, out: str | Path) -> list[Path]:
    """Write the section's pictures into `out` and return their paths."""
    return [picture.save(out) for picture in result.pictures]


def show_section(
    console: Console, result: SectionResult, total: int, paths: Sequence[Path] = ()
) -> None:
    """Print one section: title, concept, the code that ran, what it printed, its pictures."""
    section = result.section
    console.print(Rule(Text(f"{section.number}/{total}  {section.title}", style="bold")))
    console.print(Markdown(section.concept))
    console.print(
        Panel(
            Syntax(section.code.rstrip("\n"), "python", word_wrap=True),
            title="code",
            title_align="left",
        )
    )
    console.print(Panel(Text(result.output.rstrip("\n")), title="output", title_align="left"))
    lines = [
        Text.assemble("picture: ", (str(path), "bold"), f"  {picture.caption}")
        for path, picture in zip(paths, result.pictures)
    ]
    if result.pictures and not paths:
        count = len(result.pictures)
        lines.append(
            Text(
                f"{count} picture{'s' if count > 1 else ''} ({result.pictures[0].caption}): "
                "--out DIR saves them, --html FILE shows them in a page",
                style="dim",
            )
        )
    if lines:
        console.print(Group(*lines))


def page(
    sections: Sequence[Section],
    console: Console,
    read: Callable[[str], str] = input,
    out: str | Path | None = None,
) -> list[int]:
    """Show `sections` one at a time until q or past the last; returns the numbers shown, in order.

    Enter (or n) goes to the next section, p to the previous one, q (or end of input) quits.
    """
    results: dict[int, SectionResult] = {}
    paths: dict[int, list[Path]] = {}
    shown: list[int] = []
    i = 0
    while 0 <= i < len(sections):
        if i not in results:
            results[i] = run_section(sections[i])
            paths[i] = save_pictures(results[i], out) if out is not None else []
        show_section(console, results[i], len(sections), paths[i])
        shown.append(sections[i].number)
        key = _key(read)
        while key not in ("", "n", "p", "q"):
            console.print(f"[dim]unknown key {key!r}: Enter, p or q[/]")
            key = _key(read)
        if key == "q":
            break
        i = max(i - 1, 0) if key == "p" else i + 1
    if i == len(sections) and len(sections) > 1:
        console.print(Text(CLOSING, style="bold"))
    return shown


def _key(read: Callable[[str], str]) -> str:
    try:
        return read(PROMPT).strip().lower()
    except EOFError:
        return "q"
