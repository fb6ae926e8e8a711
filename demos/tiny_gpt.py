"""A tiny GPT on the scalar engine: it learns to spell first names, character by character.

Token and position embeddings, two-head causal self-attention, RMSNorm, an MLP block and a
linear head, trained with Adam on nnscalar's names list (nnscalar/names.txt); it prints the loss
against the unigram baseline (guessing each letter from letter frequencies alone), the seconds per
step on the core that runs, and new names sampled from the model.
Usage: python demos/tiny_gpt.py [steps]   (NNSCALAR_QUICK=1: a short run, as the tests do)
"""

import os
import random
import sys
import time

from nnscalar import Adam, no_grad
from nnscalar.core import engine_info
from nnscalar.transformer import CharTokenizer, TinyGPT, load_names, unigram_loss

QUICK = bool(os.environ.get("NNSCALAR_QUICK"))
STEPS = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 30 if QUICK else 1500
BATCH = 8

names = load_names()
tokenizer = CharTokenizer(names)
block_size = max(len(n) for n in names) + 1
model = TinyGPT(tokenizer.vocab_size, block_size, n_embd=16, n_head=2, n_layer=1, seed=0)
params = model.parameters()
optimizer = Adam(params, lr=0.01)
sequences = [tokenizer.encode(n) for n in names]
baseline = unigram_loss(names)
print(
    f"{len(names)} names, {tokenizer.vocab_size} tokens, {len(params)} parameters;"
    f" {engine_info()['core']} core"
)
print(f"unigram baseline {baseline:.3f} nats/char")

rng = random.Random(0)
start = time.perf_counter()
for step in range(1, STEPS + 1):
    optimizer.lr = 0.01 * (1.0 - 0.9 * step / STEPS)  # decays to a tenth
    loss = model.loss(rng.sample(sequences, BATCH))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % max(1, STEPS // 5) == 0:
        print(f"step {step:5d}  batch loss {loss.data:.3f}")
per_step = (time.perf_counter() - start) / STEPS

with no_grad():
    final = model.loss(sequences).data
verdict = "below" if final < baseline else "NOT below"
gap = baseline - final
print(f"loss on the training names {final:.3f}: {verdict} the unigram {baseline:.3f} by {gap:.3f}")
print(f"seconds per step {per_step:.3f} ({engine_info()['core']} core, batch of {BATCH} names)")
samples = [tokenizer.decode(model.sample(rng)) for _ in range(10)]
print("samples:", " ".join(s or "(empty)" for s in samples))
