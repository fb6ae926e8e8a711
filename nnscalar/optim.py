"""Optimizers and learning-rate schedules: they read each parameter's `.grad` and change `.data`.

The update rules are the ones PyTorch documents for `torch.optim` (SGD, Adagrad, RMSprop, Adam,
AdamW), written per scalar. A step first computes every new value and checks that all are finite,
then writes them: a gradient or an update that overflows raises `NonFiniteError` and leaves every
weight and every running average as it was.
"""

from __future__ import annotations

import copy
import math
from abc import ABC, abstractmethod
from collections.abc import Iterable

from .core import Value
from .errors import ConfigError, NonFiniteError, NotANumberError, describe

__all__ = [
    "OPTIMIZERS",
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "CosineLR",
    "Optimizer",
    "RMSprop",
    "StepLR",
    "make_optimizer",
]

_INF = math.inf


class Optimizer(ABC):
    """Base class: holds the parameters, the step count and one state dict of floats per parameter.

    A subclass lists its hyper-parameters in `hyper_names` and implements `_update`.
    """

    hyper_names: tuple[str, ...] = ("lr",)

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params: list[Value] = list(params)
        seen: set[int] = set()
        for p in self.params:
            if not isinstance(p, Value):
                raise NotANumberError(
                    f"{type(self).__name__}: parameters must be Values, got {p!r}"
                )
            if id(p) in seen:
                raise ConfigError(
                    f"{type(self).__name__}: parameter {describe(p)} is given twice; "
                    "each parameter must appear once"
                )
            seen.add(id(p))
        if not self.params:
            raise ConfigError(f"{type(self).__name__}: got no parameters to optimize")
        self.lr = _check(self, "lr", lr, 0.0, _INF, low_open=True)
        self.steps = 0
        self.state: list[dict[str, float]] = [{} for _ in self.params]

    def zero_grad(self) -> None:
        """Set every parameter's `.grad` to 0.0 (call it between steps)."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Move every parameter once, using its `.grad`; all or nothing."""
        t = self.steps + 1
        name = type(self).__name__
        updates = []
        for p, state in zip(self.params, self.state, strict=True):
            g = p.grad
            if not -_INF < g < _INF:
                raise NonFiniteError(
                    f"{name}.step {t}: the gradient of {describe(p)} is {g}; "
                    "try a smaller learning rate or scale the inputs"
                )
            new_state = dict(state)
            data = self._update(p.data, g, new_state, t)
            if not -_INF < data < _INF or not all(-_INF < s < _INF for s in new_state.values()):
                raise NonFiniteError(
                    f"{name}.step {t}: the update of {describe(p)} (gradient {g}) is not "
                    "finite; try a smaller learning rate"
                )
            updates.append((data, new_state))
        for i, (data, new_state) in enumerate(updates):
            self.params[i].data = data
            self.state[i] = new_state
        self.steps = t

    @abstractmethod
    def _update(self, w: float, g: float, state: dict[str, float], t: int) -> float:
        """The parameter's new value at step t; may update `state` (a fresh copy) in place."""

    def state_dict(self) -> dict:
        """Everything needed to resume: type, hyper-parameters, step count, per-parameter state."""
        return {
            "type": type(self).__name__,
            "hyper": {k: copy.copy(getattr(self, k)) for k in self.hyper_names},
            "steps": self.steps,
            "state": [dict(s) for s in self.state],
        }

    def load_state_dict(self, state: dict) -> None:
        """Restore what `state_dict()` gave, for the same kind of optimizer and parameter count."""
        name = type(self).__name__
        try:
            kind, hyper, steps, states = (state[k] for k in ("type", "hyper", "steps", "state"))
        except (KeyError, TypeError):
            raise ConfigError(
                f"{name}.load_state_dict: expected a dict with keys type, hyper, steps, state"
            ) from None
        if kind != name:
            raise ConfigError(f"{name}.load_state_dict: the state is of a {kind} optimizer")
        if len(states) != len(self.params):
            raise ConfigError(
                f"{name}.load_state_dict: the state has {len(states)} parameters, "
                f"this optimizer {len(self.params)}"
            )
        if set(hyper) != set(self.hyper_names):
            raise ConfigError(
                f"{name}.load_state_dict: hyper-parameters {sorted(hyper)} do not match "
                f"{sorted(self.hyper_names)}"
            )
        for k, v in hyper.items():
            setattr(self, k, tuple(v) if isinstance(v, list) else v)
        self.steps = int(steps)
        self.state = [{k: float(v) for k, v in s.items()} for s in states]

    def __repr__(self) -> str:
        hyper = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.hyper_names)
        return f"{type(self).__name__}({len(self.params)} parameters, {hyper})"


class SGD(Optimizer):
    """Stochastic gradient descent: w ← w − lr·g, with optional momentum, dampening, Nesterov and
    L2 weight decay (g ← g + λw), as `torch.optim.SGD`."""

    hyper_names = ("lr", "momentum", "dampening", "nesterov", "weight_decay")

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.01,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _check(self, "momentum", momentum, 0.0, 1.0)
        self.dampening = _check(self, "dampening", dampening, 0.0, 1.0, high_closed=True)
        self.weight_decay = _check(self, "weight_decay", weight_decay, 0.0, _INF)
        self.nesterov = bool(nesterov)
        if self.nesterov and (self.momentum == 0.0 or self.dampening != 0.0):
            raise ConfigError(
                f"SGD: nesterov=True needs momentum > 0 and dampening = 0, got momentum="
                f"{momentum}, dampening={dampening}"
            )

    def _update(self, w: float, g: float, state: dict[str, float], t: int) -> float:
        if self.weight_decay:
            g += self.weight_decay * w
        if self.momentum:
            if "b" not in state:  # the first step with momentum (as PyTorch, even if not step 1)
                b = g
            else:
                b = self.momentum * state["b"] + (1.0 - self.dampening) * g
            state["b"] = b
            g = g + self.momentum * b if self.nesterov else b
        return w - self.lr * g


class Adagrad(Optimizer):
    """Adagrad: divides each step by the root of the sum of that parameter's squared gradients,
    as `torch.optim.Adagrad` (with lr_decay, weight_decay, initial_accumulator_value)."""

    hyper_names = ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps")

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.01,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        super().__init__(params, lr)
        self.lr_decay = _check(self, "lr_decay", lr_decay, 0.0, _INF)
        self.weight_decay = _check(self, "weight_decay", weight_decay, 0.0, _INF)
        self.initial_accumulator_value = _check(
            self, "initial_accumulator_value", initial_accumulator_value, 0.0, _INF
        )
        self.eps = _check(self, "eps", eps, 0.0, _INF)

    def _update(self, w: float, g: float, state: dict[str, float], t: int) -> float:
        lr = self.lr / (1.0 + (t - 1) * self.lr_decay)
        if self.weight_decay:
            g += self.weight_decay * w
        total = state.get("sum", self.initial_accumulator_value) + g * g
        state["sum"] = total
        return w - lr * g / (math.sqrt(total) + self.eps)


class RMSprop(Optimizer):
    """RMSprop: divides each step by the root of a running mean of squared gradients (centered:
    of their variance), with optional momentum, as `torch.optim.RMSprop`."""

    hyper_names = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered")

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.alpha = _check(self, "alpha", alpha, 0.0, 1.0)
        self.eps = _check(self, "eps", eps, 0.0, _INF)
        self.weight_decay = _check(self, "weight_decay", weight_decay, 0.0, _INF)
        self.momentum = _check(self, "momentum", momentum, 0.0, 1.0)
        self.centered = bool(centered)

    def _update(self, w: float, g: float, state: dict[str, float], t: int) -> float:
        a = self.alpha
        if self.weight_decay:
            g += self.weight_decay * w
        v = a * state.get("v", 0.0) + (1.0 - a) * g * g
        state["v"] = v
        if self.centered:
            g_avg = a * state.get("g_avg", 0.0) + (1.0 - a) * g
            state["g_avg"] = g_avg
            v = v - g_avg * g_avg
        step = g / (math.sqrt(max(v, 0.0)) + self.eps)
        if self.momentum:
            step = self.momentum * state.get("b", 0.0) + step
            state["b"] = step
        return w - self.lr * step


class Adam(Optimizer):
    """Adam: a step along the bias-corrected running mean of the gradient, divided by the root
    of the running mean of its square (amsgrad: of the largest so far), as `torch.optim.Adam`."""

    hyper_names = ("lr", "betas", "eps", "weight_decay", "amsgrad")

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ConfigError(f"{type(self).__name__}: betas must be a pair, got {betas!r}")
        self.betas = (
            _check(self, "betas[0]", betas[0], 0.0, 1.0),
            _check(self, "betas[1]", betas[1], 0.0, 1.0),
        )
        self.eps = _check(self, "eps", eps, 0.0, _INF)
        self.weight_decay = _check(self, "weight_decay", weight_decay, 0.0, _INF)
        self.amsgrad = bool(amsgrad)

    def _update(self, w: float, g: float, state: dict[str, float], t: int) -> float:
        if self.weight_decay:
            g += self.weight_decay * w
        return self._adam(w, g, state, t)

    def _adam(self, w: float, g: float, state: dict[str, float], t: int) -> float:
        b1, b2 = self.betas
        m = b1 * state.get("m", 0.0) + (1.0 - b1) * g
        v = b2 * state.get("v", 0.0) + (1.0 - b2) * g * g
        state["m"], state["v"] = m, v
        if self.amsgrad:
            v = max(state.get("v_max", 0.0), v)
            state["v_max"] = v
        m_hat = m / (1.0 - b1**t)
        v_hat = v / (1.0 - b2**t)
        return w - self.lr * m_hat / (math.sqrt(v_hat) + self.eps)


class AdamW(Adam):
    """Adam with decoupled weight decay: w ← w − lr·λ·w before the Adam step, as
    `torch.optim.AdamW` (weight_decay defaults to 0.01)."""

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)

    def _update(self, w: float, g: float, state: dict[str, float], t: int) -> float:
        w = w * (1.0 - self.lr * self.weight_decay)
        return self._adam(w, g, state, t)


OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "adagrad": Adagrad,
    "rmsprop": RMSprop,
    "adam": Adam,
    "adamw": AdamW,
}


def make_optimizer(name: str, params: Iterable[Value], **hyper: object) -> Optimizer:
    """The optimizer called `name` (a key of `OPTIMIZERS`) over `params`, e.g. `"adam", lr=0.01`."""
    try:
        cls = OPTIMIZERS[name.lower()]
    except (KeyError, AttributeError):
        raise ConfigError(f"unknown optimizer {name!r}; valid: {', '.join(OPTIMIZERS)}") from None
    return cls(params, **hyper)


class _Schedule(ABC):
    """Base of the learning-rate schedules: call `step()` once per epoch, after training it."""

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise ConfigError(f"{type(self).__name__}: expected an Optimizer, got {optimizer!r}")
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.epoch = 0

    def step(self) -> float:
        """Advance one epoch and set the optimizer's learning rate; returns it."""
        self.epoch += 1
        self.optimizer.lr = self.lr_at(self.epoch)
        return self.optimizer.lr

    @abstractmethod
    def lr_at(self, epoch: int) -> float:
        """The learning rate after `epoch` calls of `step()`."""

    def state_dict(self) -> dict:
        """The schedule's position and starting learning rate."""
        return {"type": type(self).__name__, "base_lr": self.base_lr, "epoch": self.epoch}

    def load_state_dict(self, state: dict) -> None:
        """Resume from `state_dict()`; sets the optimizer's learning rate to match."""
        if state.get("type") != type(self).__name__:
            raise ConfigError(
                f"{type(self).__name__}.load_state_dict: the state is of a {state.get('type')}"
            )
        self.base_lr = float(state["base_lr"])
        self.epoch = int(state["epoch"])
        self.optimizer.lr = self.lr_at(self.epoch)


class StepLR(_Schedule):
    """Step decay: lr = base_lr · gamma^(epoch // step_size)."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        super().__init__(optimizer)
        if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size < 1:
            raise ConfigError(f"StepLR: step_size must be an int >= 1, got {step_size!r}")
        self.step_size = step_size
        self.gamma = _check(self, "gamma", gamma, 0.0, 1.0, high_closed=True, low_open=True)

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class CosineLR(_Schedule):
    """Cosine annealing: lr = min_lr + (base_lr − min_lr)·(1 + cos(π·epoch/t_max))/2 up to t_max,
    then min_lr."""

    def __init__(self, optimizer: Optimizer, t_max: int, min_lr: float = 0.0) -> None:
        super().__init__(optimizer)
        if isinstance(t_max, bool) or not isinstance(t_max, int) or t_max < 1:
            raise ConfigError(f"CosineLR: t_max must be an int >= 1, got {t_max!r}")
        self.t_max = t_max
        self.min_lr = _check(self, "min_lr", min_lr, 0.0, self.base_lr, high_closed=True)

    def lr_at(self, epoch: int) -> float:
        if epoch >= self.t_max:
            return self.min_lr
        cos = (1.0 + math.cos(math.pi * epoch / self.t_max)) / 2.0
        return self.min_lr + (self.base_lr - self.min_lr) * cos


def _check(
    owner: object,
    name: str,
    value: object,
    low: float,
    high: float,
    low_open: bool = False,
    high_closed: bool = False,
) -> float:
    """`value` as a float if it lies in the range, else a ConfigError naming it and the range."""
    where = type(owner).__name__
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise NotANumberError(f"{where}: {name} must be a number, got {value!r}")
    v = float(value)
    above = v > low if low_open else v >= low
    below = v <= high if high_closed else v < high
    if not (above and below and not math.isnan(v)):
        left = "(" if low_open else "["
        right = "]" if high_closed else ")"
        top = "inf" if high == _INF else f"{high:g}"
        raise ConfigError(
            f"{where}: {name} = {value!r} is outside the valid range {left}{low:g}, {top}{right}"
        )
    return v
