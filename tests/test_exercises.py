"""The built-in exercises: reference solutions pass, typical mistakes are named, variants."""

from __future__ import annotations

import math

import pytest

from nnscalar import Value
from nnscalar.errors import ConfigError, ParseError
from nnscalar.exercises import all_exercises, check, check_answer, find, seed_of, student_seed
from nnscalar.exercises.answers import parse_answers
from nnscalar.exercises.chainrule import paths_to
from nnscalar.exercises.loader import load_path

EXERCISES = all_exercises()
NUMBERS = [e for e in EXERCISES if e.kind == "numbers"]
SEEDS = (1, 2, 3)


def test_at_least_twelve_in_the_seeds_concept_order():
    assert [e.id for e in EXERCISES] == [
        "weighted-input",
        "bias",
        "activation-derivatives",
        "expression-gradients",
        "shared-node",
        "new-op-backward",
        "neuron-forward",
        "mse-loss",
        "cross-entropy",
        "sgd-step",
        "adam-step",
        "accumulation",
        "train-to-accuracy",
        "spot-the-bug",
    ]
    for e in EXERCISES:
        assert e.hints and e.statement(1) and e.title and e.concept


@pytest.mark.parametrize("exercise", NUMBERS, ids=lambda e: e.id)
@pytest.mark.parametrize("seed", SEEDS)
def test_reference_solution_passes(exercise, seed):
    result = exercise.check(exercise.solution(seed), seed)
    assert result.passed
    assert result.score == result.max_score == len(exercise.names(seed))


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_variants_repeat_for_a_seed_and_differ_across_seeds(exercise):
    assert exercise.statement(7) == exercise.statement(7)
    assert exercise.solution(7) == exercise.solution(7)
    statements = {exercise.statement(seed) for seed in range(1, 9)}
    assert len(statements) >= 2 if exercise.id == "new-op-backward" else len(statements) >= 4


def _mistake(exercise_id: str, seed: int, change) -> str:
    exercise = find(exercise_id, EXERCISES)[1]
    answer = dict(exercise.solution(seed))
    change(answer, seed)
    result = exercise.check(answer, seed)
    assert not result.passed
    return " | ".join(p.message for p in result.parts if not p.ok)


def _sub(key: str, other: str, factor: float = 1.0):
    def change(answer, seed):
        answer[key] = answer[other] * factor

    return change


WEIGHTED = find("weighted-input", EXERCISES)[1]


def _z_without_bias(answer, seed):
    from nnscalar.exercises.ex_neuron import _z_numbers

    answer["z"] -= _z_numbers(seed)[2]


def _tanh_of_z(answer, seed):
    from nnscalar.exercises.ex_neuron import _act_z

    answer["d_tanh"] = 1 - _act_z(seed) ** 2


def _mse_no_mean(answer, seed):
    answer["dL_dp1"] *= 3


def _ce_no_one(answer, seed):
    from nnscalar.exercises.ex_training import _ce_numbers

    k = _ce_numbers(seed)[1]
    answer[f"dL_dz{k}"] += 1


def _sgd_uphill(answer, seed):
    from nnscalar.exercises.ex_training import _sgd_numbers

    n = _sgd_numbers(seed)
    answer["w_new"] = n["w"] + n["lr"] * answer["dL_dw"]


def _adam_uncorrected(answer, seed):
    from nnscalar.exercises.ex_training import _adam_numbers

    w, g1, _, lr = _adam_numbers(seed)
    answer["w1"] = w - lr * (0.1 * g1) / (math.sqrt(0.001 * g1 * g1) + 1e-8)


def _accumulate_unscaled(answer, seed):
    answer["g_accumulated"] = answer["g_mb1"] + answer["g_mb2"]


def _shared_one_path(answer, seed):
    answer["dL_dx"] -= answer["dL_db"]  # drops the path x → b → L (db/dx = 1)


def _trust_broken_code(answer, seed):
    from nnscalar.exercises.ex_backprop import _buggy_gradients

    answer.update(_buggy_gradients(seed))


def _blame_line_one(answer, seed):
    answer["bug_line"] = 1.0


MISTAKES = [
    ("weighted-input", _z_without_bias, "you left out the bias"),
    ("bias", lambda a, s: a.update(b=0.0), "its line goes through the origin"),
    ("activation-derivatives", _sub("d_sigmoid", "sigmoid"), "that is sigmoid(z) itself"),
    ("activation-derivatives", _tanh_of_z, "you put z into 1 − out²"),
    (
        "expression-gradients",
        _sub("dL_da", "dL_de"),
        "the chain-rule step from e to a is missing: multiply by the local derivative",
    ),
    ("shared-node", _shared_one_path, "you followed only the path through a"),
    ("neuron-forward", _sub("out", "z"), "that is z; the output is"),
    ("mse-loss", _mse_no_mean, "you left out the 1/n of the mean: divide by n = 3"),
    ("cross-entropy", _ce_no_one, "for the right class subtract 1"),
    ("sgd-step", _sgd_uphill, "step against the gradient: w − lr·dL/dw"),
    ("adam-step", _adam_uncorrected, "you left out the bias correction"),
    ("accumulation", _accumulate_unscaled, "scaled by its share (3/5, 2/5)"),
    ("spot-the-bug", _trust_broken_code, "that is what the broken code returns; fix line"),
    ("spot-the-bug", _blame_line_one, "line 1 is right (the forward pass: z = w·x + b)"),
]


@pytest.mark.parametrize(
    ("exercise_id", "change", "words"),
    MISTAKES,
    ids=[f"{m[0]}-{i}" for i, m in enumerate(MISTAKES)],
)
def test_a_typical_mistake_is_named(exercise_id, change, words):
    for seed in SEEDS:
        assert words in _mistake(exercise_id, seed, change)


def test_expected_and_given_are_in_the_message():
    message = _mistake("weighted-input", 1, lambda a, s: a.update(z=a["z"] + 10))
    assert message == "expected 5.5, given 15.5"


def test_a_chain_rule_message_names_the_node_and_its_formula():
    message = _mistake("expression-gradients", 3, _sub("dL_da", "dL_de"))
    assert message == (
        "expected 7.5, given 2.5: the chain-rule step from e to a is missing: "
        "multiply by the local derivative de/da = b = 3"
    )


def test_new_op_backward_reference_and_mistake_in_process():
    exercise = find("new-op-backward", EXERCISES)[1]
    namespace: dict = {}
    exec(exercise.solution(4), namespace)  # the reference solution, our own code
    assert check_answer(exercise, namespace, 4).passed
    wrong = check_answer(exercise, {"local_derivative": lambda a, out: out}, 4)
    assert wrong.score == 0
    assert all("you returned out, the op's value, not its slope" in p.message for p in wrong.parts)
    missing = check_answer(exercise, {}, 4)
    assert missing.parts[0].message == "define a function local_derivative(a, out)"


class _Constant:
    def predict(self, x):
        return 1.0


def test_train_to_accuracy_names_an_untrained_model():
    exercise = find("train-to-accuracy", EXERCISES)[1]
    result = check_answer(exercise, {"train": lambda X, y: _Constant()}, 5)
    assert not result.passed
    assert "the model gives every point the same class: did it train?" in result.parts[0].message


def test_check_takes_a_notebook_dict_with_whole_numbers():
    answer = {"w": WEIGHTED.solution(1)["z"]}
    assert not check(1, answer, seed=1).passed
    bias = find("bias", EXERCISES)[1]
    solution = bias.solution(5)
    assert check(
        "bias", {k: int(v) if v.is_integer() else v for k, v in solution.items()}, seed=5
    ).passed


def test_a_notebook_answer_with_a_misspelt_name_gets_a_note():
    result = check(1, {"Z": WEIGHTED.solution(1)["z"]}, seed=1)
    assert not result.passed
    assert result.note == "not asked for: Z (the names are: z; capitals matter)"


def test_seeds_are_stable_across_processes_and_hash_seeds():
    assert seed_of("123") == 123
    assert seed_of(" 42 ") == 42
    assert student_seed(7, "alice") == 649198393
    assert student_seed(7, "bob") == 173388049
    assert student_seed(8, "alice") != student_seed(7, "alice")


def test_find_by_number_or_id():
    assert find(3, EXERCISES)[1].id == "activation-derivatives"
    assert find("spot-the-bug", EXERCISES)[0] == 14
    with pytest.raises(ConfigError, match="there is no exercise 99; there are 1 to 14"):
        find(99, EXERCISES)
    with pytest.raises(ConfigError, match="there is no exercise 'nope'"):
        find("nope", EXERCISES)


def test_paths_through_a_shared_node():
    x = Value(2.0, label="x")
    a = x * 3.0
    loss = a * x
    assert len(paths_to(loss, x)) == 2


def test_answers_are_parsed_never_evaluated():
    assert parse_answers("z = 1.5\n# note\ndL_da = -2 * 3  # six\nq: 1 - 0.5**2\n") == {
        "z": 1.5,
        "dL_da": -6.0,
        "q": 0.75,
    }
    with pytest.raises(
        ParseError,
        match=r"a.txt, line 1, column 5: the value of z uses the "
        r"name 'x'; give numbers only",
    ):
        parse_answers("z = x + 1", "a.txt")
    with pytest.raises(ParseError, match=r"a.txt, line 2: 'z' is given twice"):
        parse_answers("z = 1\nz = 2", "a.txt")
    with pytest.raises(ParseError, match=r"line 1, column 5: the value of z is not a number"):
        parse_answers('z = __import__("os")', "a.txt")
    with pytest.raises(ParseError, match=r"line 1, column 1: expected `name = number`"):
        parse_answers("z 1", "a.txt")


def test_a_teacher_folder_adds_exercises(tmp_path):
    (tmp_path / "mine.py").write_text(
        "from nnscalar.exercises import CheckResult, Exercise, number_part\n"
        "EXERCISE = Exercise(id='double', title='Double', concept='arithmetic',\n"
        "    statement=lambda seed: f'Double {seed}.', solution=lambda seed: {'y': 2.0 * seed},\n"
        "    check=lambda a, seed: CheckResult('double', (number_part('y', a.get('y'),"
        " 2.0 * seed),)))\n"
    )
    extra = load_path(tmp_path)
    assert [e.id for e in extra] == ["double"]
    everything = all_exercises([tmp_path])
    assert find(15, everything)[1].id == "double"
    assert everything[14].check({"y": 6.0}, 3).passed
    with pytest.raises(ConfigError, match="two exercises have the id 'double'"):
        all_exercises([tmp_path, tmp_path])


def test_unicode_digits_are_not_numbers_and_a_bom_is_ignored():
    from nnscalar.errors import ParseError
    from nnscalar.exercises.answers import parse_answers

    for text in ("z = ٣", "z = ５", "z = 1٣"):
        with pytest.raises(ParseError, match="the value of z is not a number"):
            parse_answers(text)
    assert parse_answers("\ufeffz = 1.5\n") == {"z": 1.5}
    assert seed_of("٣") != 3 and seed_of(" 42 ") == 42
