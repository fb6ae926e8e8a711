"""Per-student variants: a seed (from a student id via hashlib, never `hash()`) picks the numbers.

The same seed gives the same numbers on every machine and in every Python, so a worksheet, its
notebook, its answer key and the grader all see one exercise.
"""

from __future__ import annotations

import hashlib
import random

__all__ = ["distinct", "exercise_rng", "pick", "seed_of", "student_seed"]

_SEED_DIGITS = 10**9  # seeds a student can type: at most 9 digits


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def seed_of(text: str | int) -> int:
    """A seed typed on the command line: a whole number as is, any other text hashed to one."""
    if isinstance(text, int):
        return text
    stripped = text.strip()
    if stripped.isdigit():
        return int(stripped)
    return _digest(stripped) % _SEED_DIGITS


def student_seed(class_seed: int, student: str) -> int:
    """The seed of one student's variant: the class seed and the student id, hashed together."""
    return _digest(f"{class_seed}/{student.strip()}") % _SEED_DIGITS


def exercise_rng(exercise_id: str, seed: int) -> random.Random:
    """The random source of one exercise's variant (exercises with one seed still differ)."""
    return random.Random(_digest(f"{exercise_id}:{seed}"))


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
