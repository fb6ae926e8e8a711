"""The terminal table of a grading run: a row per student, a column per exercise or task."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.markup import escape
from rich.table import Table


def grades_table(title: str, numbers: Sequence[int], grades: Sequence[Any]) -> Table:
    """Student, where the seed came from ((!) after a warning), each item's points (green full,
    red none, yellow part) and the total; a student not graded gets dashes."""
    table = Table(title=title)
    table.add_column("student")
    table.add_column("seed from")
    for number in numbers:
        table.add_column(str(number), justify="right")
    table.add_column("total", justify="right")
    for grade in grades:
        if not grade.graded:
            blank = ["[red]-[/]"] * len(numbers)
            table.add_row(escape(grade.student), "[red]unknown[/]", *blank, "not graded")
            continue
        cells = []
        for number in numbers:
            points = grade.points(number)
            color = "green" if points == 1 else "red" if points == 0 else "yellow"
            cells.append(f"[{color}]{points:g}[/]")
        source = grade.seed_source + (" [yellow](!)[/]" if grade.warnings else "")
        table.add_row(escape(grade.student), source, *cells, f"{grade.total:g}/{len(numbers)}")
    return table
