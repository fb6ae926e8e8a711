"""The exercise record and the result of checking an answer, part by part.

An exercise is data plus small functions of the variant's seed: its statement, hints, reference
solution and a checker that explains each wrong part (which node, expected vs given, and why).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Union

__all__ = ["Answer", "CheckResult", "Exercise", "Part", "close", "number_part"]

# A numbers exercise is answered by `name → number`; a code exercise by Python source text.
Answer = Union[dict[str, float], str]

# Two numbers agree when they match to this relative (or absolute, near 0) tolerance: a student
# who rounds to 4 significant figures passes, one who slips a factor does not.
RTOL = 1e-3
ATOL = 1e-4


def close(given: float, expected: float, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """True when `given` matches `expected` to the tolerance a hand computation deserves."""
    return math.isfinite(given) and abs(given - expected) <= atol + rtol * abs(expected)


@dataclass(frozen=True)
class Part:
    """One checked part of an answer: its name, whether it passed, and a message saying why."""

    name: str
    ok: bool
    message: str
    expected: float | None = None
    given: float | None = None


@dataclass(frozen=True)
class CheckResult:
    """All parts of one answer to one exercise; `error` is set when the answer could not run."""

    exercise: str
    parts: tuple[Part, ...] = ()
    error: str = ""
    output: str = ""  # what the student's code printed
    note: str = ""  # advice that is not a part, e.g. names given that were not asked for

    @property
    def passed(self) -> bool:
        """True when the answer ran and every part passed."""
        return not self.error and bool(self.parts) and all(p.ok for p in self.parts)

    @property
    def score(self) -> int:
        """The number of parts that passed (0 when the answer could not run)."""
        return 0 if self.error else sum(p.ok for p in self.parts)

    @property
    def max_score(self) -> int:
        """The number of parts (at least 1, so an answer that crashed still counts as one)."""
        return max(1, len(self.parts))

    def __str__(self) -> str:
        lines = [
            f"{self.exercise}: {'passed' if self.passed else 'not yet'} "
            f"({self.score}/{self.max_score})"
        ]
        if self.error:
            lines.append("  ERROR " + self.error.replace("\n", "\n        "))
        for p in self.parts:
            lines.append(f"  {'ok  ' if p.ok else 'FAIL'} {p.name}: {p.message}")
        if self.note:
            lines.append(f"  note: {self.note}")
        if self.output:
            lines.append("  output of your code:")
            lines.extend("    " + line for line in self.output.splitlines())
        return "\n".join(lines)

    def __repr__(self) -> str:  # a notebook's check cell shows the report itself
        return str(self)

    def __rich__(self) -> object:
        from rich.console import Group
        from rich.markup import escape
        from rich.table import Table
        from rich.text import Text

        color = "green" if self.passed else "red"
        title = Text(
            f"{self.exercise}: {'passed' if self.passed else 'not yet'} "
            f"({self.score}/{self.max_score})",
            style=f"bold {color}",
        )
        items: list[object] = [title]
        if self.error:
            items.append(Text("ERROR " + self.error, style="red"))
        if self.parts:
            table = Table(show_header=True, header_style="bold", expand=False)
            for name in ("", "part", "why"):
                table.add_column(name)
            for p in self.parts:
                mark = "[green]✓[/]" if p.ok else "[red]✗[/]"
                table.add_row(mark, escape(p.name), escape(p.message))
            items.append(table)
        if self.note:
            items.append(Text("note: " + self.note, style="yellow"))
        if self.output:
            items.append(Text("output of your code:\n" + self.output, style="dim"))
        return Group(*items)


def number_part(name: str, given: object, expected: float, wrong: str = "") -> Part:
    """Compare one number; `wrong` is the explanation of a mistake when one was recognised."""
    if given is None:
        return Part(name, False, f"missing: give a number for {name}", expected, None)
    if isinstance(given, bool) or not isinstance(given, (int, float)):
        return Part(name, False, f"{given!r} is not a number", expected, None)
    value = float(given)
    if close(value, expected):
        return Part(name, True, f"{_fmt(value)} is right", expected, value)
    why = f"expected {_fmt(expected)}, given {_fmt(value)}"
    return Part(name, False, f"{why}: {wrong}" if wrong else why, expected, value)


def _fmt(x: float) -> str:
    return f"{x:.6g}"


@dataclass(frozen=True)
class Exercise:
    """One exercise. Every function takes the variant's seed, so one seed is one exercise.

    `check(answer, seed)` gets the named numbers (or, for a code exercise, what `probe` returned).
    A code exercise's `probe(namespace, inputs)` runs in the sandbox on `inputs(seed)`, plain JSON
    computed by the grader: nothing the student must not see (held-out labels, the answer) goes
    there. Without `inputs` the probe gets the seed itself (the child can then derive the variant).
    """

    id: str
    title: str
    concept: str
    statement: Callable[[int], str]
    solution: Callable[[int], Answer]
    check: Callable[[Mapping[str, Any], int], CheckResult]
    hints: tuple[str, ...] = ()
    graph: Callable[[int], Any] | None = None
    worked: Callable[[int], str] | None = None
    # Code exercises: runs in the sandbox on the student's names, returns plain JSON data.
    probe: Callable[[Mapping[str, Any], Any], dict[str, Any]] | None = None
    inputs: Callable[[int], Any] | None = None  # what the probe is given (JSON), from the seed
    functions: tuple[str, ...] = ()  # what a code answer defines, e.g. ("local_derivative",)
    template: str = ""  # the code a student starts from
    time_limit: float = 5.0

    @property
    def kind(self) -> str:
        """'numbers' (answered by `name = number` lines) or 'code' (answered by a Python file)."""
        return "numbers" if self.probe is None else "code"

    def probe_input(self, seed: int) -> Any:
        """What the sandboxed probe is given for `seed`: `inputs(seed)`, else the seed."""
        return self.inputs(seed) if self.inputs is not None else seed

    def names(self, seed: int) -> tuple[str, ...]:
        """The names a numbers answer must give, in order (empty for a code exercise)."""
        solution = self.solution(seed)
        return tuple(solution) if isinstance(solution, dict) else ()
