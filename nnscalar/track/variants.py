"""The random source of a student's variant of the track: their seed picks the graphs and numbers
of the hidden checks; when grading with the course secret, the secret keys them too.

In practice (no secret) a student's `build check --seed N` sees the same cases on every machine.
Graded with `course_secret(...)` (as the exercises are), the cases come from (secret, seed): a
printed seed and the public package no longer tell anyone the graphs another student is checked on.
"""

from __future__ import annotations

import random

from ..exercises.variants import exercise_rng, graded

__all__ = ["track_rng"]


def track_rng(part: str, seed: int) -> random.Random:
    """The random source of one part of the track (`"4"`, `"visible"`) for `seed`; keyed by the
    course secret inside `course_secret(...)`."""
    if graded():
        return exercise_rng(f"build-track/{part}", seed)
    return random.Random(f"build-track/{part}/{seed}")
