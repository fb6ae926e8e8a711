"""A moons classifier end to end with the Python API: data, model, Trainer, pictures.

This is what `nnscalar train` does with its defaults. The pictures go to the folder given as the
first argument (out/demos/moons by default).
"""

import os
import sys

from nnscalar import data
from nnscalar.nn import MLP
from nnscalar.optim import Adam, CosineLR
from nnscalar.plots import save_pictures
from nnscalar.train import Trainer

out = sys.argv[1] if len(sys.argv) > 1 else "out/demos/moons"
EPOCHS = 12 if os.environ.get("NNSCALAR_QUICK") else 40  # the tests run a short version

X, y = data.moons(n=200, noise=0.1, seed=0)  # labels −1/+1, the hinge loss's convention
X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.2, seed=0)

# Two hidden layers of 16 relu neurons and one linear output neuron: its sign is the class.
model = MLP(2, [16, 16, 1], activation="relu", seed=0)
optimizer = Adam(model.parameters(), lr=0.05)
trainer = Trainer(model, "hinge", optimizer)
trainer.fit(
    X_train,
    y_train,
    epochs=EPOCHS,
    batch_size=32,
    schedule=CosineLR(optimizer, EPOCHS),
    validation=(X_test, y_test),
    quiet=True,
)

print(f"train accuracy {trainer.evaluate(X_train, y_train).accuracy:.1%}")
print(f"test accuracy {trainer.evaluate(X_test, y_test).accuracy:.1%}")
for name, paths in save_pictures(trainer, X_train, y_train, out).items():
    print(f"{name}: {paths[-1]}")
