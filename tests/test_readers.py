"""Readers only read: drawing, stepping and plotting a trained model leave every `.data` and
`.grad` of it (parameters and the nodes of its last call) as they were."""

from __future__ import annotations

import io

from rich.console import Console

from nnscalar import MLP, SGD, Trainer, draw, draw_network, draw_neuron, losses
from nnscalar.data import moons
from nnscalar.explain import backward_steps, forward_steps
from nnscalar.plots import save_pictures
from nnscalar.walkthrough import Walkthrough


def _numbers(values: list) -> list[tuple[float, float]]:
    return [(v.data, v.grad) for v in values]


def test_drawing_stepping_and_plotting_change_no_number(tmp_path) -> None:
    X, y = moons(n=24, noise=0.1, seed=2)
    model = MLP(2, [3, 1], activation="tanh", seed=1)
    trainer = Trainer(model, "hinge", SGD(model.parameters(), lr=0.1))
    trainer.fit(X, y, epochs=3, quiet=True)
    # gradients left accumulated on purpose, as in the middle of a training step
    out = model(X[0])
    losses.hinge([out], [y[0]]).backward()
    neuron = model.layers[0].neurons[1]
    call = [neuron.z, neuron.output, out]
    before = _numbers(model.parameters()), _numbers(call), neuron.z
    assert any(g != 0.0 for _, g in before[0])

    draw(out)
    draw(out, collapse=True)
    draw_network(model)
    draw_neuron(neuron)
    forward_steps(out)
    backward_steps(out)
    walk = Walkthrough(out, console=Console(file=io.StringIO()), ask=lambda prompt: "q")
    walk.show_all()
    save_pictures(trainer, X, y, tmp_path)

    assert (_numbers(model.parameters()), _numbers(call)) == before[:2]
    assert sorted(p.name for p in tmp_path.iterdir())[:2] == [
        "decision_boundary.png",
        "decision_boundary.svg",
    ]
