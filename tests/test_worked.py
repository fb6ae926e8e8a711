"""Worked solutions as a teacher writes them: the exercise's own names, each local derivative's
formula, the numbers put in and the result; rounded for people, exact on request and on hover."""

from __future__ import annotations

import json
import re

import pytest

from nnscalar.core import Value
from nnscalar.exercises import all_exercises, find, worked_solution
from nnscalar.exercises.worked import Num, Worked, board, eq, show
from nnscalar.exercises.worksheet import answer_key_html, answer_key_markdown, notebook

EXERCISES = all_exercises()
ITEMS = list(enumerate(EXERCISES, start=1))


def _lines(number: int, seed: int) -> list[str]:
    return worked_solution(number, seed).splitlines()


def test_the_shared_node_is_worked_with_its_own_names():
    _, exercise = find("shared-node", EXERCISES)
    assert exercise.statement(7).startswith("With x = 2.5, y = -2, z = 0.5: a = x·y, b = x + z")
    # worked on paper: a = −5, b = 3; dL/dx = b·y + a·1 = 3·(−2) + (−5) = −11
    assert _lines(5, 7) == [
        "a = x·y = 2.5·(−2) = −5",
        "b = x + z = 2.5 + 0.5 = 3",
        "L = a·b = (−5)·3 = −15",
        "dL/da = b = 3",
        "dL/db = a = −5",
        "dL/dy = dL/da · x = 3 · 2.5 = 7.5",
        "dL/dx = dL/da · y + dL/db · 1 = 3 · (−2) + (−5) · 1 = −11",
        "dL/dz = dL/db · 1 = −5 · 1 = −5",
    ]


def test_one_sgd_step_is_worked_with_y_hat_and_rounded_for_people():
    _, exercise = find("sgd-step", EXERCISES)
    assert "w = -0.5 and b = 0.5 sees the sample x = -2 with target y = -0.5" in (
        exercise.statement(18)
    )
    assert exercise.solution(18)["w_new"] == 0.30000000000000004  # what the key must not show
    assert _lines(10, 18) == [
        "ŷ = w·x + b = (−0.5)·(−2) + 0.5 = 1.5",
        "L = (ŷ − y)² = (1.5 − (−0.5))² = 4",
        "dL/dŷ = 2(ŷ − y) = 2(1.5 − (−0.5)) = 4",
        "dL/dw = dL/dŷ · x = 4 · (−2) = −8",
        "dL/db = dL/dŷ · 1 = 4 · 1 = 4",
        "w_new = w − lr·dL/dw = −0.5 − 0.1·(−8) = 0.3",
        "b_new = b − lr·dL/db = 0.5 − 0.1·4 = 0.1",
    ]
    exact = worked_solution(10, 18, exact=True).splitlines()
    assert exact[-1] == "b_new = b − lr·dL/db = 0.5 − 0.1·4.0 = 0.09999999999999998"


def test_a_saturated_neuron_gets_the_figures_its_slope_needs():
    # z = 1.5·1.5 + 1.25·0.5 + 0.5 = 3.375; tanh(3.375) = 0.997661; 1 − 0.997661² = 0.004673
    # (from 0.9977, as 4 figures would show it, 1 − 0.9977² = 0.004595: a teacher would balk)
    assert _lines(7, 24) == [
        "z = w1·x1 + w2·x2 + b = 1.5·1.5 + 1.25·0.5 + 0.5 = 3.375",
        "out = tanh(z) = tanh(3.375) = 0.9977",
        "d(out)/dz = 1 − out² = 1 − 0.997661² = 0.004673",
        "d(out)/dw1 = d(out)/dz · x1 = 0.004673 · 1.5 = 0.007009",
        "d(out)/db = d(out)/dz · 1 = 0.004673 · 1 = 0.004673",
    ]


def test_mean_squared_error_and_cross_entropy_fold_the_unnamed_steps_in():
    # ((−0.5)² + (−3)² + (−3)²)/3 = 6.083; dL/dp1 = 2(−0.5)/3
    assert _lines(8, 7) == [
        "L = ((p1 − t1)² + (p2 − t2)² + (p3 − t3)²)/3 = ((−1.5 − (−1))² + (−1.5 − 1.5)² + "
        "(−1.5 − 1.5)²)/3 = 6.083",
        "dL/dp1 = 2(p1 − t1)/3 = 2(−1.5 − (−1))/3 = −0.3333",
        "dL/dp2 = 2(p2 − t2)/3 = 2(−1.5 − 1.5)/3 = −2",
        "dL/dp3 = 2(p3 − t3)/3 = 2(−1.5 − 1.5)/3 = −2",
    ]
    # softmax(1, 1, −1.5) = (0.4803, 0.4803, 0.03942); the right class is 1
    softmax = "e^1/(e^1 + e^1 + e^(−1.5))"
    assert _lines(9, 7) == [
        f"L = −log(e^z1/(e^z0 + e^z1 + e^z2)) = −log({softmax}) = 0.7334",
        f"dL/dz0 = e^z0/(e^z0 + e^z1 + e^z2) = {softmax} = 0.4803",
        f"dL/dz1 = e^z1/(e^z0 + e^z1 + e^z2) − 1 = {softmax} − 1 = −0.5197",
        "dL/dz2 = e^z2/(e^z0 + e^z1 + e^z2) = e^(−1.5)/(e^1 + e^1 + e^(−1.5)) = 0.03942",
    ]


# what the explainer's engine-level walk wrote before: node numbers, the neuron's own labels,
# the n-ary sum, the engine's log-softmax, a division by −1, `+=` bookkeeping
ENGINE = re.compile(r"\bn\d+\b|N1\.|sum\(|log_softmax|yhat|\+=|grad of|/ \(−1")


def _figures(text: str) -> int:
    """The most significant figures of any number in `text` (16 or 17 for float dust)."""
    return max(
        (len(n.replace(".", "").lstrip("0")) for n in re.findall(r"\d+\.\d+", text)), default=0
    )


@pytest.mark.parametrize("seed", [0, 7, 24, 2024, 987654321])
def test_no_key_shows_engine_names_and_every_derivative_uses_the_exercise_s_names(seed):
    for number, exercise in ITEMS:
        text = worked_solution(number, seed)
        if exercise.kind == "code":
            assert text == ""
            continue
        assert text, exercise.id
        assert ENGINE.search(text) is None, (exercise.id, text)
        assert _figures(text) <= 10, (exercise.id, text)  # never -0.2999999999999998
        said = exercise.statement(seed) + " ".join(exercise.hints) + " ".join(exercise.names(seed))
        said = said.translate(str.maketrans("₀₁₂₃ᵢ", "0123i"))
        for name in re.findall(r"/d([^\s·=]+)", text):
            # a name the exercise says: alone, or as in d(out)/dw1 and dout_dw1
            word = rf"(?<![A-Za-z0-9])d?{re.escape(name)}(?!\w)"
            assert re.search(word, said), (exercise.id, name)
    key = answer_key_markdown("ann", seed, ITEMS)
    assert ENGINE.search(key) is None and _figures(key) <= 10


def test_hover_gives_the_exact_value_of_every_rounded_number():
    page = answer_key_html("ann", 18, ITEMS)
    spans = re.findall(r'<span class="n"( title="([^"]*)")?>([^<]*)</span>', page)
    rounded = [(title, shown) for _, title, shown in spans if title]
    assert len(rounded) > 50
    for title, shown in rounded:
        value = float(title)
        assert title == repr(value)  # every digit, as Python writes the float
        assert float(shown.replace("−", "-")) != value  # a title only where the page rounds
    # the reference answers of exercise 10 for seed 18: 0.3 shown, 0.30000000000000004 on hover
    solution = EXERCISES[9].solution(18)
    section = page[page.index('<section id="ex10">') :]
    answer = section[: section.index("</pre>")]
    assert f'title="{solution["w_new"]!r}">0.3<' in answer
    assert f'title="{solution["b_new"]!r}">0.1<' in answer
    assert 'title="0.09999999999999998">0.1</span></div>' in section  # and in the worked lines


def test_the_key_notebook_carries_the_worked_solutions_and_the_way_to_exact_values():
    book = notebook("ann", 7, ITEMS, filled=True)
    cells = {cell["id"]: cell["source"] for cell in book["cells"]}
    assert "worked_solution" in cells["setup"]
    assert "dL/dx = dL/da · y + dL/db · 1 = 3 · (−2) + (−5) · 1 = −11" in cells["ex5-worked"]
    assert "print(worked_solution(5, exact=True))" in cells["ex5-worked"]
    student = notebook("ann", 7, ITEMS)
    assert not [c for c in student["cells"] if c["id"].endswith("-worked")]


def test_show_rounds_for_people():
    assert [show(x) for x in (2.5, -0.2999999999999998, 1 / 3, 0.41997434161402614)] == [
        "2.5",
        "−0.3",
        "0.3333",
        "0.4200",
    ]
    assert show(0.997661, 6) == "0.997661" and show(2 / 3, 6) == "0.666667"
    assert Num(-0.2999999999999998).text(exact=True) == "-0.2999999999999998"


def test_eq_puts_negatives_in_parentheses_after_an_operator():
    line = eq("w_new = w − lr·g = {} − {}·{} = {}", -0.5, 0.1, -8.0, 0.3)
    assert Worked((line,)).text() == "w_new = w − lr·g = −0.5 − 0.1·(−8) = 0.3"
    with pytest.raises(ValueError, match="2 places for 1 numbers"):
        eq("{} + {}", 1.0)


def test_board_on_a_teacher_s_own_graph():
    q = Value(3.0, label="q")
    r = q * q + q  # q·q is unnamed: written inside r, both of its paths to q counted
    r.label = "r"
    assert str(board(r)) == "r = q·q + q = 3·3 + 3 = 12\ndr/dq = q + q + 1 = 3 + 3 + 1 = 7"
    x = Value(0.5, label="x")
    y = (x * 2.0).tanh()  # no label on the root: it is L
    assert str(board(y, [x])).splitlines() == [
        "L = tanh(x·2) = tanh(0.5·2) = 0.7616",
        "dL/dx = 2(1 − L²) = 2(1 − 0.7616²) = 0.8399",  # out is the root, L
    ]
    assert q.grad == 0.0 and x.grad == 0.0  # the board only reads the graph


def test_a_graded_key_works_the_graded_numbers_and_offers_no_public_recomputation(tmp_path):
    from nnscalar.exercises.variants import course_secret
    from nnscalar.exercises.worksheet import write_worksheets

    items = [ITEMS[4]]  # the shared node
    ((_, seed),) = write_worksheets(tmp_path, 2024, ["ann"], items, secret="s" * 64)
    with course_secret("s" * 64):
        graded = worked_solution(5, seed)
    assert graded != worked_solution(5, seed)  # without the secret: other numbers
    key = tmp_path / "keys" / "ann"
    assert f"```text\n{graded}\n```" in (key / "answer_key.md").read_text()
    book = "".join(c["source"] for c in json.loads((key / "answer_key.ipynb").read_text())["cells"])
    assert "dL/dx = dL/da · y + dL/db · 1" in book and "exact=True" not in book


def test_a_slope_with_a_condition_says_its_value_and_why():
    """ReLU's slope on the board: the rule, its value here, and the input that decides it."""
    rule = "d(relu)/dz = 1 if z > 0, else 0"
    assert _lines(3, 7)[-1] == f"{rule} = 0, as z = −1"
    assert _lines(3, 8)[-1] == f"{rule} = 1, as z = 1"
