"""The playground's session: one network training on a 2-D data set, step by step, in the browser.

The page's Web Worker runs this module under Pyodide; the tests run it on CPython. Training walks
the epochs exactly as `Trainer.fit` does (one `random.Random(seed)` reshuffles the rows at each
epoch, batches in order), so after the same steps the weights equal `nnscalar train --schedule
none`'s with the same settings on CPython. In a browser too, bit for bit from the seed (the data
sets' sin, cos and log come from nnscalar.portable, not the C library), as long as training needs
only + − × ÷ and √: the browser's C library (musl) rounds some tanh, exp, expm1 and log1p values
apart from glibc's in the last bit, so with tanh, sigmoid, elu, softplus or a bce loss they
agree to rounding only.
"""

from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass, fields
from typing import Any

from .. import data
from ..activations import ACTIVATIONS
from ..core import no_grad
from ..errors import ConfigError
from ..explain import number
from ..nn import MLP
from ..optim import OPTIMIZERS, make_optimizer
from ..page import StepPage
from ..train import HEADS, Trainer, encode_labels, head_for

__all__ = ["DATASETS", "LESSONS", "LOSSES", "Config", "Playground", "lesson_config", "schema"]

# Each data set's generator with the playground's arguments, and its default noise.
DATASETS: dict[str, tuple[Any, float]] = {
    "moons": (lambda n, noise, seed: data.moons(n, noise=noise, seed=seed), 0.1),
    "circles": (lambda n, noise, seed: data.circles(n, noise=noise, seed=seed), 0.05),
    "xor": (lambda n, noise, seed: data.xor(n, noise=noise, seed=seed), 0.2),
    "spirals": (lambda n, noise, seed: data.spirals(n, noise=noise, seed=seed), 0.05),
    "blobs": (lambda n, noise, seed: data.blobs(n, centers=2, std=noise, seed=seed), 0.5),
}
# The two-class losses (the page draws one output: its sign, or its probability, is the class).
LOSSES = [name for name, head in HEADS.items() if head.decide in ("sign", "prob", "logit")]
MAX_LAYERS = 6
MAX_WIDTH = 16
MAX_SAMPLES = 1000


@dataclass(frozen=True)
class Config:
    """Everything that decides the numbers; the page keeps it in its URL."""

    data: str = "moons"
    samples: int = 200
    noise: float = 0.1
    test_size: float = 0.2
    hidden: tuple[int, ...] = (8, 8)
    activation: str = "relu"
    loss: str = "hinge"
    optimizer: str = "adam"
    lr: float = 0.05
    batch_size: int = 32
    accumulation_steps: int = 1
    seed: int = 0

    def __post_init__(self) -> None:
        _choice("data", self.data, list(DATASETS))
        _choice("activation", self.activation, list(ACTIVATIONS))
        _choice("loss", self.loss, LOSSES)
        _choice("optimizer", self.optimizer, list(OPTIMIZERS))
        _integer("samples", self.samples, 8, MAX_SAMPLES)
        _integer("batch_size", self.batch_size, 1, MAX_SAMPLES)
        _integer("accumulation_steps", self.accumulation_steps, 1, 64)
        _integer("seed", self.seed, 0, 2**31 - 1)
        _number("noise", self.noise, 0.0, 2.0)
        _number("test_size", self.test_size, 0.05, 0.9)
        _number("lr", self.lr, 1e-6, 10.0, low_open=True)
        if not isinstance(self.hidden, tuple) or len(self.hidden) > MAX_LAYERS:
            raise ConfigError(
                f"hidden must list at most {MAX_LAYERS} layer sizes, got {self.hidden!r}"
            )
        for size in self.hidden:
            _integer("each hidden layer size", size, 1, MAX_WIDTH)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Config:
        """A Config from plain data (the page's JSON); unknown keys are refused by name."""
        names = [f.name for f in fields(cls)]
        unknown = sorted(set(values) - set(names))
        if unknown:
            raise ConfigError(f"unknown setting {unknown[0]!r}; valid: {', '.join(names)}")
        given = dict(values)
        if "hidden" in given:
            hidden = given["hidden"]
            if isinstance(hidden, str) or not hasattr(hidden, "__iter__"):
                raise ConfigError(f"hidden must be a list of layer sizes, got {hidden!r}")
            given["hidden"] = tuple(hidden)
        return cls(**given)

    def as_dict(self) -> dict[str, Any]:
        """The settings as plain data (hidden as a list)."""
        out = asdict(self)
        out["hidden"] = list(self.hidden)
        return out

    def train_args(self) -> list[str]:
        """The `nnscalar train` options that train the same network to the same weights (but for
        blobs: the command line makes three, the playground two)."""
        return [
            f"--data={self.data}",
            f"--samples={self.samples}",
            f"--noise={self.noise!r}",
            f"--test-size={self.test_size!r}",
            f"--hidden={','.join(map(str, self.hidden)) or 0}",
            f"--activation={self.activation}",
            f"--loss={self.loss}",
            f"--optimizer={self.optimizer}",
            f"--lr={self.lr!r}",
            f"--batch-size={self.batch_size}",
            f"--accumulation-steps={self.accumulation_steps}",
            f"--seed={self.seed}",
            "--schedule=none",
        ]


# The guided lessons: each part sets the page up (its settings go into the URL) and says what to
# look for; tests/test_site.py trains each part and checks that it does what its text says.
LESSONS: list[dict[str, Any]] = [
    {
        "id": "xor",
        "title": "Why XOR needs a hidden layer",
        "parts": [
            {
                "label": "1. No hidden layer",
                "settings": {
                    "data": "xor",
                    "hidden": [],
                    "activation": "tanh",
                    "loss": "bce",
                    "lr": 0.03,
                },
                "text": "One neuron draws one straight line. Press Play: the accuracy never gets "
                "near 100 %, because no straight line puts the two orange corners on one side "
                "and the two blue corners on the other (at best 3 corners of 4 are right).",
            },
            {
                "label": "2. Add 4 hidden neurons",
                "settings": {
                    "data": "xor",
                    "hidden": [4],
                    "activation": "tanh",
                    "loss": "bce",
                    "lr": 0.03,
                },
                "text": "Now each hidden neuron draws its own line (look at their squares) and the "
                "output neuron combines them: within about 20 epochs the test accuracy reaches "
                "100 %. Click a hidden neuron to see how its output is computed for one point.",
            },
        ],
    },
    {
        "id": "lr",
        "title": "What the learning rate does",
        "parts": [
            {
                "label": "1. Too small (0.001)",
                "settings": {"optimizer": "sgd", "lr": 0.001},
                "text": "Each update moves every weight by lr × its gradient. With lr = 0.001 "
                "the steps are tiny: after 40 epochs the loss has barely moved (from about 1.3 "
                "to above 1.0) and the surface has hardly changed.",
            },
            {
                "label": "2. About right (0.1)",
                "settings": {"optimizer": "sgd", "lr": 0.1},
                "text": "A hundred times larger steps: the loss falls steadily, and after about "
                "40 epochs the test accuracy reaches 95 %.",
            },
            {
                "label": "3. Too large (3)",
                "settings": {"optimizer": "sgd", "lr": 3.0},
                "text": "Steps this large overshoot: the loss jumps up and down instead of "
                "settling (see the spikes in the curve) and the accuracy stalls below 90 %. Keep "
                "it running: one bad jump can throw the weights so far that the relu neurons "
                "die (blank squares) and the network answers one class for every point.",
            },
        ],
    },
]


def lesson_config(part: dict[str, Any]) -> Config:
    """A lesson part's whole configuration: the defaults, its settings, its data set's noise."""
    settings = dict(part["settings"])
    data_set = settings.get("data", Config.data)
    settings.setdefault("noise", DATASETS[data_set][1])
    return Config.from_dict({**Config().as_dict(), **settings})


def schema() -> dict[str, Any]:
    """What the page's controls offer: defaults, choices and limits, from nnscalar's registries."""
    return {
        "defaults": Config().as_dict(),
        "choices": {
            "data": list(DATASETS),
            "activation": list(ACTIVATIONS),
            "loss": LOSSES,
            "optimizer": list(OPTIMIZERS),
        },
        "noise": {name: noise for name, (_, noise) in DATASETS.items()},
        "limits": {"layers": MAX_LAYERS, "width": MAX_WIDTH, "samples": MAX_SAMPLES},
        "lessons": [
            {
                "id": lesson["id"],
                "title": lesson["title"],
                "parts": [
                    {"label": p["label"], "text": p["text"], "config": lesson_config(p).as_dict()}
                    for p in lesson["parts"]
                ],
            }
            for lesson in LESSONS
        ],
    }


class Playground:
    """A network, its data and its optimizer; `step()`, `epoch()`, and what the page draws."""

    def __init__(self, config: Config, dataset: tuple[list, list] | None = None) -> None:
        """`dataset` (X, y) replaces the generated data (to train on exactly another's points)."""
        self.config = config
        make, _ = DATASETS[config.data]
        X, y = make(config.samples, config.noise, config.seed) if dataset is None else dataset
        self.dataset = (X, list(y))
        y, decide = encode_labels(y, config.loss)
        self.X_train, self.X_test, self.y_train, self.y_test = data.train_test_split(
            X, y, test_size=config.test_size, seed=config.seed
        )
        head = head_for(config.loss)
        self.model = MLP(
            2,
            [*config.hidden, 1],
            activation=config.activation,
            output_activation=head.output_activation,
            seed=config.seed,
        )
        self.optimizer = make_optimizer(config.optimizer, self.model.parameters(), lr=config.lr)
        self._grads: list[float] = [0.0] * len(self.optimizer.params)
        self.trainer = Trainer(
            self.model,
            config.loss,
            self.optimizer,
            config.accumulation_steps,
            decide=decide,
            on_step=self._keep_grads,
        )
        self._rng = random.Random(config.seed)  # the same stream as Trainer.fit(seed=...)
        self._order = list(range(len(self.X_train)))
        self._cursor = len(self._order)  # at an epoch's end: the next step starts one
        self.epoch = 0
        self.steps = 0
        self.last_loss: float | None = None

    def _keep_grads(self, trainer: Trainer, info: object) -> None:
        self._grads = [p.grad for p in self.optimizer.params]

    # --- training -------------------------------------------------------------------------------

    def step(self) -> float:
        """One optimizer step on the next batch (a new epoch reshuffles first); the batch's loss."""
        n = len(self._order)
        if self._cursor >= n:
            self.epoch += 1
            self.trainer.epoch = self.epoch
            self._rng.shuffle(self._order)
            self._cursor = 0
        idx = self._order[self._cursor : self._cursor + self.config.batch_size]
        self._cursor += self.config.batch_size
        loss = self.trainer.step([self.X_train[i] for i in idx], [self.y_train[i] for i in idx])
        self.steps += 1
        self.last_loss = loss
        return loss

    def finish_epoch(self) -> int:
        """Steps until the current epoch ends (a whole epoch if one just ended); how many ran."""
        ran = 0
        if self._cursor >= len(self._order):
            self.step()
            ran = 1
        while self._cursor < len(self._order):
            self.step()
            ran += 1
        return ran

    # --- what the page shows --------------------------------------------------------------------

    def metrics(self) -> dict[str, float | None]:
        """Loss and accuracy on the training and the test set, now."""
        train = self.trainer.evaluate(self.X_train, self.y_train)
        test = self.trainer.evaluate(self.X_test, self.y_test)
        return {
            "step": self.steps,
            "epoch": self.epoch,
            "trainLoss": train.loss,
            "trainAccuracy": train.accuracy,
            "testLoss": test.loss,
            "testAccuracy": test.accuracy,
        }

    def weights(self) -> list[list[list[float]]]:
        """Per layer, per neuron: [w1, ..., wn, b] as floats."""
        return [
            [[p.data for p in n.parameters()] for n in layer.neurons] for layer in self.model.layers
        ]

    def weights_by_label(self) -> dict[str, float]:
        """Every parameter by its label, as `MLP.save` writes them."""
        return {p.label: p.data for p in self.model.parameters()}

    def points(self) -> dict[str, Any]:
        """The samples (x, y, class 0/1) of both sets and a square view around them."""

        def cls(t: float) -> int:
            return 1 if t > 0 else 0

        rows = [*self.X_train, *self.X_test]
        xs, ys = [r[0] for r in rows], [r[1] for r in rows]
        cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
        half = max(max(xs) - min(xs), max(ys) - min(ys)) / 2 * 1.15 + 0.05
        return {
            "train": [[x[0], x[1], cls(t)] for x, t in zip(self.X_train, self.y_train)],
            "test": [[x[0], x[1], cls(t)] for x, t in zip(self.X_test, self.y_test)],
            "view": [cx - half, cx + half, cy - half, cy + half],
        }

    def describe(self) -> dict[str, Any]:
        """The network's shape and how the page must read its output."""
        return {
            "sizes": [2, *self.config.hidden, 1],
            "activation": self.config.activation,
            "outputActivation": self.model.output_activation,
            "decide": self.trainer.decide,
            "parameters": self.model.num_parameters(),
            # `nnscalar train --data blobs` makes three blobs; the page's two have no command
            "trainCommand": None
            if self.config.data == "blobs"
            else "nnscalar train " + " ".join(self.config.train_args()),
        }

    def optimizer_table(self) -> dict[str, Any]:
        """Per parameter: its value, the last step's gradient and the optimizer's state."""
        keys: list[str] = []
        for state in self.optimizer.state:
            keys.extend(k for k in state if k not in keys)
        rows = [
            [p.label, p.data, g, *(state.get(k, 0.0) for k in keys)]
            for p, g, state in zip(self.optimizer.params, self._grads, self.optimizer.state)
        ]
        return {"columns": ["parameter", "value", "grad", *keys], "rows": rows}

    def sample_page(self, which: str, index: int, layer: int = 0, neuron: int = 0) -> dict:
        """One sample's graph and backward pass as `nnscalar step`'s page (HTML), for its loss
        (layer 0) or for the output of neuron `neuron` of layer `layer` (both from 1)."""
        X, y = {"train": (self.X_train, self.y_train), "test": (self.X_test, self.y_test)}[which]
        if not 0 <= index < len(X):
            raise ConfigError(f"no {which} sample {index}; there are {len(X)}")
        x, target = X[index], y[index]
        inputs = [f"x1 = {number(x[0])}", f"x2 = {number(x[1])}"]
        out = self.model(x)
        if layer:
            root = self.model.layers[layer - 1].neurons[neuron - 1].output
            what = f"neuron L{layer}.N{neuron} on {which} sample {index + 1}"
        else:
            root = self.trainer.loss_fn([out], [target])
            root.label = "loss"
            what = f"the loss of {which} sample {index + 1} (target {number(target)})"
        page = StepPage(root, title=what + " (" + ", ".join(inputs) + ")")
        return {"title": what, "html": page.html(), "steps": len(page.steps)}

    def accumulation_check(self, k: int) -> dict[str, Any]:
        """The next batch's update done as 1 batch and as k mini-batches, on copies of the
        network: the largest difference between the two updates (they are equal)."""
        if type(k) is not int or k < 1:
            raise ConfigError(f"k must be an int >= 1, got {k!r}")
        n = len(self._order)
        if self._cursor >= n:  # the next step begins an epoch: look at its first batch
            order = list(self._order)
            rng = random.Random()
            rng.setstate(self._rng.getstate())
            rng.shuffle(order)
            idx = order[: self.config.batch_size]
        else:
            idx = self._order[self._cursor : self._cursor + self.config.batch_size]
        xs, ys = [self.X_train[i] for i in idx], [self.y_train[i] for i in idx]
        updates = [self._update_with(parts, xs, ys) for parts in (1, k)]
        labels = [p.label for p in self.model.parameters()]
        rows = [[label, a, b] for label, a, b in zip(labels, *updates)]
        largest = max(abs(a - b) for _, a, b in rows)
        return {"k": k, "batch": len(idx), "rows": rows, "largest": largest}

    def _update_with(self, parts: int, xs: list, ys: list) -> list[float]:
        """Each parameter's change after one step on (xs, ys) in `parts` mini-batches, on a copy."""
        copy = MLP(2, self.model.sizes, self.model.activation, self.model.output_activation, seed=0)
        for mine, theirs in zip(copy.parameters(), self.model.parameters()):
            mine.data = theirs.data
        optimizer = make_optimizer(self.config.optimizer, copy.parameters(), lr=self.config.lr)
        optimizer.load_state_dict(self.optimizer.state_dict())
        before = [p.data for p in copy.parameters()]
        Trainer(copy, self.config.loss, optimizer, min(parts, len(xs))).step(xs, ys)
        return [p.data - b for p, b in zip(copy.parameters(), before)]

    def neuron_outputs(self, inputs: list[list[float]]) -> list[list[list[float]]]:
        """Every neuron's output, layer by layer, for each input point: what the page's pictures
        draw (it computes them itself from the weights; the tests hold the two equal)."""
        out = []
        with no_grad():
            for x in inputs:
                self.model(x)
                out.append([[n.output.data for n in layer.neurons] for layer in self.model.layers])
        return out

    def set_weights(self, weights: dict[str, float]) -> None:
        """Set every parameter from a dict by label (as `weights_by_label` gives them)."""
        params = {p.label: p for p in self.model.parameters()}
        if set(weights) != set(params):
            raise ConfigError("the weights must name every parameter of this network once")
        for label, value in weights.items():
            params[label].data = float(value)


def _choice(name: str, value: object, valid: list[str]) -> None:
    if value not in valid:
        raise ConfigError(f"{name}: unknown {value!r}; valid: {', '.join(valid)}")


def _integer(name: str, value: object, low: int, high: int) -> None:
    if type(value) is not int or not low <= value <= high:
        raise ConfigError(f"{name} must be an int from {low} to {high}, got {value!r}")


def _number(name: str, value: object, low: float, high: float, low_open: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not (low < value if low_open else low <= value) or not value <= high:
        raise ConfigError(f"{name} must be a number from {low:g} to {high:g}, got {value!r}")
