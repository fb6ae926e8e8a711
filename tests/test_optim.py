"""Optimizers against update sequences worked out by hand from PyTorch's documented rules.

Each case feeds one parameter (w0 = 1.0) a fixed sequence of gradients, so every number below
can be checked on paper; eps = 0 where it would only blur the arithmetic.
"""

from __future__ import annotations

import json
import math

import pytest

from nnscalar import Value
from nnscalar.errors import ConfigError, NonFiniteError, NotANumberError
from nnscalar.optim import (
    OPTIMIZERS,
    SGD,
    Adagrad,
    Adam,
    AdamW,
    CosineLR,
    RMSprop,
    StepLR,
    make_optimizer,
)

r2 = math.sqrt(2.0)

# (optimizer factory, gradients fed at steps 1, 2, ..., w after each step)
CASES = {
    "sgd": (lambda p: SGD(p, lr=0.1), [1.0, 2.0], [0.9, 0.7]),
    "sgd momentum": (
        lambda p: SGD(p, lr=0.1, momentum=0.9),
        [1.0, 2.0, -1.0],
        [0.9, 0.61, 0.449],  # b = 1, 0.9·1 + 2 = 2.9, 0.9·2.9 − 1 = 1.61
    ),
    "sgd dampening": (
        lambda p: SGD(p, lr=0.1, momentum=0.9, dampening=0.5),
        [1.0, 2.0],
        [0.9, 0.71],  # the first buffer is g itself; then b = 0.9·1 + 0.5·2 = 1.9
    ),
    "sgd nesterov": (
        lambda p: SGD(p, lr=0.1, momentum=0.9, nesterov=True),
        [1.0, 2.0],
        [0.81, 0.349],  # steps g + 0.9·b: 1 + 0.9 = 1.9, then 2 + 0.9·2.9 = 4.61
    ),
    "sgd weight decay": (
        lambda p: SGD(p, lr=0.1, weight_decay=0.1),
        [1.0, 2.0],
        [0.89, 0.6811],  # g + 0.1·w: 1.1, then 2 + 0.089 = 2.089
    ),
    "adagrad": (
        lambda p: Adagrad(p, lr=0.1, eps=0.0),
        [1.0, 2.0],
        [0.9, 0.9 - 0.2 / math.sqrt(5.0)],  # sums of squares 1, 5
    ),
    "adagrad lr_decay": (
        lambda p: Adagrad(p, lr=0.1, lr_decay=0.5, eps=0.0),
        [1.0, 2.0],
        [0.9, 0.9 - (0.1 / 1.5) * 2.0 / math.sqrt(5.0)],
    ),
    "adagrad initial accumulator": (
        lambda p: Adagrad(p, lr=0.1, initial_accumulator_value=3.0, eps=0.0),
        [1.0],
        [0.95],  # 1 − 0.1·1/√(3 + 1)
    ),
    "rmsprop": (
        lambda p: RMSprop(p, lr=0.1, alpha=0.5, eps=0.0),
        [1.0, 2.0],
        [1.0 - 0.1 / math.sqrt(0.5), 1.0 - 0.1 / math.sqrt(0.5) - 0.1 * 2.0 / 1.5],  # v = .5, 2.25
    ),
    "rmsprop centered": (
        lambda p: RMSprop(p, lr=0.1, alpha=0.5, eps=0.0, centered=True),
        [1.0, -1.0],
        # v = 0.5, g_avg = 0.5, ṽ = 0.25; then v = 0.75, g_avg = −0.25, ṽ = 0.6875
        [0.8, 0.8 + 0.1 / math.sqrt(0.6875)],
    ),
    "rmsprop momentum": (
        lambda p: RMSprop(p, lr=0.1, alpha=0.5, eps=0.0, momentum=0.9),
        [1.0, 2.0],
        [1.0 - 0.1 * r2, 1.0 - 0.1 * r2 - 0.1 * (0.9 * r2 + 2.0 / 1.5)],
    ),
    "adam": (
        lambda p: Adam(p, lr=0.1, betas=(0.5, 0.5), eps=0.0),
        [1.0, 2.0],
        # m = 0.5, v = 0.5 → m̂ = v̂ = 1; then m = 1.25, v = 2.25 → m̂ = 5/3, v̂ = 3
        [0.9, 0.9 - 0.1 * (5.0 / 3.0) / math.sqrt(3.0)],
    ),
    "adam amsgrad": (
        lambda p: Adam(p, lr=0.1, betas=(0.5, 0.5), eps=0.0, amsgrad=True),
        [2.0, 0.0],
        # v = 2 then 1, but v_max stays 2: v̂ = 2/0.75 (plain Adam would use 1/0.75)
        [0.9, 0.9 - 0.1 * (0.5 / 0.75) / math.sqrt(2.0 / 0.75)],
    ),
    "adam weight decay": (
        lambda p: Adam(p, lr=0.1, betas=(0.5, 0.5), eps=0.0, weight_decay=0.5),
        [1.0, 2.0],
        # g = 1.5 → m = 0.75, v = 1.125, w = 0.9; g = 2 + 0.45 = 2.45 → m = 1.6, v = 3.56375
        [0.9, 0.9 - 0.1 * (1.6 / 0.75) / math.sqrt(3.56375 / 0.75)],
    ),
    "adamw": (
        lambda p: AdamW(p, lr=0.1, betas=(0.5, 0.5), eps=0.0, weight_decay=0.5),
        [1.0, 2.0],
        # decay first (w·(1 − 0.05)), then the plain Adam step
        [0.85, 0.85 * 0.95 - 0.1 * (5.0 / 3.0) / math.sqrt(3.0)],
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_update_sequence_matches_hand_computation(name: str) -> None:
    make, grads, expected = CASES[name]
    w = Value(1.0, label="w")
    opt = make([w])
    for step, (g, want) in enumerate(zip(grads, expected, strict=True), start=1):
        w.grad = g
        opt.step()
        assert w.data == pytest.approx(want, rel=1e-14, abs=1e-15), f"step {step}"
        assert w.grad == g, "step() must not touch .grad"
    assert opt.steps == len(grads)


def test_amsgrad_differs_from_adam_when_v_falls() -> None:
    plain, ams = Value(1.0), Value(1.0)
    a, b = (
        Adam([plain], lr=0.1, betas=(0.5, 0.5), eps=0.0),
        Adam([ams], lr=0.1, betas=(0.5, 0.5), eps=0.0, amsgrad=True),
    )
    for g in (2.0, 0.0):
        plain.grad = ams.grad = g
        a.step()
        b.step()
    assert plain.data == pytest.approx(0.9 - 0.1 * (0.5 / 0.75) / math.sqrt(1.0 / 0.75), 1e-14)
    assert ams.data > plain.data


def test_zero_grad_resets_every_parameter() -> None:
    ps = [Value(1.0), Value(2.0)]
    ps[0].grad, ps[1].grad = 3.0, -4.0
    opt = SGD(ps, lr=0.1)
    opt.zero_grad()
    assert [p.grad for p in ps] == [0.0, 0.0]


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_state_dict_round_trips_through_json(name: str) -> None:
    hyper = {"lr": 0.1, "momentum": 0.9} if name in ("sgd", "rmsprop") else {"lr": 0.1}
    w1, w2 = Value(1.0), Value(1.0)
    first = make_optimizer(name, [w1], **hyper)
    for g in (1.0, -2.0):
        w1.grad = g
        first.step()
    second = make_optimizer(name, [w2], lr=0.5)
    second.load_state_dict(json.loads(json.dumps(first.state_dict())))
    w2.data = w1.data
    assert second.lr == 0.1 and second.steps == 2
    for g in (0.5, 3.0):
        w1.grad = w2.grad = g
        first.step()
        second.step()
    assert w2.data == w1.data


def test_load_state_dict_refuses_a_mismatch() -> None:
    adam = Adam([Value(1.0)])
    with pytest.raises(ConfigError, match="state is of a SGD optimizer"):
        adam.load_state_dict(SGD([Value(1.0)]).state_dict())
    with pytest.raises(ConfigError, match="the state has 2 parameters, this optimizer 1"):
        adam.load_state_dict(Adam([Value(1.0), Value(2.0)]).state_dict())
    with pytest.raises(ConfigError, match="expected a dict with keys"):
        adam.load_state_dict({"type": "Adam"})


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: SGD(p, lr=-0.1), r"SGD: lr = -0.1 is outside the valid range \(0, inf\)"),
        (lambda p: Adam(p, lr=0.0), r"Adam: lr = 0.0 is outside the valid range \(0, inf\)"),
        (
            lambda p: Adam(p, betas=(1.0, 0.999)),
            r"Adam: betas\[0\] = 1.0 is outside the valid range \[0, 1\)",
        ),
        (
            lambda p: AdamW(p, betas=(0.9, -0.1)),
            r"AdamW: betas\[1\] = -0.1 is outside the valid range \[0, 1\)",
        ),
        (lambda p: Adam(p, betas=0.9), r"betas must be a pair, got 0.9"),
        (lambda p: SGD(p, momentum=1.5), r"momentum = 1.5 is outside the valid range \[0, 1\)"),
        (lambda p: SGD(p, nesterov=True), r"nesterov=True needs momentum > 0 and dampening = 0"),
        (lambda p: RMSprop(p, alpha=1.0), r"alpha = 1.0 is outside the valid range \[0, 1\)"),
        (lambda p: Adagrad(p, eps=-1e-3), r"eps = -0.001 is outside the valid range \[0, inf\)"),
        (lambda p: SGD(p, weight_decay=math.nan), r"weight_decay = nan is outside"),
        (lambda p: SGD([]), r"SGD: got no parameters to optimize"),
        (lambda p: SGD(p + p), r"parameter w=1.0 is given twice"),
        (lambda p: make_optimizer("lbfgs", p), r"unknown optimizer 'lbfgs'; valid: sgd, adagrad"),
    ],
)
def test_bad_hyper_parameters_are_refused(make, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        make([Value(1.0, label="w")])


def test_a_non_number_is_a_type_error() -> None:
    with pytest.raises(NotANumberError, match=r"SGD: lr must be a number, got '0.1'"):
        SGD([Value(1.0)], lr="0.1")
    with pytest.raises(NotANumberError, match=r"parameters must be Values, got 1.0"):
        SGD([1.0])


def test_non_finite_gradient_leaves_weights_and_state_untouched() -> None:
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    opt = Adam([a, b], lr=0.1)
    a.grad, b.grad = 1.0, 1.0
    opt.step()
    before = ([a.data, b.data], opt.state_dict())
    a.grad, b.grad = 1.0, math.inf
    with pytest.raises(NonFiniteError, match=r"Adam.step 2: the gradient of b=1.9.* is inf"):
        opt.step()
    assert ([a.data, b.data], opt.state_dict()) == before


def test_an_overflowing_update_is_refused() -> None:
    w = Value(1.0, label="w")
    opt = SGD([w], lr=1e300)
    w.grad = 1e10
    with pytest.raises(NonFiniteError, match=r"update of w=1.0 .* not finite; try a smaller"):
        opt.step()
    assert w.data == 1.0 and opt.steps == 0


def test_step_lr_decays_every_step_size_epochs() -> None:
    opt = SGD([Value(0.0)], lr=1.0)
    schedule = StepLR(opt, step_size=2, gamma=0.5)
    assert [schedule.step() for _ in range(5)] == [1.0, 0.5, 0.5, 0.25, 0.25]
    assert opt.lr == 0.25


def test_cosine_lr_follows_half_a_cosine_then_stays() -> None:
    opt = SGD([Value(0.0)], lr=1.0)
    schedule = CosineLR(opt, t_max=4, min_lr=0.2)
    got = [schedule.step() for _ in range(5)]
    c = (1.0 + math.cos(math.pi / 4.0)) / 2.0  # 0.8535...
    want = [0.2 + 0.8 * c, 0.6, 0.2 + 0.8 * (1.0 - c), 0.2, 0.2]
    assert got == pytest.approx(want, rel=1e-15)


def test_schedule_state_round_trips() -> None:
    opt = SGD([Value(0.0)], lr=1.0)
    schedule = StepLR(opt, step_size=1, gamma=0.5)
    schedule.step()
    schedule.step()
    other_opt = SGD([Value(0.0)], lr=1.0)
    other = StepLR(other_opt, step_size=1, gamma=0.5)
    other.load_state_dict(schedule.state_dict())
    assert other_opt.lr == 0.25 and other.step() == 0.125


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda o: StepLR(o, step_size=0), r"StepLR: step_size must be an int >= 1, got 0"),
        (lambda o: StepLR(o, 1, gamma=1.5), r"gamma = 1.5 is outside the valid range \(0, 1\]"),
        (lambda o: CosineLR(o, t_max=2.5), r"CosineLR: t_max must be an int >= 1, got 2.5"),
        (lambda o: CosineLR(o, 5, min_lr=2.0), r"min_lr = 2.0 is outside the valid range \[0, 1\]"),
    ],
)
def test_bad_schedules_are_refused(make, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        make(SGD([Value(0.0)], lr=1.0))


def test_sgd_momentum_switched_on_after_the_first_step_starts_its_buffer_then() -> None:
    # As torch.optim.SGD: the buffer is created by the first step that uses momentum.
    w = Value(1.0)
    opt = SGD([w], lr=0.5)
    w.grad = 1.0
    opt.step()  # plain SGD: 1.0 - 0.5 * 1.0
    assert w.data == 0.5
    opt.momentum = 0.5
    w.grad = 1.0
    opt.step()  # buffer b = g = 1.0 (no KeyError): 0.5 - 0.5 * 1.0
    assert w.data == 0.0
    w.grad = 1.0
    opt.step()  # b = 0.5 * 1.0 + 1.0 = 1.5: 0.0 - 0.5 * 1.5
    assert w.data == -0.75
