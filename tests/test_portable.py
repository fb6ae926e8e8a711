"""nnscalar.portable: sin, cos and log correctly rounded (checked against the decimal module at 80
digits, and within one unit in the last place of the C library's), and Gaussian noise by
random.Random.gauss's recipe. That they give the same bits in the browser is checked there
(tests/test_site_browser.py: the page's data from the seed equal CPython's)."""

from __future__ import annotations

import math
import random
from decimal import Decimal, localcontext

import pytest

from nnscalar import portable
from nnscalar.errors import DomainError


def _decimal_sin_cos(x: float) -> tuple[float, float]:
    """sin x and cos x by their Taylor series on x itself (no reduction), 80 digits, rounded."""
    with localcontext() as ctx:
        ctx.prec = 80
        d = Decimal(x)
        d2 = d * d
        results = []
        for term, n in ((d, 1), (Decimal(1), 0)):
            total = term
            while abs(term) > Decimal("1e-75"):
                term = -term * d2 / ((n + 1) * (n + 2))
                total += term
                n += 2
            results.append(float(total))
        return results[0], results[1]


def _decimal_log(x: float) -> float:
    with localcontext() as ctx:
        ctx.prec = 60
        return float(Decimal(x).ln())  # decimal's ln is correctly rounded


def _ulps(a: float, b: float) -> float:
    return abs(a - b) / math.ulp(b)


# (function, argument, the correctly rounded value)
KNOWN = [
    (portable.sin, 0.0, 0.0),
    (portable.cos, 0.0, 1.0),
    (portable.sin, math.pi, 1.2246467991473532e-16),  # π's float is that far below π
    (portable.cos, math.pi, -1.0),
    (portable.sin, math.pi / 2, 1.0),
    (portable.cos, math.pi / 2, 6.123233995736766e-17),
    (portable.sin, math.pi / 6, 0.49999999999999994),  # π/6's float is just below π/6
    (portable.sin, 1e-10, 1e-10),
    (portable.cos, 1e-10, 1.0),
    (portable.sin, 1e22, -0.8522008497671888),
    (portable.cos, 1e22, 0.523214785395139),  # 0.52321478539513894549…: nearer this float
    (portable.log, 1.0, 0.0),
    (portable.log, 2.0, 0.6931471805599453),
    (portable.log, math.e, 1.0),
    (portable.log, 0.5, -0.6931471805599453),
    (portable.log, 5e-324, -744.4400719213812),
    (portable.log, 1.7976931348623157e308, 709.782712893384),
]


@pytest.mark.parametrize(("f", "x", "expected"), KNOWN)
def test_known_values(f, x: float, expected: float) -> None:
    assert f(x) == expected


def test_signs_of_zero_and_the_pair() -> None:
    assert math.copysign(1.0, portable.sin(-0.0)) == -1.0
    assert portable.sin_cos(2.5) == (portable.sin(2.5), portable.cos(2.5))
    assert portable.sin(-2.5) == -portable.sin(2.5) and portable.cos(-2.5) == portable.cos(2.5)


def test_sin_and_cos_are_correctly_rounded() -> None:
    rng = random.Random(11)
    xs = [rng.uniform(-20.0, 20.0) for _ in range(1500)] + [
        rng.uniform(-1e-6, 1e-6) for _ in range(100)
    ]
    for x in xs:
        assert portable.sin_cos(x) == _decimal_sin_cos(x), x.hex()


def test_log_is_correctly_rounded() -> None:
    rng = random.Random(12)
    xs = [rng.random() for _ in range(1000)]  # what Gauss takes the log of (as 1 - random())
    xs += [10.0 ** rng.uniform(-300.0, 300.0) for _ in range(1000)]
    xs += [1.0 - 2.0**-53, 1.0 + 2.0**-52, 2.0**-1074]
    for x in xs:
        assert portable.log(x) == _decimal_log(x), x.hex()


def test_within_one_unit_in_the_last_place_of_the_c_library() -> None:
    rng = random.Random(13)
    xs = [rng.uniform(-1e3, 1e3) for _ in range(5000)]
    assert max(_ulps(portable.sin(x), math.sin(x)) for x in xs) <= 1.0
    assert max(_ulps(portable.cos(x), math.cos(x)) for x in xs) <= 1.0
    ps = [rng.uniform(0.0, 1.0) + 1e-300 for _ in range(5000)]
    assert max(_ulps(portable.log(x), math.log(x)) for x in ps) <= 1.0


def test_gauss_is_random_gauss_recipe() -> None:
    mine, theirs = random.Random(3), random.Random(3)
    gauss = portable.Gauss(mine)
    for _ in range(2001):  # an odd count: the spare of the last pair is pending in both
        a, b = gauss(1.5, 0.25), theirs.gauss(1.5, 0.25)
        assert abs(a - b) <= 4 * math.ulp(b)  # rng.gauss on the C library's sin, cos and log
    assert mine.getstate()[1] == theirs.getstate()[1]  # the same random() calls
    # the first deviates, pinned: a change of recipe shows here
    first = portable.Gauss(random.Random(0))
    assert [first() for _ in range(3)] == [
        0.9417154046806644,
        -1.3965781047011498,
        -0.6797144480784211,
    ]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: portable.sin(math.inf), "sin/cos of inf: the argument must be a finite number"),
        (lambda: portable.cos(math.nan), "sin/cos of nan: the argument must be a finite number"),
        (lambda: portable.log(0.0), "log(0.0): the argument must be a positive finite number"),
        (lambda: portable.log(-1.0), "log(-1.0): the argument must be a positive finite number"),
        (lambda: portable.log(math.inf), "log(inf): the argument must be a positive finite"),
    ],
)
def test_bad_arguments_are_named(call, message: str) -> None:
    with pytest.raises(DomainError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()
