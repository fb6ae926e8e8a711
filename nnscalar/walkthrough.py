"""The terminal walkthrough: the forward table, then backward() one step at a time, or a quiz.

Everything prints to a `rich` console and reads through `ask(prompt) -> str` (`input` by
default), so a test or a notebook can drive it. Built on the records of `nnscalar.explain`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .core import Value
from .errors import DomainError, ParseError
from .explain import BackwardStep, ForwardStep, number, replay, steps
from .expr import parse
from .foreign import as_value

__all__ = ["Score", "Walkthrough", "agrees"]

Ask = Callable[[str], str]
KEYS = "Enter or n: next · p: previous · q: quit"


def agrees(guess: float, answer: float, tolerance: float) -> bool:
    """The quiz's rule: `guess` within `tolerance` of `answer`, relative; where `answer` is
    exactly 0, |guess| ≤ 1e-9 (no relative error can be taken of 0)."""
    if answer == 0:
        return abs(guess) <= 1e-9
    return abs(guess - answer) <= tolerance * abs(answer)


@dataclass(frozen=True)
class Score:
    """How a quiz went: answers checked, right answers, and whether the learner stopped early."""

    asked: int
    right: int
    finished: bool

    @property
    def text(self) -> str:
        """`Score: 5 of 7 right (71%)`."""
        percent = round(100 * self.right / self.asked) if self.asked else 0
        return f"Score: {self.right} of {self.asked} right ({percent}%)"


class Walkthrough:
    """One graph's backward pass, shown step by step on a `rich` console.

    `Walkthrough(parse("x*y").build({"x": 2.0, "y": 3.0})).browse()` pages through it.
    """

    def __init__(
        self, root: Value, console: Console | None = None, ask: Ask | None = None, title: str = ""
    ) -> None:
        self.console = console or Console()
        # Text, not markup: a prompt shows names as they are, with no styling
        self.ask: Ask = ask or (lambda prompt: self.console.input(Text(prompt)))
        self.title = title
        root = as_value(root)  # any Value-like graph: micrograd's, a student's own engine's
        records = steps(root)  # one pass over one topological order
        self.forward: list[ForwardStep] = records.forward
        self.steps: list[BackwardStep] = records.backward
        self.root_name = self.forward[-1].name

    # --- what is printed -------------------------------------------------------------------------

    def forward_table(self) -> Table:
        """Every node, leaves first: how the forward pass computed it."""
        title = f"Forward pass{': ' + self.title if self.title else ''}"
        table = Table(title=Text(title), title_justify="left", min_width=len(title))
        table.add_column("node", style="bold")
        table.add_column("computed as")
        table.add_column("with numbers")
        table.add_column("value", justify="right")
        for step in self.forward:
            table.add_row(
                Text(step.name),
                Text(step.formula or "leaf", "" if step.op else "dim"),
                Text(step.numbers),
                number(step.value),
            )
        return table

    def grads_table(self, count: int) -> Table:
        """The gradients d(root)/d(node) known after `count` backward steps (· for not yet)."""
        grads = replay(self.steps, count)
        current = self.steps[count - 1] if count else None
        updated = {term.parent for term in current.terms} if current else set()
        title = f"Gradients ∂{self.root_name}/∂node after {count} of {len(self.steps)} steps"
        table = Table(title=Text(title), title_justify="left", min_width=len(title))
        table.add_column("node", style="bold")
        table.add_column("computed as")
        table.add_column("value", justify="right")
        table.add_column("grad", justify="right")
        table.add_column("")
        for step in reversed(self.forward):
            grad = grads.get(step.node)
            if current is not None and step.node is current.node:
                note, style = "◀ this step", "bold yellow"
            elif step.node in updated:
                note, style = "updated", "green"
            else:
                note, style = "", ""
            table.add_row(
                Text(step.name),
                Text(step.formula or "leaf", "" if step.op else "dim"),
                number(step.value),
                "·" if grad is None else number(grad),
                note,
                style=style,
            )
        return table

    def step_panel(self, index: int, marks: dict[int, bool] | None = None) -> Panel:
        """Step `index`: the upstream gradient and, for each parent, the chain rule with numbers.

        `marks` (term index → right?) adds the quiz's ✓ and ✗.
        """
        step = self.steps[index]
        lines = [
            Text.assemble(
                ("upstream ", "dim"),
                f"∂{self.root_name}/∂{step.name} = ",
                (number(step.upstream), "bold"),
            )
        ]
        for i, term in enumerate(step.terms):
            mark = ""
            if marks is not None and i in marks:
                mark = " ✓" if marks[i] else " ✗"
            lines.append(
                Text.assemble(
                    ("\nto ", "dim"),
                    (term.parent_name, "bold cyan"),
                    (mark, "bold"),
                    ("\n  local     ", "dim"),
                    f"∂{step.name}/∂{term.parent_name}: {term.local_text}",
                    ("\n  chain     ", "dim"),
                    term.chain_text,
                    ("\n  gradient  ", "dim"),
                    (term.update_text, "green"),
                )
            )
        return Panel(
            Group(*lines),
            title=Text(f"Step {index + 1} of {len(self.steps)}: {step.forward}"),
            title_align="left",
            border_style="blue",
        )

    def start(self) -> bool:
        """The forward table and where backward() starts; False when there is no step to show."""
        self.console.print(self.forward_table())
        if not self.steps:
            self.console.print("The output is a leaf: there is nothing to propagate.")
            return False
        self.console.print(
            Text(
                f"Backward starts at the output: ∂{self.root_name}/∂{self.root_name} = "
                f"{number(self.steps[0].upstream)}; then each node, in reverse topological "
                "order, passes its gradient to its parents."
            )
        )
        return True

    def show_all(self) -> None:
        """Everything at once: the forward table, every step, the final gradients."""
        if not self.start():
            return
        for index in range(len(self.steps)):
            self.console.print(self.step_panel(index))
        self.console.print(self.grads_table(len(self.steps)))

    # --- interaction ----------------------------------------------------------------------------

    def _read(self, prompt: str) -> str | None:
        """One line from the learner, or None when the input ends."""
        try:
            return self.ask(prompt).strip()
        except EOFError:
            return None

    def browse(self) -> int:
        """Step forward and back (Enter/n, p, q); returns how many steps were shown at the end."""
        if not self.start():
            return 0
        # the forward table stays on screen until the learner has read it
        answer = self._read("Enter: start backward · q: quit › ")
        if answer is None or answer.lower() in ("q", "quit"):
            self.console.print("Stopped.")
            return 0
        index = 0
        while True:
            # the table first, so the step itself sits right above the prompt on a small screen
            self.console.print(self.grads_table(index + 1))
            self.console.print(self.step_panel(index))
            last = index == len(self.steps) - 1
            answer = self._read(f"{'last step · ' if last else ''}{KEYS} › ")
            if answer is None or answer.lower() in ("q", "quit"):
                self.console.print("Stopped.")
                return index + 1
            if answer.lower() in ("p", "prev", "previous"):
                if index == 0:
                    self.console.print("[dim]This is the first step.[/]")
                index = max(0, index - 1)
            elif answer.lower() in ("", "n", "next"):
                if last:
                    self.console.print(
                        "Done: every gradient is filled in, as backward() computes it."
                    )
                    return len(self.steps)
                index += 1
            else:
                self.console.print(f"[red]{escape(repr(answer))} is not a key here.[/] {KEYS}")

    def quiz(self, tolerance: float = 0.01) -> Score:
        """Before each step is shown, the learner types each parent's gradient after it.

        An answer within `tolerance` × |right answer| counts (relative at every size, so 0 for a
        vanishing gradient of 0.004 does not; where the answer is exactly 0, |guess| ≤ 1e-9);
        arithmetic like `0.5*-3` is allowed. A miss shows the right answer and how it comes about.
        """
        if not self.start():
            return Score(0, 0, finished=True)
        asked = right = 0
        for index, step in enumerate(self.steps):
            self.console.print(self.grads_table(index))
            self.console.print(
                Panel(
                    Text(
                        f"{step.forward}   upstream ∂{self.root_name}/∂{step.name} = "
                        f"{number(step.upstream)}"
                    ),
                    title=f"Quiz: step {index + 1} of {len(self.steps)}",
                    title_align="left",
                    border_style="magenta",
                )
            )
            marks: dict[int, bool] = {}
            for term in step.last_terms:  # one question per parent, even when it is used twice
                edges = [t for t in step.terms if t.parent is term.parent]
                uses = f"; {term.parent_name} enters {len(edges)} times" if len(edges) > 1 else ""
                guess = self._answer(
                    f"grad of {term.parent_name} after this step "
                    f"(∂{self.root_name}/∂{term.parent_name}{uses}) = "
                )
                if guess is None:
                    score = Score(asked, right, finished=False)
                    self.console.print(f"Stopped. {score.text}")
                    return score
                asked += 1
                answer = term.grad_after
                marks[term.index] = agrees(guess, answer, tolerance)
                if marks[term.index]:
                    right += 1
                    self.console.print(f"[green]✓ right:[/] {number(answer)}")
                else:
                    how = "".join(
                        f"\n  {t.local_text}\n  {t.chain_text}\n  {t.update_text}" for t in edges
                    )
                    self.console.print(
                        f"[red]✗ not quite:[/] you gave {number(guess)}, the gradient is "
                        f"[bold]{number(answer)}[/]" + escape(how)
                    )
            self.console.print(self.step_panel(index, marks))
        score = Score(asked, right, finished=True)
        self.console.print(f"[bold]{score.text}[/]")
        return score

    def _answer(self, prompt: str) -> float | None:
        """A number typed by the learner (re-asked until it is one), or None to stop."""
        while True:
            text = self._read(prompt)
            if text is None or text.lower() in ("q", "quit"):
                return None
            try:
                expression = parse(text)
                if not expression.names:
                    return expression.build({}).data
                problem = f"{text!r} is not a number"
            except (ParseError, DomainError) as exc:
                problem = str(exc).split("\n")[0]
            self.console.print(
                f"[red]{escape(problem)}[/]: type a number such as -1.5 (or q to stop)"
            )
