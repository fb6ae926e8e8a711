"""The command line's jobs as library calls. `run(TrainConfig(...))`: a data set by name → an MLP
with the loss's head → training with a schedule → the model, the history and the pictures in a
folder (`nnscalar train` only parses its options into a `TrainConfig` and prints what
`prepare`, `fit` and `save` give). `model_graph(model, sample)`: the labelled graph `nnscalar
step --model` and `nnscalar draw --model --input` show.

>>> result = run(TrainConfig(data="xor", hidden=(4,), epochs=2, out=None))
>>> result.model.sizes
[4, 1]
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import data
from .core import Value
from .errors import ConfigError
from .files import write_atomic
from .nn import MLP
from .optim import Adam, CosineLR, StepLR, make_optimizer
from .train import Evaluation, Trainer, encode_labels, head_for
from .transformer import AttentionGraph, load_names, names_model, word_attention

__all__ = [
    "DATASETS",
    "SCHEDULES",
    "TrainConfig",
    "TrainRun",
    "attention_after_training",
    "load_data",
    "model_graph",
    "prepare",
    "run",
]

DATASETS: dict[str, Callable[..., tuple[list, list]]] = {
    "moons": data.moons,
    "xor": data.xor,
    "circles": data.circles,
    "spirals": data.spirals,
    "blobs": data.blobs,
}
SCHEDULES = ("cosine", "step", "none")


@dataclass(frozen=True)
class TrainConfig:
    """Everything `nnscalar train` can be told, with its defaults; `out=None` writes nothing."""

    data: str = "moons"  # a name in DATASETS, or "csv:PATH"
    samples: int = 200  # points to generate
    noise: float | None = None  # the generated data's noise (blobs: its std); None: its default
    target: str | int = -1  # csv: the target column, a name or an index
    hidden: tuple[int, ...] = (16, 16)
    activation: str = "relu"
    loss: str = "hinge"
    optimizer: str = "adam"
    lr: float = 0.05
    schedule: str = "cosine"  # cosine down to 0, halve every quarter of the epochs, or none
    l2: float = 0.0
    epochs: int = 40
    batch_size: int = 32
    accumulation_steps: int = 1
    test_size: float = 0.2
    seed: int = 0
    out: str | Path | None = "out"
    pictures: bool = True
    quiet: bool = True  # no progress bar


@dataclass
class TrainRun:
    """A prepared run: the data split, the model and its trainer; then what came of it."""

    config: TrainConfig
    X_train: list
    X_test: list
    y_train: list
    y_test: list
    model: MLP
    trainer: Trainer
    seconds: float = 0.0
    results: dict[str, Evaluation] = field(default_factory=dict)  # "train", "test"
    files: dict[str, list[Path]] = field(default_factory=dict)

    @property
    def two_d(self) -> bool:
        """Whether the data has two features and classes: the pictures of a 2-D classifier."""
        return len(self.X_train[0]) == 2 and bool(self.trainer.decide)

    @property
    def description(self) -> str:
        """One line: the network's shape, the data and how it is trained."""
        c = self.config
        shape = " → ".join(str(k) for k in (self.model.n_inputs, *self.model.sizes))
        return (
            f"an MLP {shape} ({self.model.num_parameters()} parameters, {c.activation}) on "
            f"{c.data}: {len(self.X_train)} training and {len(self.X_test)} test samples, "
            f"{c.loss} loss, {c.optimizer} lr={c.lr:g}, batch {c.batch_size} in "
            f"{c.accumulation_steps} mini-batch(es)"
        )

    def fit(self) -> dict[str, Evaluation]:
        """Train as configured; the loss and accuracy on the training and test sets."""
        c = self.config
        optimizer = self.trainer.optimizer
        schedule = {
            "cosine": lambda: CosineLR(optimizer, t_max=c.epochs),
            "step": lambda: StepLR(optimizer, step_size=max(1, c.epochs // 4), gamma=0.5),
            "none": lambda: None,
        }[c.schedule]()
        start = time.perf_counter()
        self.trainer.fit(
            self.X_train,
            self.y_train,
            epochs=c.epochs,
            batch_size=c.batch_size,
            seed=c.seed,
            validation=(self.X_test, self.y_test),
            schedule=schedule,
            quiet=c.quiet,
        )
        self.seconds = time.perf_counter() - start
        self.results = {
            "train": self.trainer.evaluate(self.X_train, self.y_train),
            "test": self.trainer.evaluate(self.X_test, self.y_test),
        }
        return self.results

    def save(self) -> dict[str, list[Path]]:
        """The model (model.json), the history (history.json) and, unless `pictures=False`,
        the pictures into `config.out`; what was written, by what it is."""
        if self.config.out is None:
            return {}
        out = Path(self.config.out)
        out.mkdir(parents=True, exist_ok=True)
        files = {"model": [out / "model.json"], "history": [out / "history.json"]}
        self.model.save(files["model"][0])
        history = [r.as_dict() for r in self.trainer.history]
        write_atomic(files["history"][0], json.dumps(history, indent=1) + "\n")
        if self.config.pictures:
            from .plots import plot_history, save_pictures

            if self.two_d:
                files.update(save_pictures(self.trainer, self.X_train, self.y_train, out))
            else:
                curves = plot_history(self.trainer.history, out / "training_curves")
                files["training curves"] = curves
        self.files = files
        return files


def load_data(config: TrainConfig) -> tuple[list, list]:
    """The samples and labels `config.data` names: generated, or read from a CSV (standardized)."""
    if config.data.startswith("csv:") and len(config.data) > 4:
        target: str | int = config.target
        if isinstance(target, str):
            try:
                target = int(target)
            except ValueError:
                pass
        X, y = data.load_csv(config.data[4:], target=target)
        X, _, _ = data.standardize(X)
        return X, y
    if config.data not in DATASETS:
        raise ConfigError(
            f"unknown data set {config.data!r}; valid: {', '.join(DATASETS)} or csv:PATH"
        )
    kwargs: dict[str, Any] = {"n": config.samples, "seed": config.seed}
    if config.noise is not None:
        kwargs["std" if config.data == "blobs" else "noise"] = config.noise
    return DATASETS[config.data](**kwargs)


def prepare(config: TrainConfig) -> TrainRun:
    """The data split, and an MLP whose head and labels suit the loss, ready to `fit`."""
    if config.schedule not in SCHEDULES:
        raise ConfigError(f"unknown schedule {config.schedule!r}; valid: {', '.join(SCHEDULES)}")
    X, y = load_data(config)
    y, decide = encode_labels(y, config.loss)
    head = head_for(config.loss)
    n_outputs = len(set(y)) if config.loss == "ce" else 1
    X_train, X_test, y_train, y_test = data.train_test_split(
        X, y, test_size=config.test_size, seed=config.seed
    )
    model = MLP(
        len(X[0]),
        [*config.hidden, n_outputs],
        activation=config.activation,
        output_activation=head.output_activation,
        seed=config.seed,
    )
    optimizer = make_optimizer(config.optimizer, model.parameters(), lr=config.lr)
    trainer = Trainer(
        model, config.loss, optimizer, config.accumulation_steps, l2=config.l2, decide=decide
    )
    return TrainRun(config, X_train, X_test, y_train, y_test, model, trainer)


def run(config: TrainConfig) -> TrainRun:
    """`prepare`, `fit` and `save`: what `nnscalar train` does, without printing."""
    result = prepare(config)
    result.fit()
    result.save()
    return result


def model_graph(
    model: MLP, sample: Sequence[float], output: int = 1, neuron: str | None = None
) -> Value:
    """The labelled graph of `model` on one sample, as `nnscalar step --model` and `nnscalar
    draw --model --input` show it: the inputs are leaves x1, x2, …; `output` counts from 1.

    With `neuron` (e.g. "L1.N1") the graph is that neuron alone, called again on what reached
    it in this call, its inputs leaves named after their sources (x1, or L1.N2).
    """
    # named leaves, so a walkthrough shows x1, x2, ... and their gradients too
    out = model([Value(x, label=f"x{i + 1}") for i, x in enumerate(sample)])
    if neuron is not None:
        return _one_neuron(model, neuron)
    outputs = out if isinstance(out, list) else [out]
    if not 1 <= output <= len(outputs):
        raise ConfigError(
            f"output {output}: the model has {len(outputs)} output(s); valid: 1 to {len(outputs)}"
        )
    return outputs[output - 1]


def _one_neuron(model: MLP, name: str) -> Value:
    neurons = {n.name: n for layer in model.layers for n in layer.neurons}
    if name not in neurons:
        first, last = model.layers[0].neurons[0].name, model.layers[-1].neurons[-1].name
        raise ConfigError(f"neuron {name!r}: the model has no such neuron; valid: {first} … {last}")
    chosen = neurons[name]
    inputs = chosen.inputs or ()
    sources = [s.source_name for s in chosen.synapses]
    return chosen([Value(getattr(x, "data", x), label=s) for x, s in zip(inputs, sources)])


MAX_ATTENTION_STEPS = 5000


def attention_after_training(
    word: str,
    position: int | None = None,
    head: int = 1,
    dim: int = 1,
    seed: int = 0,
    steps: int = 0,
) -> AttentionGraph:
    """`transformer.word_attention` after `steps` Adam steps of its TinyGPT on random batches of
    8 names (lr 0.01 decaying to a tenth, as demos/tiny_gpt.py trains); 0 steps: untrained."""
    if (
        not isinstance(steps, int)
        or isinstance(steps, bool)
        or not 0 <= steps <= MAX_ATTENTION_STEPS
    ):
        raise ConfigError(
            f"train: {steps!r} steps; valid: a whole number from 0 to {MAX_ATTENTION_STEPS}"
        )
    model, tokenizer = names_model(seed)
    if steps == 0:
        return word_attention(word, position, head, dim, seed, (model, tokenizer))
    word_attention(word, position, head, dim, seed, (model, tokenizer))  # bad options: say so now
    sequences = [tokenizer.encode(name) for name in load_names()]
    optimizer = Adam(model.parameters(), lr=0.01)
    rng = random.Random(seed)
    for step in range(1, steps + 1):
        optimizer.lr = 0.01 * (1.0 - 0.9 * step / steps)
        loss = model.loss(rng.sample(sequences, 8))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    state = f"trained {steps} Adam steps (last batch loss {loss.data:.3f})"
    return word_attention(word, position, head, dim, seed, (model, tokenizer), state)
