"""sin, cos, log and Gaussian noise that give the same float on every platform.

Python's `math.sin`, `math.cos` and `math.log` call the C library, and C libraries round the last
bit differently: on about 3 % of arguments glibc (CPython on Linux) and musl (Pyodide, in the
browser) disagree on sin and cos, so data sets built with them differed between the desktop and
the playground. Here each value is worked out in integers, exactly as the code says on any
machine: a fixed-point number with 128 bits after the point (argument reduction, then a Taylor
series), rounded once to the nearest float by Python's integer division (which rounds
correctly). So the result is the correctly rounded float unless the exact value lies within
about 2^-115 of half-way between two floats, and equals the C library's wherever that one is
correctly rounded too. `Gauss` draws normal noise by `random.Random.gauss`'s recipe on these
functions. About 10 µs a call (math: 0.1 µs): made for data sets, not for the engine.
"""

from __future__ import annotations

import functools
import math
import random

from .errors import DomainError

__all__ = ["Gauss", "cos", "log", "sin", "sin_cos"]

BITS = 128  # fixed point: the integer v stands for v / 2**BITS
_ONE = 1 << BITS
_TINY = 2.0**-27  # below this, sin x rounds to x and cos x to 1.0: the next terms are too small
_SQRT_HALF = 0.7071067811865476  # the float just above √½: logs reduce mantissas to [√½, √2)
_PI_BITS = 1300  # π to this many bits reduces any float: 2^1024 needs 1024 + BITS + 64 of them


def sin_cos(x: float) -> tuple[float, float]:
    """(sin x, cos x), each correctly rounded: the same two floats on every platform."""
    if not math.isfinite(x):
        raise DomainError(f"sin/cos of {x!r}: the argument must be a finite number")
    if abs(x) < _TINY:
        return x, 1.0
    k, r = _quarter_turns(x)
    s, c = _series(r)
    s, c = ((s, c), (c, -s), (-s, -c), (-c, s))[k % 4]  # x = k·π/2 + r
    return s / _ONE, c / _ONE


def sin(x: float) -> float:
    """f(x) = sin x, correctly rounded (the same float on every platform)."""
    return sin_cos(x)[0]


def cos(x: float) -> float:
    """f(x) = cos x, correctly rounded (the same float on every platform)."""
    return sin_cos(x)[1]


def log(x: float) -> float:
    """f(x) = ln x for x > 0, correctly rounded (the same float on every platform)."""
    if not (x > 0.0 and math.isfinite(x)):
        raise DomainError(f"log({x!r}): the argument must be a positive finite number")
    m, e = math.frexp(x)  # x = m·2^e exactly, 0.5 <= m < 1
    if m < _SQRT_HALF:
        m, e = 2.0 * m, e - 1  # exact too; now |ln m| <= ln √2
    mantissa = int(m * 2.0**53) << (BITS - 53)  # m in fixed point, exactly
    return (e * _ln2() + _ln_near_one(mantissa)) / _ONE


class Gauss:
    """Normal deviates drawn from `rng.random()` by `random.Random.gauss`'s own recipe (Box–Muller:
    two uniforms give two deviates, the second kept for the next call) on this module's cos, sin
    and log: one stream of floats on every platform."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._spare: float | None = None

    def __call__(self, mu: float = 0.0, sigma: float = 1.0) -> float:
        """The next deviate, mu + z·sigma."""
        z, self._spare = self._spare, None
        if z is None:
            angle = self.rng.random() * math.tau
            radius = math.sqrt(-2.0 * log(1.0 - self.rng.random()))  # IEEE rounds sqrt exactly
            s, c = sin_cos(angle)
            z, self._spare = c * radius, s * radius
        return mu + z * sigma


def _quarter_turns(x: float) -> tuple[int, int]:
    """k and r with x = k·π/2 + r, |r| <= π/4, r in fixed point.

    A float can lie within about 2^-62 of a multiple of π/2 (relative to its size), so π/2
    carries 64 bits more than BITS, and as many again as x has before its point."""
    num, den = x.as_integer_ratio()  # den is a power of two, at most 2^79 here (|x| >= _TINY)
    bits = BITS + 64 + max(num.bit_length() - den.bit_length(), 0) + 1
    half_pi = _pi() >> (_PI_BITS - bits + 1)  # ⌊π/2 · 2^bits⌋
    scaled = (num << bits) // den  # x·2^bits, exactly
    k = (2 * scaled + half_pi) // (2 * half_pi)  # the nearest integer to x / (π/2)
    return k, (scaled - k * half_pi) >> (bits - BITS)


def _series(r: int) -> tuple[int, int]:
    """sin r and cos r in fixed point for |r| <= π/4, by their Taylor series."""
    a = abs(r)
    a2 = a * a >> BITS
    s = term_s = a
    c = term_c = _ONE
    n, sign = 1, -1
    while term_c:  # each term under 1/1.6 of the one before; integer division ends them at 0
        term_c = (term_c * a2 >> BITS) // (n * (n + 1))  # a^(n+1) / (n+1)!
        term_s = (term_s * a2 >> BITS) // ((n + 1) * (n + 2))  # a^(n+2) / (n+2)!
        c += sign * term_c
        s += sign * term_s
        n, sign = n + 2, -sign
    return (s if r >= 0 else -s), c


def _ln_near_one(m: int) -> int:
    """ln m in fixed point for √½ <= m < √2: 2·atanh s with s = (m − 1)/(m + 1), |s| < 0.18."""
    s = (abs(m - _ONE) << BITS) // (m + _ONE)
    s2 = s * s >> BITS
    total = term = s
    n = 1
    while term:
        term = term * s2 >> BITS
        n += 2
        total += term // n
    return 2 * total if m >= _ONE else -2 * total


@functools.cache
def _ln2() -> int:
    """ln 2 in fixed point: ln 2 = 2·atanh(1/3), from the same series."""
    return _ln_near_one(2 * _ONE)


@functools.cache
def _pi() -> int:
    """⌊π · 2^_PI_BITS⌋ (to a unit), by Machin's formula π = 16·atan(1/5) − 4·atan(1/239)."""
    guard = 32
    scale = 1 << (_PI_BITS + guard)

    def atan_inverse(n: int) -> int:  # atan(1/n)·scale, its series term by term
        total, power, k, sign = 0, scale // n, 1, 1
        while power:
            total += sign * (power // k)
            power //= n * n
            k, sign = k + 2, -sign
        return total

    return (16 * atan_inverse(5) - 4 * atan_inverse(239)) >> guard
