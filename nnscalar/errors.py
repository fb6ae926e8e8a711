"""The project's exceptions: one base, and subclasses that are also the built-ins users catch."""

from __future__ import annotations


class NNScalarError(Exception):
    """Base of every error nnscalar raises on purpose."""


class DomainError(NNScalarError, ValueError, ArithmeticError):
    """An operation got a value outside its domain (log of 0, division by 0) or overflowed."""


class FloatOverflowError(DomainError):
    """A result or gradient grew past the largest float (about 1.8e308)."""


class NotANumberError(NNScalarError, TypeError):
    """Something that is not a real number was given where a number or a Value was expected."""


class NonFiniteError(NNScalarError, ValueError):
    """A NaN or an infinity was given, or appeared in a gradient or a loss."""


class ShapeError(NNScalarError, ValueError):
    """A list had the wrong length (inputs to a model, predictions vs targets)."""


class ConfigError(NNScalarError, ValueError):
    """A setting is not valid: an unknown activation name, a negative learning rate, ..."""


class GradcheckError(NNScalarError, AssertionError):
    """Analytic and numeric gradients disagree (raised by `gradcheck(raise_on_failure=True)`)."""


class ModelFileError(NNScalarError, ValueError):
    """A saved model or data file is malformed, truncated, of another version or mismatched."""


class ParseError(NNScalarError, ValueError):
    """A typed expression could not be parsed; the message points at the column."""


class RenderError(NNScalarError, RuntimeError):
    """A picture could not be drawn: too big, or no Graphviz renderer available."""


def describe(value: object) -> str:
    """How a Value or number is named in an error message: its label and data."""
    data = getattr(value, "data", value)
    label = getattr(value, "label", "")
    return f"{label}={data!r}" if label else repr(data)
