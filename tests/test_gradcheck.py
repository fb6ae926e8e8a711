"""gradcheck itself: it passes right gradients and catches a wrong backward rule."""

from __future__ import annotations

import pytest
from rich.console import Console

from nnscalar import Value, gradcheck
from nnscalar.errors import GradcheckError, NotANumberError


def wrong_square(x: Value) -> Value:
    """x² recorded with the local derivative x instead of 2x: a classic student bug."""
    out = x * x
    out.local_grads = (x.data * 0.5, x.data * 0.5)
    return out


def test_a_wrong_rule_fails_with_numbers():
    x = Value(3.0, label="x")
    report = gradcheck(wrong_square, [x])
    assert not report
    (row,) = report.failures
    assert row.label == "x" and row.analytic == 3.0
    assert row.numeric == pytest.approx(6.0, rel=1e-6)
    with pytest.raises(GradcheckError) as info:
        gradcheck(wrong_square, [x], raise_on_failure=True)
    assert "1 of 1 inputs disagree" in str(info.value) and "x: analytic 3.0" in str(info.value)
    assert isinstance(info.value, AssertionError)


def test_single_value_input_and_rich_table():
    x = Value(0.5, label="x")
    report = gradcheck(lambda x: x.exp() * x, x)
    assert report and report.rows[0].analytic == pytest.approx(1.5 * 2.718281828459045**0.5)
    console = Console(record=True, width=100)
    console.print(report)
    text = console.export_text()
    assert "gradcheck: 1/1 inputs agree" in text and "x" in text


def test_undefined_neighbourhood_is_reported_not_raised():
    x = Value(1e-7, label="x")
    report = gradcheck(lambda x: x.log(), [x], eps=1e-6)
    assert not report and "undefined" in report.rows[0].note


def test_bad_arguments():
    with pytest.raises(NotANumberError, match="input 0"):
        gradcheck(lambda x: x, [2.0])
    with pytest.raises(NotANumberError, match="expected one Value"):
        gradcheck(lambda x: [x], [Value(1.0)])
