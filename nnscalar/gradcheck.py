"""Gradient checking: compare backward()'s gradients with central finite differences."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .core import Value, no_grad
from .errors import GradcheckError, NNScalarError, NotANumberError

__all__ = ["GradcheckReport", "GradcheckRow", "central_difference", "gradcheck"]


@dataclass(frozen=True)
class GradcheckRow:
    """One input's comparison: analytic (backward) vs numeric (central difference)."""

    label: str
    analytic: float
    numeric: float
    error: float
    ok: bool
    note: str = ""


@dataclass(frozen=True)
class GradcheckReport:
    """The result of `gradcheck`: truthy when every input passed; prints as a table."""

    rows: tuple[GradcheckRow, ...]
    atol: float
    rtol: float

    def __bool__(self) -> bool:
        return all(row.ok for row in self.rows)

    @property
    def failures(self) -> tuple[GradcheckRow, ...]:
        return tuple(row for row in self.rows if not row.ok)

    def __str__(self) -> str:
        lines = [f"{'input':<12} {'analytic':>14} {'numeric':>14} {'error':>10}  ok"]
        for r in self.rows:
            mark = "yes" if r.ok else "NO " + r.note
            lines.append(
                f"{r.label:<12} {r.analytic:>14.8g} {r.numeric:>14.8g} {r.error:>10.2e}  {mark}"
            )
        return "\n".join(lines)

    def __rich__(self) -> object:
        from rich.table import Table

        passed = sum(r.ok for r in self.rows)
        table = Table(title=f"gradcheck: {passed}/{len(self.rows)} inputs agree")
        for name in ("input", "analytic", "numeric", "error"):
            table.add_column(name, justify="left" if name == "input" else "right")
        table.add_column("ok")
        for r in self.rows:
            mark = "[green]yes[/]" if r.ok else f"[red]NO[/] {r.note}"
            table.add_row(r.label, f"{r.analytic:.8g}", f"{r.numeric:.8g}", f"{r.error:.2e}", mark)
        return table


def central_difference(
    f: Callable[..., Value], inputs: Sequence[Value], index: int, eps: float = 1e-6
) -> float:
    """(f(x + eps) − f(x − eps)) / 2eps for input `index`, the others held fixed."""
    x = inputs[index]
    original = x.data
    try:
        with no_grad():
            x.data = original + eps
            plus = _scalar(f(*inputs))
            x.data = original - eps
            minus = _scalar(f(*inputs))
    finally:
        x.data = original
    return (plus - minus) / (2.0 * eps)


def gradcheck(
    f: Callable[..., Value],
    inputs: Value | Sequence[Value],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_on_failure: bool = False,
) -> GradcheckReport:
    """Check `f(*inputs).backward()` against central differences, input by input.

    An input passes when |analytic − numeric| <= atol + rtol·|numeric|. The inputs' `.data` and
    `.grad` are as they were afterwards.
    """
    inputs = [inputs] if isinstance(inputs, Value) else list(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise NotANumberError(f"gradcheck: input {i} is {x!r}, expected a Value")
    saved = [x.grad for x in inputs]
    try:
        for x in inputs:
            x.grad = 0.0
        out = f(*inputs)
        if not isinstance(out, Value):
            raise NotANumberError(f"gradcheck: f returned {out!r}, expected one Value")
        out.backward()
        analytic = [x.grad for x in inputs]
    finally:
        for x, g in zip(inputs, saved):
            x.grad = g
    rows = []
    for i, x in enumerate(inputs):
        label = x.label or f"input {i}"
        try:
            numeric = central_difference(f, inputs, i, eps)
        except NNScalarError as exc:
            rows.append(
                GradcheckRow(
                    label,
                    analytic[i],
                    float("nan"),
                    float("nan"),
                    False,
                    f"f is undefined at x ± eps: {exc}",
                )
            )
            continue
        error = abs(analytic[i] - numeric)
        rows.append(
            GradcheckRow(label, analytic[i], numeric, error, error <= atol + rtol * abs(numeric))
        )
    report = GradcheckReport(tuple(rows), atol, rtol)
    if raise_on_failure and not report:
        lines = [
            f"  {r.label}: analytic {r.analytic!r}, numeric {r.numeric!r}, error {r.error:.3g}"
            f" {r.note}".rstrip()
            for r in report.failures
        ]
        raise GradcheckError(
            f"gradcheck: {len(lines)} of {len(rows)} inputs disagree "
            f"(allowed error atol + rtol·|numeric| = {atol} + {rtol}·|numeric|):\n"
            + "\n".join(lines)
        )
    return report


def _scalar(out: object) -> float:
    if isinstance(out, Value):
        return out.data
    raise NotANumberError(f"gradcheck: f returned {out!r}, expected one Value")
