"""Number checks and error messages shared by both engines (engine.py and the compiled core).

Kept apart so `engine.py` reads as the chain rule and nothing else. Pure Python, Python 3.9
syntax (PyPy runs it); the compiled core calls into this module only when something is wrong,
so the two cores raise the same errors with the same messages.
"""

from __future__ import annotations

import math
from numbers import Real

from .errors import (
    DomainError,
    FloatOverflowError,
    NNScalarError,
    NonFiniteError,
    NotANumberError,
    ShapeError,
    describe,
)


def is_finite(x: float) -> bool:
    """True unless x is inf, -inf or nan (inf - inf and nan - nan are nan)."""
    return x - x == 0.0


def number(x: object, where: str, label: str = "") -> float:
    """`x` as a finite float, or a clear error saying why it cannot be one."""
    what = f" for {label!r}" if label else ""
    if type(x) is bool:
        raise NotANumberError(
            f"{where}: {x!r}{what} is a bool, which nnscalar does not take as a number; "
            "use 1.0 or 0.0"
        )
    if not isinstance(x, Real):
        raise NotANumberError(
            f"{where}: {x!r} ({type(x).__name__}){what} is not a number; give an int or a float"
        )
    try:
        v = float(x)  # ints, floats, fractions, numpy scalars
    except (OverflowError, ValueError):
        raise NonFiniteError(
            f"{where}: {_short(x)}{what} is too large for a float; "
            "Values must be finite numbers of magnitude below 1.8e308"
        ) from None
    if not is_finite(v):
        raise NonFiniteError(f"{where}: got {v}{what}; Values must be finite numbers")
    return v


def constant(x: object, op: str, value: object = None) -> float:
    """A plain-number operand of `op` as a float; anything else is refused naming the op and the
    Value it was combined with."""
    if type(x) is float and is_finite(x):
        return x
    where = f"{describe(value)} {op} {_short(x)}" if value is not None else op
    return number(x, where)


def pow_slope(a: float, e: float) -> float:
    """a ** e as C's pow gives it: ±inf where Python raises OverflowError (a slope too steep for
    a float is then reported by backward's finite check, as every other one is)."""
    try:
        return a**e
    except OverflowError:
        negative = a < 0.0 and e % 2.0 == 1.0  # a negative base to an odd integer power
        return -math.inf if negative else math.inf


def aligned(parents: tuple, local_grads: tuple) -> None:
    """Refuse local derivatives that do not pair up one to one with the parents."""
    if len(local_grads) != len(parents):
        raise ShapeError(
            f"{len(parents)} parents need {len(parents)} local derivatives, got {len(local_grads)}"
        )


def lengths(n_weights: int, n_inputs: int) -> None:
    """Refuse a weighted sum whose weights and inputs differ in number."""
    if n_weights != n_inputs:
        raise ShapeError(f"weighted_sum got {n_weights} weights but {n_inputs} inputs")


def operands_text(operands: tuple) -> str:
    """The operands for an error message; a fused node's long list is cut in the middle."""
    if len(operands) > 6:
        shown = [*map(describe, operands[:3]), f"… {len(operands) - 5} more"]
        return ", ".join([*shown, *map(describe, operands[-2:])])
    return ", ".join(describe(v) for v in operands)


def domain(op: str, operands: tuple, why: str, valid: str) -> DomainError:
    """An operand outside the op's domain (log of 0, division by 0, ...)."""
    return DomainError(f"{op}({operands_text(operands)}): {why}; valid: {valid}")


def overflow(op: str, operands: tuple, data: float | None = None) -> NNScalarError:
    """The result of `op` is not finite: a non-finite operand, or the result overflowed."""
    for v in operands:
        x = getattr(v, "data", v)
        if isinstance(x, float) and not is_finite(x):
            return NonFiniteError(
                f"{op}({operands_text(operands)}): an operand is {x}; valid: finite numbers"
            )
    got = f" (got {data})" if data is not None else ""
    return FloatOverflowError(
        f"{op}({operands_text(operands)}) overflows a float{got}; valid: results of magnitude "
        "below 1.8e308 — scale the inputs down or use a smaller learning rate"
    )


def negative_base(base: object, exponent: float) -> DomainError:
    """base ** exponent with base < 0 and a non-integer exponent."""
    why = "a negative base to a non-integer power is not a real number"
    return domain("**", (base, exponent), why, "an integer exponent, or a positive base")


def base_not_positive(base: object, exponent: object) -> DomainError:
    """base ** exponent with the exponent a Value: the base must be > 0 (log(base) is needed)."""
    if isinstance(base, float):  # a number ** a Value
        why = "the base must be positive when the exponent is a Value"
        valid = "a base > 0 (the derivative with respect to the exponent is out·log(base))"
    else:
        why = "a base <= 0 to a Value exponent has no real derivative"
        valid = "a base > 0, or a plain-number exponent such as x ** 2"
    return domain("**", (base, exponent), why, valid)


def infinite_slope(op: str, operands: tuple) -> DomainError:
    """An op whose derivative is infinite at this point, refused while recording a graph."""
    return DomainError(
        f"{op}({operands_text(operands)}) has an infinite derivative here; valid: an operand "
        "> 0 (add a small epsilon), or compute it inside `no_grad()` if you need no gradient"
    )


def grad_not_finite(node: object) -> NonFiniteError:
    """backward's finite check: the first node (in topological order) whose grad is inf or nan."""
    return NonFiniteError(
        f"backward: the gradient of {describe(node)} became {node.grad}; the graph has "  # type: ignore[attr-defined]
        "a slope too steep for floats — scale the inputs or lower the learning rate"
    )


def _short(x: object) -> str:
    """repr(x), cut short (a Fraction of a 400-digit int would fill the screen)."""
    text = repr(x)
    return text if len(text) <= 60 else text[:40] + f"… ({len(text)} characters)"
