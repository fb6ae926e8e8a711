"""Derivatives of derivatives, and forward vs reverse mode, on the scalar engine.

1. tanh and its first four derivatives, each the gradient of the one before (nnscalar.grad
   builds gradients as Values, so they can be differentiated again): a picture.
2. Newton's method on f(x) = x⁴ − 3x² + x, with f' and f'' from the engine.
3. The cost argument: for f with n inputs and one output, reverse mode gives the whole gradient in
   one backward pass; forward mode (nnscalar.jvp) needs one pass per input.
"""

import sys
from pathlib import Path

from nnscalar import Value, grad, jvp, topological_order, vsum
from nnscalar.plots import save_figure

out = Path(sys.argv[1] if len(sys.argv) > 1 else "out/demos/higher_derivatives")
ORDERS = 4


def derivatives(x0: float) -> list[float]:
    """tanh and its first ORDERS derivatives at x0."""
    x = Value(x0)
    d = [x.tanh()]
    for _ in range(ORDERS):
        d.append(grad(d[-1], x)[0])
    return [v.data for v in d]


xs = [-4.0 + 8.0 * i / 200 for i in range(201)]
curves = list(zip(*[derivatives(x0) for x0 in xs]))
print("tanh and its derivatives at 0.5:", " ".join(f"{v:.5f}" for v in derivatives(0.5)))

x = Value(2.0)
trace = []
for _ in range(6):
    (df,) = grad(x**4 - 3 * x**2 + x, x)
    (d2f,) = grad(df, x)
    x = Value(x.data - df.data / d2f.data)
    trace.append(x.data)
print("Newton's method from 2:", " ".join(f"{t:.10f}" for t in trace))

n = 100
inputs = [Value(0.01 * i) for i in range(n)]
f = vsum([(xi * xi).sin() for xi in inputs])
nodes = len(topological_order(f))
f.backward()
forward = [
    jvp(lambda *v: vsum([(vi * vi).sin() for vi in v]), inputs, [float(i == j) for i in range(n)])[
        1
    ]
    for j in range(n)
]
agree = max(abs(a - x.grad) for a, x in zip(forward, inputs))
print(
    f"f: R^{n} -> R, {nodes} nodes: reverse mode 1 pass ({nodes} node visits),"
    f" forward mode {n} passes ({n * nodes} node visits); largest difference {agree:.1e}"
)

from matplotlib.figure import Figure  # noqa: E402  (only the picture needs matplotlib)

fig = Figure(figsize=(7, 4))
ax = fig.subplots()
for k, c in enumerate(curves):
    ax.plot(xs, c, label="tanh x" if k == 0 else f"order {k}")
ax.set_ylim(-5, 5)
ax.set_xlabel("x")
ax.set_title("tanh and its first four derivatives, each from nnscalar.grad of the last")
ax.legend(frameon=False, loc="lower right")
print("picture:", save_figure(fig, out / "tanh_derivatives")[-1])
