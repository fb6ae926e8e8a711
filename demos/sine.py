"""Regression: a small tanh network learns y = sin x from noisy samples.

The output neuron is linear and the loss is the mean squared error; the plot shows the samples,
sin x and the network's curve (saved into the folder given as the first argument).
"""

import math
import os
import sys
from pathlib import Path

from nnscalar import data
from nnscalar.nn import MLP
from nnscalar.optim import Adam
from nnscalar.plots import save_figure
from nnscalar.train import Trainer

out = Path(sys.argv[1] if len(sys.argv) > 1 else "out/demos/sine")
EPOCHS = 40 if os.environ.get("NNSCALAR_QUICK") else 150  # the tests run a short version

X, y = data.sine(n=100, noise=0.1, seed=0)
model = MLP(1, [12, 12, 1], activation="tanh", seed=0)
trainer = Trainer(model, "mse", Adam(model.parameters(), lr=0.02))
trainer.fit(X, y, epochs=EPOCHS, batch_size=25, quiet=True)

grid = [-math.pi + 2 * math.pi * i / 100 for i in range(101)]
fitted = [model.predict([x]) for x in grid]
error = max(abs(f - math.sin(x)) for f, x in zip(fitted, grid))
print(f"training mse {trainer.evaluate(X, y).loss:.4f} (the noise alone gives about 0.01)")
print(f"largest distance from sin x on [-pi, pi]: {error:.3f}")

from matplotlib.figure import Figure  # noqa: E402  (only the picture needs matplotlib)

fig = Figure(figsize=(6, 3.5))
ax = fig.subplots()
ax.scatter([row[0] for row in X], y, s=10, color="#999999", label="samples")
ax.plot(grid, [math.sin(x) for x in grid], color="#4393c3", label="sin x")
ax.plot(grid, fitted, color="#d6604d", label="network")
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.set_title(f"a 1 → 12 → 12 → 1 tanh network fits y = sin x ({EPOCHS} epochs, Adam)")
ax.legend(frameon=False)
print("picture:", save_figure(fig, out / "sine")[-1])
