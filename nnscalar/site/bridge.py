"""What the page's Web Worker calls: each function takes plain values and returns JSON text.

A problem the user can fix (a bad setting, a diverging step) comes back as {"error": message};
anything else is a bug and propagates. One session lives here: the worker is one page's.
"""

from __future__ import annotations

import json
import time
from typing import Any

from ..errors import NNScalarError
from .playground import Config, Playground

__all__ = ["accumulation", "epoch", "optimizer_table", "sample", "start", "train", "weights"]

_session: Playground | None = None


def _reply(work: Any) -> str:
    try:
        return json.dumps(work())
    except NNScalarError as exc:
        return json.dumps({"error": str(exc)})


def _pg() -> Playground:
    if _session is None:
        raise RuntimeError("start() was not called")
    return _session


def _state(full: bool = False) -> dict[str, Any]:
    pg = _pg()
    out: dict[str, Any] = {"metrics": pg.metrics(), "weights": pg.weights()}
    if full:
        out["points"] = pg.points()
        out["network"] = pg.describe()
        out["config"] = pg.config.as_dict()
    return out


def start(config_json: str) -> str:
    """A new session for the settings in `config_json`; its data, network and first state."""

    def work() -> dict[str, Any]:
        global _session
        _session = Playground(Config.from_dict(json.loads(config_json)))
        return _state(full=True)

    return _reply(work)


def train(seconds: float, max_steps: int) -> str:
    """Optimizer steps for about `seconds` (at least one, at most `max_steps`); the new state."""

    def work() -> dict[str, Any]:
        pg = _pg()
        end = time.perf_counter() + seconds
        done = 0
        while done < max_steps and (done == 0 or time.perf_counter() < end):
            pg.step()
            done += 1
        return {**_state(), "ran": done}

    return _reply(work)


def epoch() -> str:
    """Steps to the end of the epoch; the new state."""

    def work() -> dict[str, Any]:
        ran = _pg().finish_epoch()
        return {**_state(), "ran": ran}

    return _reply(work)


def optimizer_table() -> str:
    """The optimizer's state per parameter (value, grad, and m, v for Adam)."""
    return _reply(lambda: _pg().optimizer_table())


def sample(which: str, index: int, layer: int, neuron: int) -> str:
    """The step-through page of one sample's loss (layer 0) or of one neuron's output."""
    return _reply(lambda: _pg().sample_page(which, int(index), int(layer), int(neuron)))


def accumulation(k: int) -> str:
    """The next update as 1 batch and as k mini-batches."""
    return _reply(lambda: _pg().accumulation_check(int(k)))


def weights() -> str:
    """Every parameter by label (as model.json holds them), the step count and the data (X, y)
    as generated here."""
    pg = _pg()
    return _reply(lambda: {"weights": pg.weights_by_label(), "steps": pg.steps, "data": pg.dataset})
