"""The Trainer: gradient accumulation gives the full-batch update, frees each mini-batch's graph,
stops cleanly on a non-finite loss; fit keeps a history and stops early."""

from __future__ import annotations

import gc
import math
import random
import tracemalloc

import pytest

from nnscalar import is_grad_enabled
from nnscalar.errors import (
    ConfigError,
    DomainError,
    FloatOverflowError,
    NonFiniteError,
    ShapeError,
)
from nnscalar.losses import mse
from nnscalar.nn import MLP
from nnscalar.optim import SGD, Adagrad, Adam, AdamW, RMSprop
from nnscalar.train import StepInfo, Trainer, _splits, encode_labels

OPTIMIZERS = {
    "sgd": lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    "adagrad": lambda ps: Adagrad(ps, lr=0.1, lr_decay=0.01),
    "rmsprop": lambda ps: RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
    "adam": lambda ps: Adam(ps, lr=0.05, amsgrad=True),
    "adamw": lambda ps: AdamW(ps, lr=0.05),
}


def _data(n: int = 10, seed: int = 3) -> tuple[list[list[float]], list[float]]:
    rng = random.Random(seed)
    X = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(n)]
    return X, [math.sin(a) * b for a, b in X]


def _train(optimizer: str, reduction: str, accumulation: int, loss: str = "mse") -> list[float]:
    X, y = _data()
    if loss == "ce":
        model = MLP(2, [4, 3], activation="tanh", seed=1)
        y = [int(v > 0) + int(v > 1) for v in y]
    else:
        model = MLP(2, [4, 1], activation="tanh", seed=1)
    trainer = Trainer(
        model, loss, OPTIMIZERS[optimizer](model.parameters()), accumulation, reduction, l2=1e-3
    )
    for _ in range(4):
        trainer.step(X, y)
    return [p.data for p in model.parameters()]


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize(("reduction", "loss"), [("mean", "mse"), ("sum", "mse"), ("mean", "ce")])
def test_accumulation_equals_the_full_batch(optimizer: str, reduction: str, loss: str) -> None:
    full = _train(optimizer, reduction, 1, loss)
    for accumulation in (2, 3, 10):  # 10 in 3 is the uneven split 4 + 3 + 3; 10 is one at a time
        got = _train(optimizer, reduction, accumulation, loss)
        assert got == pytest.approx(full, abs=1e-12, rel=0), f"accumulation {accumulation}"


def test_splits_are_as_even_as_possible() -> None:
    assert _splits(10, 3) == [(0, 4), (4, 7), (7, 10)]
    assert _splits(4, 8) == [(0, 1), (1, 2), (2, 3), (3, 4)]
    assert _splits(5, 1) == [(0, 5)]


def _one_neuron() -> MLP:
    model = MLP(1, [1], seed=0)
    model.layers[0].neurons[0].weights[0].data = 0.5
    return model


@pytest.mark.parametrize("accumulation", [1, 2])
def test_one_step_by_hand_with_l2_added_once(accumulation: int) -> None:
    # w = 0.5, b = 0 on (1 → 1), (2 → 2): predictions 0.5, 1.0; mse = (0.25 + 1)/2 = 0.625.
    # dL/dw = ((2·−0.5·1) + (2·−1·2))/2 = −2.5, dL/db = −1.5; l2 = 0.1·w² = 0.025 adds 0.2·w = 0.1.
    model = _one_neuron()
    trainer = Trainer(model, "mse", SGD(model.parameters(), lr=0.1), accumulation, l2=0.1)
    loss = trainer.step([[1.0], [2.0]], [1.0, 2.0])
    assert loss == pytest.approx(0.65, abs=1e-15)
    w, b = model.parameters()
    assert (w.data, b.data) == pytest.approx((0.5 + 0.1 * 2.4, 0.15), abs=1e-15)
    assert (w.grad, b.grad) == (0.0, 0.0)


def test_a_loss_function_can_be_passed_with_sum_reduction() -> None:
    # Sum: dL/dw = −1 − 4 = −5, dL/db = −3; the loss is 1.25.
    model = _one_neuron()
    trainer = Trainer(model, mse, SGD(model.parameters(), lr=0.1), 2, reduction="sum")
    assert trainer.step([[1.0], [2.0]], [1.0, 2.0]) == 1.25
    assert [p.data for p in model.parameters()] == pytest.approx([1.0, 0.3], abs=1e-15)
    assert trainer.loss_name == "mse"


def _peak_of_one_step(accumulation: int) -> int:
    rng = random.Random(1)
    # Big enough that the graph, not the optimizer's fixed working memory, sets the peak.
    X = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(256)]
    y = [1.0 if a * b > 0 else -1.0 for a, b in X]
    model = MLP(2, [16, 16, 1], seed=0)
    trainer = Trainer(model, "hinge", Adam(model.parameters(), lr=0.01), accumulation)
    trainer.step(X, y)  # the optimizer's state now exists; measure a step like any other
    gc.collect()
    tracemalloc.start()
    try:
        trainer.step(X, y)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_accumulation_frees_each_mini_batch_graph() -> None:
    full, eighth = _peak_of_one_step(1), _peak_of_one_step(8)
    assert eighth <= full / 3, f"peak {eighth} bytes with 8 mini-batches vs {full} for one"


def test_on_step_sees_the_batch_gradient_before_the_update() -> None:
    model = _one_neuron()
    seen = []

    def record(trainer: Trainer, info: StepInfo) -> None:
        seen.append((info, [p.grad for p in trainer.model.parameters()]))

    trainer = Trainer(model, "mse", SGD(model.parameters(), lr=0.1), 2, on_step=record)
    trainer.step([[1.0], [2.0]], [1.0, 2.0])
    assert seen == [(StepInfo(epoch=0, step=1, loss=0.625, batch_size=2, lr=0.1), [-2.5, -1.5])]


def test_a_diverging_run_stops_with_a_clear_error_and_finite_weights() -> None:
    X, y = _data(8)
    model = MLP(2, [8, 1], seed=0)
    trainer = Trainer(model, "mse", SGD(model.parameters(), lr=1e3))
    with pytest.raises(NonFiniteError) as info:
        trainer.fit(X, y, epochs=200, batch_size=4, shuffle=False, quiet=True)
    message = str(info.value)
    assert "training stopped at epoch" in message and ", step " in message
    assert "try a smaller learning rate (now 1000)" in message
    assert all(math.isfinite(p.data) for p in model.parameters())
    assert all(p.grad == 0.0 for p in model.parameters())


def test_an_overflow_is_reported_briefly_with_the_op_and_the_advice() -> None:
    X, y = _data(8)
    model = MLP(2, [16, 16, 1], seed=0)
    trainer = Trainer(model, "mse", SGD(model.parameters(), lr=1e300))
    with pytest.raises(NonFiniteError) as info:
        trainer.fit(X, y, epochs=5, batch_size=4, shuffle=False, quiet=True)
    message = str(info.value)
    assert isinstance(info.value.__cause__, FloatOverflowError)
    assert len(message) < 500, message  # the engine's text lists every operand of a wide sum
    assert " … " in message and "overflows a float" in message
    assert message.endswith("try a smaller learning rate (now 1e+300)")


def test_an_error_in_a_later_mini_batch_leaves_no_gradient_behind() -> None:
    model = _one_neuron()
    trainer = Trainer(model, "mse", SGD(model.parameters(), lr=0.1), accumulation_steps=2)
    with pytest.raises(ShapeError):
        trainer.step([[1.0], [2.0, 3.0]], [1.0, 2.0])  # the second mini-batch has a bad input
    assert [p.grad for p in model.parameters()] == [0.0, 0.0]
    assert [p.data for p in model.parameters()] == [0.5, 0.0] and trainer.steps == 0


def test_a_bad_label_is_not_mistaken_for_divergence() -> None:
    model = MLP(2, [1], seed=0)
    trainer = Trainer(model, "hinge", SGD(model.parameters(), lr=0.1))
    with pytest.raises(DomainError, match="hinge labels must be -1 or \\+1"):
        trainer.step([[0.0, 1.0]], [0.0])


def _moons_like(n: int = 40) -> tuple[list[list[float]], list[float]]:
    rng = random.Random(0)
    X = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(n)]
    return X, [1.0 if a + b > 0 else -1.0 for a, b in X]


def test_fit_keeps_a_history_and_stops_at_the_target_loss() -> None:
    X, y = _moons_like()
    model = MLP(2, [8, 1], seed=0)
    trainer = Trainer(model, "hinge", Adam(model.parameters(), lr=0.05))
    records = trainer.fit(
        X, y, epochs=200, batch_size=10, target_loss=0.05, quiet=True, validation=(X[:10], y[:10])
    )
    last = records[-1]
    assert last.loss <= 0.05 < records[-2].loss
    assert len(records) < 200 and trainer.history == records
    assert [r.epoch for r in records] == list(range(1, len(records) + 1))
    assert trainer.steps == 4 * len(records)
    assert last.accuracy == 1.0 and last.val_accuracy == 1.0
    final = trainer.evaluate(X, y)
    assert final.accuracy == 1.0 and final.n == 40
    assert last.as_dict()["epoch"] == last.epoch


def test_fit_is_deterministic_for_a_seed() -> None:
    def run(seed: int) -> list[float]:
        X, y = _moons_like()
        model = MLP(2, [4, 1], seed=0)
        Trainer(model, "hinge", SGD(model.parameters(), lr=0.1)).fit(
            X, y, epochs=3, batch_size=8, seed=seed, quiet=True
        )
        return [p.data for p in model.parameters()]

    assert run(1) == run(1) != run(2)


def test_fit_steps_a_schedule_each_epoch() -> None:
    from nnscalar.optim import StepLR

    X, y = _moons_like(8)
    model = MLP(2, [1], seed=0)
    opt = SGD(model.parameters(), lr=0.1)
    records = Trainer(model, "hinge", opt).fit(
        X, y, epochs=3, schedule=StepLR(opt, 1, 0.5), quiet=True
    )
    assert [r.lr for r in records] == [0.1, 0.05, 0.025] and opt.lr == 0.0125


def test_evaluate_runs_under_no_grad_and_leaves_grads_alone() -> None:
    modes = []

    def spy(predictions, targets, reduction="mean"):
        modes.append(is_grad_enabled())
        return mse(predictions, targets, reduction=reduction)

    model = _one_neuron()
    result = Trainer(model, spy, SGD(model.parameters(), lr=0.1)).evaluate([[2.0]], [0.0])
    assert modes == [False] and result.loss == 1.0 and result.accuracy is None
    assert [p.grad for p in model.parameters()] == [0.0, 0.0]


def test_classify_and_score_follow_the_loss() -> None:
    model = _one_neuron()  # output 0.5·x
    for loss, x, label, score in [
        ("hinge", -1.0, -1.0, -0.5),
        ("bce_logits", 1.0, 1.0, 0.5),
        ("mse", 2.0, 1.0, 1.0),
    ]:
        trainer = Trainer(model, loss, SGD(model.parameters()))
        assert (trainer.classify([x]), trainer.score([x])) == (label, score)
    three = MLP(1, [3], seed=0)
    trainer = Trainer(three, "ce", SGD(three.parameters()))
    outputs = three.predict([1.0])
    assert trainer.classify([1.0]) == float(outputs.index(max(outputs)))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"loss": "hing"}, "unknown loss 'hing'; valid: mse"),
        ({"accumulation_steps": 0}, "accumulation_steps must be an int >= 1, got 0"),
        ({"reduction": "avg"}, "reduction must be 'mean' or 'sum', got 'avg'"),
        ({"l2": -1.0}, "l2 must be a number >= 0, got -1.0"),
    ],
)
def test_bad_settings_are_refused(kwargs: dict, message: str) -> None:
    model = _one_neuron()
    settings = {"loss": "mse", **kwargs}
    with pytest.raises(ConfigError, match=message):
        Trainer(model, optimizer=SGD(model.parameters()), **settings)


def test_bad_batches_are_refused() -> None:
    model = _one_neuron()
    trainer = Trainer(model, "mse", SGD(model.parameters()))
    with pytest.raises(ShapeError, match=r"Trainer\.step got 2 inputs but 1 targets"):
        trainer.step([[1.0], [2.0]], [1.0])
    with pytest.raises(ConfigError, match="batch_size must be an int >= 1, got 0"):
        trainer.fit([[1.0]], [1.0], epochs=1, batch_size=0)
    with pytest.raises(ConfigError, match="epochs must be an int >= 1, got 0"):
        trainer.fit([[1.0]], [1.0], epochs=0)


def test_labels_are_encoded_for_the_loss() -> None:
    assert encode_labels([3.0, 5.0, 3.0], "hinge") == ([-1.0, 1.0, -1.0], "sign")
    assert encode_labels([3.0, 5.0], "bce") == ([0.0, 1.0], "prob")
    assert encode_labels([7.0, 5.0], "ce") == ([1, 0], "argmax")
    assert encode_labels([2.0, 0.0, 1.0, 2.0], "ce") == ([2, 0, 1, 2], "argmax")
    assert encode_labels([0.5, 1.5, 2.5], "mse") == ([0.5, 1.5, 2.5], "")
    assert encode_labels(["b", "a", "b"], "bce") == ([1.0, 0.0, 1.0], "prob")
    assert encode_labels(["iris", "rose", "aster"], "ce") == ([1, 2, 0], "argmax")
    with pytest.raises(ConfigError, match=r"'mse' is for regression, but .* class name 'iris'"):
        encode_labels(["iris", "rose", "aster"], "mse")
    with pytest.raises(ConfigError, match="'hinge' needs two classes but the targets have 3"):
        encode_labels([0.0, 1.0, 2.0], "hinge")
    with pytest.raises(ConfigError, match="unknown loss 'nll'; valid: hinge, mse"):
        encode_labels([0.0, 1.0], "nll")


def test_evaluate_a_big_data_set_in_slices_agrees_with_one_pass(monkeypatch):
    import nnscalar.train as train_module
    from nnscalar.data import moons
    from nnscalar.nn import MLP
    from nnscalar.train import Trainer

    X, y = moons(n=50, noise=0.1, seed=1)
    from nnscalar.optim import SGD

    model = MLP(2, [4, 1], activation="tanh", seed=0)
    trainer = Trainer(model, "hinge", SGD(model.parameters(), lr=0.1))
    whole = trainer.evaluate(X, y)
    monkeypatch.setattr(train_module, "EVAL_BATCH", 7)  # 8 slices, the last of 1 sample
    sliced = trainer.evaluate(X, y)
    assert sliced.accuracy == whole.accuracy and sliced.n == whole.n == 50
    assert sliced.loss == pytest.approx(whole.loss, rel=1e-12)
