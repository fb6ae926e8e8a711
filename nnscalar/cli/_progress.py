"""Progress of a long grading run where no bar can be drawn (CI, a log file)."""

from __future__ import annotations

import sys
import time


class ProgressLines:
    """`graded 150/300` on stderr at every tenth of the class, at most every 10 s otherwise."""

    def __init__(self, total: int, every: float = 10.0) -> None:
        self.total, self.every = total, every
        self.said = (0, time.monotonic())  # (tenths of the class, when) of the last line

    def __call__(self, count: int) -> None:
        tenths, now = count * 10 // max(self.total, 1), time.monotonic()
        if tenths > self.said[0] or now - self.said[1] >= self.every or count == self.total:
            print(f"graded {count}/{self.total}", file=sys.stderr, flush=True)
            self.said = (tenths, now)
