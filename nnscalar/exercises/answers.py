"""Answers files: one `name = number` per line, parsed (never evaluated).

A value may be a number or arithmetic on numbers (`1 - 0.76**2`, `-3 * 0.5`), read by
`nnscalar.expr`; `#` starts a comment. Every error names the file, line and column.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import NNScalarError, ParseError
from ..expr import parse

__all__ = ["parse_answers", "read_answers"]

_LINE = re.compile(r"\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?P<sep>[=:])\s*(?P<value>.*?)\s*$")


def parse_answers(text: str, source: str = "<answers>") -> dict[str, float]:
    """`"z = 1.5\\ndL_da = -2 * 3"` as `{"z": 1.5, "dL_da": -6.0}`; a bad line is a ParseError."""
    answers: dict[str, float] = {}
    text = text.removeprefix("\ufeff")  # a UTF-8 byte order mark some editors save
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0]
        if not line.strip():
            continue
        match = _LINE.fullmatch(line)
        where = f"{source}, line {number}"
        if match is None:
            column = len(line) - len(line.lstrip()) + 1
            raise ParseError(
                f"{where}, column {column}: expected `name = number`, found {raw.strip()!r}"
            )
        name, value = match["name"], match["value"]
        if name in answers:
            raise ParseError(f"{where}: {name!r} is given twice")
        column = match.start("value") + 1
        if not value:
            raise ParseError(f"{where}, column {column}: no number after `{name} =`")
        try:
            expression = parse(value)
            if expression.names:
                raise ParseError(f"uses the name {expression.names[0]!r}; give numbers only")
            answers[name] = expression.build({}).data
        except NNScalarError as exc:
            raise ParseError(
                f"{where}, column {column}: the value of {name} {_reason(exc)}"
            ) from None
    return answers


def _reason(exc: NNScalarError) -> str:
    text = str(exc).splitlines()[0]
    return text if text.startswith("uses") else f"is not a number: {text}"


def read_answers(path: str | Path) -> dict[str, float]:
    """The answers in the file at `path` (see `parse_answers`)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ParseError(f"{file}: cannot be read: {exc}") from None
    return parse_answers(text, str(file))
