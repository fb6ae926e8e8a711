"""Gradient accumulation equals the full batch, with the memory of one mini-batch.

One optimizer step on a batch of 256, once in one go and once in 8 mini-batches of 32: the
mini-batches' gradients add up in `.grad` (each loss weighted by its share of the batch), so both
runs end with the same weights. Only one mini-batch's graph exists at a time, so the peak memory
(measured with tracemalloc) is several times smaller.
"""

from nnscalar import data
from nnscalar.nn import MLP
from nnscalar.optim import Adam
from nnscalar.train import Trainer, step_peak_memory

X, y = data.moons(n=256, noise=0.1, seed=0)


def one_step(accumulation_steps: int) -> tuple[list[float], int]:
    """The weights after one step on the whole batch, and the step's peak memory in bytes."""
    model = MLP(2, [16, 16, 1], seed=0)  # the same starting weights each time
    trainer = Trainer(model, "hinge", Adam(model.parameters(), lr=0.05), accumulation_steps)
    _, peak = step_peak_memory(trainer, X, y)
    return [p.data for p in model.parameters()], peak


full, full_peak = one_step(1)
accumulated, accumulated_peak = one_step(8)

print("first 5 of 337 weights after one step:")
print("  full batch      ", " ".join(f"{w:+.12f}" for w in full[:5]))
print("  8 mini-batches  ", " ".join(f"{w:+.12f}" for w in accumulated[:5]))
print(
    f"largest difference over all weights: {max(abs(a - b) for a, b in zip(full, accumulated)):.1e}"
)
print(f"peak memory: full batch {full_peak / 1e6:.2f} MB, ", end="")
print(f"8 mini-batches {accumulated_peak / 1e6:.2f} MB")
print(f"memory ratio: {full_peak / accumulated_peak:.1f}x")
