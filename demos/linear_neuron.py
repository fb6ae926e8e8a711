"""A single neuron with no activation is linear regression: training finds least squares' line.

One neuron computes z = w·x + b. With the mean squared error as its loss, gradient descent
walks (w, b) to the same line that the closed-form least-squares formulas give, to many digits.
"""

import math

from nnscalar import data
from nnscalar.nn import MLP
from nnscalar.optim import SGD
from nnscalar.train import Trainer

# y = 2x − 1 plus a little noise.
X, y = data.linear(n=100, weights=(2.0,), bias=-1.0, noise=0.1, seed=0)

# One input, one linear output neuron, no hidden layer: exactly z = w·x + b.
model = MLP(1, [1], output_activation="linear", seed=0)
trainer = Trainer(model, "mse", SGD(model.parameters(), lr=0.5))
trainer.fit(X, y, epochs=150, shuffle=False, quiet=True)  # full batch: plain gradient descent
w, b = (p.data for p in model.parameters())

# Least squares in closed form: slope = cov(x, y) / var(x), intercept = mean(y) − slope·mean(x).
xs = [row[0] for row in X]
mx, my = math.fsum(xs) / len(xs), math.fsum(y) / len(y)
slope = math.fsum((a - mx) * (t - my) for a, t in zip(xs, y)) / math.fsum((a - mx) ** 2 for a in xs)
intercept = my - slope * mx

print(f"trained neuron: w = {w:.6f}  b = {b:.6f}")
print(f"least squares:  w = {slope:.6f}  b = {intercept:.6f}")
print(f"largest difference: {max(abs(w - slope), abs(b - intercept)):.1e}")
