"""XOR needs a hidden layer: no single line separates it, two layers of neurons bend the plane.

A model with no hidden layer draws one straight boundary, so it gets at most 3 of XOR's 4
corners right. Add a hidden layer of a few tanh neurons and the same training gets all of them.
"""

from nnscalar import data
from nnscalar.nn import MLP
from nnscalar.optim import Adam
from nnscalar.train import Trainer

X, y = data.xor(n=200, noise=0.2, seed=0)  # clouds around (±1, ±1); +1 where the signs differ

for hidden in ([], [4]):
    model = MLP(2, [*hidden, 1], activation="tanh", seed=1)
    trainer = Trainer(model, "hinge", Adam(model.parameters(), lr=0.05))
    trainer.fit(X, y, epochs=40, batch_size=20, quiet=True)
    accuracy = trainer.evaluate(X, y).accuracy
    shape = " → ".join(str(k) for k in (2, *hidden, 1))
    print(f"{shape:<10} accuracy {accuracy:.1%}")
