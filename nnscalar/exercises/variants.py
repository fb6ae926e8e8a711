"""Per-student variants: a seed (from a student id via hashlib, never `hash()`) picks the numbers.

The same seed gives the same numbers on every machine and in every Python, so a worksheet, its
notebook, its answer key and the grader all see one exercise. In practice mode that is all: the
package and a seed give the answer. Graded variants mix in a course secret the teacher keeps
(`course_secret`), so a printed seed and the public package are no answer key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import random
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import ConfigError

__all__ = [
    "course_secret",
    "distinct",
    "exercise_rng",
    "graded",
    "pick",
    "read_course_secret",
    "seed_of",
    "student_seed",
]

_course: dict[str, bytes] = {"key": b""}


@contextmanager
def course_secret(secret: str | bytes | None) -> Iterator[None]:
    """Within the block, every variant mixes in `secret` (None or '': practice mode)."""
    old = _course["key"]
    _course["key"] = secret.encode("utf-8") if isinstance(secret, str) else secret or b""
    try:
        yield
    finally:
        _course["key"] = old


def graded() -> bool:
    """True inside `course_secret(...)` with a secret: the variants are the graded ones."""
    return bool(_course["key"])


def read_course_secret(path: str | Path, create: bool = False) -> str:
    """The course secret kept in the file at `path`; with `create`, a new random one is written
    there (readable by its owner only) when the file does not exist yet."""
    file = Path(path)
    if create and not file.exists():
        file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(secrets.token_hex(32) + "\n")
    try:
        text = file.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read the course secret: {exc}") from None
    if len(text) < 16:
        raise ConfigError(f"{file}: a course secret must be at least 16 characters")
    return text


_SEED_DIGITS = 10**9  # seeds a student can type: at most 9 digits


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def seed_of(text: str | int) -> int:
    """A seed typed on the command line: a whole number as is, any other text hashed to one."""
    if isinstance(text, int):
        return text
    stripped = text.strip()
    if stripped.isascii() and stripped.isdigit():
        return int(stripped)
    return _digest(stripped) % _SEED_DIGITS


def student_seed(class_seed: int, student: str) -> int:
    """The seed of one student's variant: the class seed and the student id, hashed together."""
    return _digest(f"{class_seed}/{student.strip()}") % _SEED_DIGITS


def exercise_rng(exercise_id: str, seed: int) -> random.Random:
    """The random source of one exercise's variant (exercises with one seed still differ); keyed
    by the course secret when one is set."""
    text = f"{exercise_id}:{seed}"
    if _course["key"]:
        mac = hmac.new(_course["key"], text.encode("utf-8"), hashlib.sha256).digest()
        return random.Random(int.from_bytes(mac[:16], "big"))
    return random.Random(_digest(text))


def pick(
    rng: random.Random, low: float, high: float, step: float = 0.5, nonzero: bool = True
) -> float:
    """A number from low..high on a grid of `step` (friendly to hand computation), 0 excluded."""
    grid = [round(low + i * step, 6) for i in range(round((high - low) / step) + 1)]
    choices = [x for x in grid if x != 0.0] if nonzero else grid
    return rng.choice(choices)


def distinct(
    rng: random.Random, count: int, low: float, high: float, step: float = 0.5
) -> list[float]:
    """`count` numbers from low..high whose sizes differ and are not 0 or 1, so that no slip
    (a factor left out, two numbers swapped) gives the right answer by accident."""
    grid = [round(low + i * step, 6) for i in range(round((high - low) / step) + 1)]
    sizes = sorted({abs(x) for x in grid} - {0.0, 1.0})
    chosen = rng.sample(sizes, count)
    return [size * rng.choice((-1.0, 1.0)) for size in chosen]
