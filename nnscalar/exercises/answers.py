"""Answers files: `name = number` lines, parsed (never evaluated).

A value may be a number or arithmetic on numbers (`1 - 0.76**2`, `-3 * 0.5`), read by
`nnscalar.expr`; `#` starts a comment. Several answers may share a line, as `exercises show`
prints them (`Answer: z = 1.5, out = 0.9`). `?`, `...` or nothing after `=` is "not answered".
Each line stands on its own: a bad one is that answer's error, named by file, line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import NNScalarError, ParseError
from ..expr import parse

__all__ = ["AnswerLines", "parse_answers", "read_answer_lines", "read_answers"]

_LINE = re.compile(r"\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?P<sep>[=:])\s*(?P<value>.*?)\s*$")
_PREFIX = re.compile(r"^\s*(?:answers?|antwort|réponse)\s*:\s*", re.IGNORECASE)
# a comma or semicolon that starts the next `name =` (not a decimal comma: `-9,0`)
_NEXT = re.compile(r"[,;]\s*(?=[A-Za-z_][A-Za-z0-9_]*\s*=)")
_UNANSWERED = {"", "?", "??", "...", "…", "_", "none", "None"}
_DECIMAL_COMMA = re.compile(r"^[-+−]?\d+,\d+$")


@dataclass
class AnswerLines:
    """What an answers file gives: the numbers, the names left unanswered, each name's error,
    and errors of lines that name nothing (`where: message`)."""

    answers: dict[str, float] = field(default_factory=dict)
    unanswered: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    stray: list[str] = field(default_factory=list)


def read_answer_lines(text: str, source: str = "<answers>") -> AnswerLines:
    """Every answer in `text`, each line (and each `name = value` of a line) on its own."""
    found = AnswerLines()
    seen: set[str] = set()
    text = text.removeprefix("\ufeff")  # a UTF-8 byte order mark some editors save
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].replace("`", " ")
        prefix = _PREFIX.match(line)
        offset = prefix.end() if prefix else 0
        if not line[offset:].strip():
            continue
        pieces, start = [], offset
        for match in _NEXT.finditer(line, offset):
            pieces.append((start, line[start : match.start()]))
            start = match.end()
        pieces.append((start, line[start:]))
        for begin, piece in pieces:
            _one(found, seen, piece, begin, f"{source}, line {number}")
    return found


def _one(found: AnswerLines, seen: set[str], piece: str, begin: int, where: str) -> None:
    match = _LINE.fullmatch(piece)
    if match is None:
        column = begin + len(piece) - len(piece.lstrip()) + 1
        found.stray.append(
            f"{where}, column {column}: expected `name = number`, found {piece.strip()!r}"
        )
        return
    name, value = match["name"], match["value"].strip()
    column = begin + match.start("value") + 1
    if name in seen:
        found.errors.setdefault(name, f"{where}: {name!r} is given twice")
        found.answers.pop(name, None)
        return
    seen.add(name)
    if value in _UNANSWERED:
        found.unanswered.append(name)
        return
    try:
        expression = parse(value.replace("−", "-"))
        if expression.names:
            raise ParseError(f"uses the name {expression.names[0]!r}; give numbers only")
        found.answers[name] = expression.build({}).data
    except NNScalarError as exc:
        hint = ""
        if _DECIMAL_COMMA.match(value):
            hint = f" (a decimal comma? write {value.replace(',', '.')})"
        found.errors[name] = f"{where}, column {column}: the value of {name} {_reason(exc)}{hint}"


def _reason(exc: NNScalarError) -> str:
    text = str(exc).splitlines()[0]
    return text if text.startswith("uses") else f"is not a number: {text}"


def parse_answers(text: str, source: str = "<answers>") -> dict[str, float]:
    """`"z = 1.5\\ndL_da = -2 * 3"` as `{"z": 1.5, "dL_da": -6.0}` (unanswered names left out);
    the first bad line is a ParseError."""
    found = read_answer_lines(text, source)
    problems = [*found.errors.values(), *found.stray]
    if problems:
        raise ParseError(problems[0])
    return found.answers


def read_answers(path: str | Path) -> dict[str, float]:
    """The answers in the file at `path` (see `parse_answers`)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ParseError(f"{file}: cannot be read: {exc}") from None
    return parse_answers(text, str(file))
