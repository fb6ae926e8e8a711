"""One rule for every check: significant figures, relative, a floor only at an exact 0.

1000 seeds per numbers exercise: answers rounded to 4 significant figures as a student writes
them pass; a sign, a factor 2, 1 % off or 0 for a small gradient fails at every magnitude.
"""

from __future__ import annotations

import pytest

from nnscalar.exercises import all_exercises, check_answer
from nnscalar.exercises.model import CheckResult, close, number_part

SEEDS = range(1000)
NUMBERS = [(n, e) for n, e in enumerate(all_exercises(), start=1) if e.kind == "numbers"]
MISTAKES = {"sign": lambda v: -v, "factor 2": lambda v: 2 * v, "1 % off": lambda v: 1.01 * v}


def rounded(x: float, figures: int = 4) -> float:
    """`x` as a student writes it: `figures` significant figures."""
    return float(f"{x:.{figures - 1}e}")


def _zero(x: float) -> bool:
    return abs(x) < 1e-12


@pytest.mark.parametrize(("number", "exercise"), NUMBERS, ids=[e.id for _, e in NUMBERS])
def test_rounded_answers_pass_and_slips_fail_on_1000_seeds(number, exercise):
    refused, accepted = [], []
    for seed in SEEDS:
        solution = exercise.solution(seed)
        answer = {name: rounded(value) for name, value in solution.items()}
        if not exercise.check(answer, seed).passed:
            refused.append(seed)
        for mistake, slip in MISTAKES.items():  # every part wrong at once: each fails alone
            wrong = {name: slip(value) for name, value in solution.items()}
            for part in exercise.check(wrong, seed).parts:
                if part.ok and not _zero(solution[part.name]):
                    accepted.append((seed, part.name, mistake))
        zeros = {name: 0.0 for name in solution}
        for part in exercise.check(zeros, seed).parts:
            if part.ok and not _zero(solution[part.name]):
                accepted.append((seed, part.name, "0"))
    assert refused == []
    assert accepted == []


def test_a_saturated_slope_from_the_written_out_passes_with_advice():
    """Exercise 7, seed 12: out = −0.9999 to 4 figures gives 1 − out² = 0.0002, 41 % above the
    exact 0.00014142: worked out as the statement says, so it counts, with advice."""
    answer = {"z": -5.125, "out": -0.9999, "dout_dw1": 0.0003, "dout_db": 0.0002}
    result = all_exercises()[6].check(answer, 12)
    assert result.passed, result
    assert result.parts[3].message == (
        "0.0002 is right from your out = -0.9999 (exactly: 0.00014142); near saturation 1 − out² "
        "cancels figures: keep more figures of out to come closer"
    )
    wrong = answer | {"dout_db": 0.00014142 * 1.01}  # 1 % off the exact slope, and off the chain
    assert not all_exercises()[6].check(wrong, 12).passed
    # seed 209: out = −1.000 gives 1 − out² = 0 for a gradient of 8.6e-5: refused, saying why
    zero = {"z": -5.375, "out": -1.0, "dout_dw1": 0.0, "dout_db": 0.0}
    result = all_exercises()[6].check(zero, 209)
    assert [part.ok for part in result.parts] == [True, True, False, False]
    assert result.parts[3].message.endswith(
        "your out = -1 has too few figures for this slope (near saturation 1 − out² cancels "
        "them): keep more figures of out"
    )


def test_a_slope_worked_out_from_the_written_out_passes():
    """Exercise 7, seed 24: out = 0.9977 (4 figures) and then 1 − out², as the hint says."""
    exercise = all_exercises()[6]
    exact = exercise.solution(24)
    answer = {"z": 3.375, "out": 0.9977, "dout_db": 0.004595, "dout_dw1": 0.006892}
    result = exercise.check(answer, 24)
    assert result.passed, result
    assert (
        result.parts[3].message == "0.004595 is right from your out = 0.9977 (exactly: 0.00467257)"
    )
    assert exact["dout_db"] == pytest.approx(0.0046726, rel=1e-4)


def _student(exercise, seed: int) -> tuple[dict[str, float], int]:
    """Exercise 7 as the hints say: out rounded, then the slope from it; more figures of out each
    time the checker says the written out has too few (near saturation). Also the figures used."""
    exact = exercise.solution(seed)
    tanh = "tanh" in exercise.statement(seed)
    x1 = exact["dout_dw1"] / exact["dout_db"]  # dz/dw1 = x1
    for figures in range(4, 12, 2):
        out = rounded(exact["out"], figures)
        slope = 1 - out * out if tanh else out * (1 - out)
        mine = {"z": rounded(exact["z"]), "out": out}
        mine |= {"dout_db": rounded(slope), "dout_dw1": rounded(x1 * slope)}
        result = exercise.check(mine, seed)
        if result.passed or "has too few figures" not in str(result):
            return mine, figures
    return mine, figures


def test_the_chain_from_rounded_out_passes_on_1000_seeds_and_its_slips_fail():
    exercise = all_exercises()[6]
    refused, accepted, more = [], [], 0
    for seed in SEEDS:
        exact = exercise.solution(seed)
        mine, figures = _student(exercise, seed)
        more += figures > 4
        if not exercise.check(mine, seed).passed:
            refused.append(seed)
        for mistake, slip in MISTAKES.items():
            wrong = mine | {name: slip(mine[name]) for name in ("dout_db", "dout_dw1")}
            for part in exercise.check(wrong, seed).parts[2:]:
                # a slip that lands on the exact value (the chain was 1 % low) is right
                if part.ok and not close(wrong[part.name], exact[part.name]):
                    accepted.append((seed, part.name, mistake))
    assert refused == []
    assert accepted == []
    assert 0 < more < 30  # only the most saturated variants (1 − out² = 0 at 4 figures) need more


def test_the_rule_is_relative_with_a_floor_only_at_zero():
    assert close(0.004675, 0.0046726) and not close(0.0, 0.004)  # a vanishing gradient is not 0
    assert close(1.2e-7, 1.2001e-7) and not close(1.2e-7 * 1.01, 1.2e-7)
    assert close(123456.0, 123400.0) and not close(124700.0, 123400.0)
    assert close(0.0, 0.0) and close(1e-17, 0.0) and not close(1e-4, 0.0)
    assert close(0.0, 2.7755575615628914e-17)  # an exact 0 computed in floating point
    assert not close(float("nan"), 1.0) and not close(float("inf"), 1.0)


def test_a_check_result_is_true_only_when_it_passed():
    wrong = CheckResult("x", (number_part("z", 2.0, 1.0),))
    right = CheckResult("x", (number_part("z", 1.0, 1.0),))
    assert not wrong and right and not CheckResult("x", error="crashed")
    with pytest.raises(AssertionError):
        assert check_answer(all_exercises()[4], {"dL_da": 0.0}, 5)


def test_every_numbers_statement_states_its_precision():
    for _, exercise in NUMBERS:
        assert "4 significant figures" in exercise.stated(3)
