"""The exercise record and the result of checking an answer, part by part.

An exercise is data plus small functions of the variant's seed: its statement, hints, reference
solution and a checker that explains each wrong part (which node, expected vs given, and why).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    from .worked import Worked

__all__ = [
    "SIG_FIGS",
    "Answer",
    "CheckResult",
    "Exercise",
    "Part",
    "close",
    "number_part",
    "precision_note",
]

# A numbers exercise is answered by `name → number`; a code exercise by Python source text.
Answer = Union[dict[str, float], str]

# The one rule of every check (and of the quiz): an answer is right when it agrees with the exact
# value to SIG_FIGS significant figures, i.e. within one unit of the SIG_FIGS-th figure, relative
# to the exact value (RTOL = 10^(1 − SIG_FIGS)). A number rounded to 4 figures is at most half a
# unit off, so a rounded answer, even one rounded once more on the way, passes; a sign, a factor
# 2 or a 1 % slip fails at every size. Only where the exact value is 0 is there an absolute
# floor (ZERO_FLOOR): no relative error can be taken of 0.
SIG_FIGS = 4
RTOL = 10.0 ** (1 - SIG_FIGS)
ZERO_FLOOR = 1e-9  # |answer| allowed where the exact value is 0 (floating-point dust)
_ZERO = 1e-12  # an exact value this small is 0 computed in floating point


def close(given: float, expected: float, rtol: float = RTOL, atol: float = 0.0) -> bool:
    """True when `given` agrees with `expected` to `rtol` relative (SIG_FIGS significant figures);
    where `expected` is 0, when |given| is at most ZERO_FLOOR. `atol` (0: none) is for a
    teacher's exercise that wants an absolute allowance of its own."""
    if not math.isfinite(given):
        return False
    if abs(expected) <= _ZERO:
        return abs(given) <= max(ZERO_FLOOR, atol)
    return abs(given - expected) <= atol + rtol * abs(expected)


def precision_note(figures: int = SIG_FIGS) -> str:
    """What a numbers exercise asks of the precision of its answers, as its statement says it."""
    return (
        f"Give each number to {figures} significant figures (e.g. 0.004675, 1.250, −23.48), or "
        f"exactly as arithmetic (`1 - 0.9977**2`); an answer worked out from your own rounded "
        f"earlier answers, as the hints do, counts."
    )


@dataclass(frozen=True)
class Part:
    """One checked part of an answer: its name, whether it passed, and a message saying why."""

    name: str
    ok: bool
    message: str
    expected: float | None = None
    given: float | None = None
    answered: bool = True  # False: left blank (`?`), counted apart from wrong answers


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

    def __bool__(self) -> bool:  # `assert check(5, answer)` fails when the answer does
        return self.passed

    @property
    def unanswered(self) -> int:
        """How many parts were left blank (`?` or nothing): not errors, just not done."""
        return sum(not p.answered for p in self.parts)

    @property
    def score(self) -> int:
        """The number of parts that passed (0 when the answer could not run)."""
        return 0 if self.error else sum(p.ok for p in self.parts)

    @property
    def max_score(self) -> int:
        """The number of parts (at least 1, so an answer that crashed still counts as one)."""
        return max(1, len(self.parts))

    def _title(self) -> str:
        blank = f", {self.unanswered} not answered" if self.unanswered else ""
        state = "passed" if self.passed else "not yet"
        return f"{self.exercise}: {state} ({self.score}/{self.max_score}{blank})"

    def __str__(self) -> str:
        lines = [self._title()]
        if self.error:
            lines.append("  ERROR " + self.error.replace("\n", "\n        "))
        for p in self.parts:
            mark = "ok  " if p.ok else "FAIL" if p.answered else "?   "
            lines.append(f"  {mark} {p.name}: {p.message}")
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
        title = Text(self._title(), style=f"bold {color}")
        items: list[object] = [title]
        if self.error:
            items.append(Text("ERROR " + self.error, style="red"))
        if self.parts:
            table = Table(show_header=True, header_style="bold", expand=False)
            for name in ("", "part", "why"):
                table.add_column(name)
            for p in self.parts:
                mark = "[green]✓[/]" if p.ok else "[red]✗[/]" if p.answered else "[yellow]?[/]"
                table.add_row(mark, escape(p.name), escape(p.message))
            items.append(table)
        if self.note:
            items.append(Text("note: " + self.note, style="yellow"))
        if self.output:
            items.append(Text("output of your code:\n" + self.output, style="dim"))
        return Group(*items)


def number_part(
    name: str,
    given: object,
    expected: float,
    wrong: str = "",
    chained: tuple[float, str] | None = None,
) -> Part:
    """Compare one number; `wrong` is the explanation of a mistake when one was recognised.

    `chained` is (value, how): the value the hint's formula gives from the student's own earlier
    answers (which passed), e.g. `(1 - 0.9977**2, "from your out = 0.9977")`; agreeing with it
    counts too, since it is the exact value up to the rounding the earlier answers were allowed.
    """
    if given is None:
        return Part(name, False, f"not answered: give a number for {name}", expected, None, False)
    if isinstance(given, bool) or not isinstance(given, (int, float)):
        return Part(name, False, f"{given!r} is not a number", expected, None)
    value = float(given)
    if close(value, expected):
        return Part(name, True, f"{_fmt(value)} is right", expected, value)
    if chained is not None and close(value, chained[0]):
        message = f"{_fmt(value)} is right {chained[1]} (exactly: {_fmt(expected)})"
        return Part(name, True, message, expected, value)
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
    worked: Callable[[int], Worked | str] | None = None  # a key's worked solution (`board`)
    # Code exercises: runs in the sandbox on the student's names, returns plain JSON data.
    probe: Callable[[Mapping[str, Any], Any], dict[str, Any]] | None = None
    inputs: Callable[[int], Any] | None = None  # what the probe is given (JSON), from the seed
    functions: tuple[str, ...] = ()  # what a code answer defines, e.g. ("local_derivative",)
    template: str = ""  # the code a student starts from
    time_limit: float = 5.0
    figures: int = SIG_FIGS  # the significant figures a numbers answer is asked for

    def stated(self, seed: int) -> str:
        """The statement with, for a numbers exercise, the precision it asks for."""
        text = self.statement(seed)
        return text if self.kind == "code" else f"{text}\n\n*{precision_note(self.figures)}*"

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
