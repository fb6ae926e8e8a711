"""Every optimizer on the same problem, from the same starting weights: compare their losses.

SGD, SGD with momentum, Adagrad, RMSprop, Adam and AdamW train the same small network on the
same moons for the same epochs; the plot (saved into the folder given as the first argument)
shows each one's loss per epoch.
"""

import os
import sys
from pathlib import Path

from nnscalar import data
from nnscalar.nn import MLP
from nnscalar.optim import SGD, Adagrad, Adam, AdamW, RMSprop
from nnscalar.plots import plot_curves
from nnscalar.train import Trainer

out = Path(sys.argv[1] if len(sys.argv) > 1 else "out/demos/optimizers")
X, y = data.moons(n=100, noise=0.1, seed=0)
EPOCHS = 10 if os.environ.get("NNSCALAR_QUICK") else 30  # the tests run a short version

OPTIMIZERS = {
    "SGD": lambda ps: SGD(ps, lr=0.05),
    "SGD momentum": lambda ps: SGD(ps, lr=0.05, momentum=0.9),
    "Adagrad": lambda ps: Adagrad(ps, lr=0.1),
    "RMSprop": lambda ps: RMSprop(ps, lr=0.01),
    "Adam": lambda ps: Adam(ps, lr=0.02),
    "AdamW": lambda ps: AdamW(ps, lr=0.02, weight_decay=0.01),
}

curves = {}
for name, make in OPTIMIZERS.items():
    model = MLP(2, [8, 8, 1], seed=0)  # seed 0: every optimizer starts from the same weights
    trainer = Trainer(model, "hinge", make(model.parameters()))
    history = trainer.fit(X, y, epochs=EPOCHS, batch_size=20, seed=0, quiet=True)
    curves[name] = [record.loss for record in history]
    print(f"{name:<13} final loss {history[-1].loss:.4f}  accuracy {history[-1].accuracy:.1%}")

print("picture:", plot_curves(curves, out / "optimizers", title="hinge loss")[-1])
