"""The fourteen sections of the concepts tour, in the cheat-sheet's order, as data.

Each `code` string is exactly what runs (see `runner.run_section`) and what the terminal, the HTML
page and the notebook show, so the three can never drift from each other or from the output.
"""

from __future__ import annotations

from textwrap import dedent

from .runner import Section

__all__ = ["SECTIONS"]


def _code(text: str) -> str:
    return dedent(text).strip() + "\n"


NEURAL_NETWORK = Section(
    1,
    "neural-network",
    "Neural network",
    "A neural network is a function with adjustable numbers in it (its *weights* and *biases*). "
    "Training shows it examples, scores its answers with a *loss*, and nudges every number in "
    "the direction that lowers the loss. Here a small `MLP` learns the two-moons data for a few "
    "steps: the error drops as the weights adjust.",
    _code("""
        from nnscalar.data import moons
        from nnscalar.losses import mse
        from nnscalar.nn import MLP
        from nnscalar.optim import SGD
        from nnscalar.tour.pictures import loss_history

        X, y = moons(n=40, noise=0.1, seed=0)
        model = MLP(2, [8, 8, 1], activation="tanh", seed=0)
        optimizer = SGD(model.parameters(), lr=0.2)
        print(f"{model.num_parameters()} parameters, {len(X)} examples")

        losses = []
        for step in range(10):
            loss = mse([model(x) for x in X], y)  # forward: score every answer
            optimizer.zero_grad()
            loss.backward()  # every weight learns which way lowers the loss
            optimizer.step()  # ...and moves a little that way
            losses.append(loss.data)
            print(f"step {step}: loss {loss.data:.4f}")

        first_loss, last_loss = losses[0], losses[-1]
        print(f"the error dropped from {first_loss:.4f} to {last_loss:.4f}")
        picture = loss_history(losses)
    """),
    numbers=("losses", "first_loss", "last_loss"),
    pictures=("picture",),
    captions=("the loss after each step",),
)

NEURON = Section(
    2,
    "neuron",
    "Neuron",
    "A neuron takes inputs x₁…xₙ, multiplies each by its weight, adds them and a bias into the "
    "weighted input z = Σ wᵢxᵢ + b, and passes z through an activation function: the output. "
    "`draw_neuron` draws the live neuron, with the numbers of its last call.",
    _code("""
        import math

        from nnscalar.nn import Neuron
        from nnscalar.render import draw_neuron

        neuron = Neuron(3, activation="tanh", seed=1, name="N1")
        neuron.bias.data = 0.5
        x = [1.0, -2.0, 0.5]
        output = neuron(x)

        for w, xi in zip(neuron.weights, x):
            print(f"{w.label} = {w.data:+.4f}   input {xi:+.1f}   product {w.data * xi:+.4f}")
        print(f"bias {neuron.bias.label} = {neuron.bias.data:+.4f}")
        z = neuron.z.data
        by_hand = sum(w.data * xi for w, xi in zip(neuron.weights, x)) + neuron.bias.data
        print(f"weighted input z = Σ wᵢxᵢ + b = {z:+.4f} (by hand {by_hand:+.4f})")
        print(f"output = tanh(z) = {output.data:+.4f} (math.tanh: {math.tanh(z):+.4f})")
        drawing = draw_neuron(neuron, show_grad=False)
    """),
    numbers=("z", "by_hand"),
    pictures=("drawing",),
    captions=("one neuron: inputs, weights, weighted input, activation, output",),
)

SYNAPSE = Section(
    3,
    "synapse",
    "Synapse",
    "A synapse is the road from one input to one neuron, with a toll: its weight. What arrives "
    "at the neuron is the input times the weight. Every `Synapse` of a neuron knows its two ends "
    "(`source`, `target`) and holds its weight `Value`.",
    _code("""
        from nnscalar.nn import Neuron

        neuron = Neuron(3, activation="relu", seed=2, name="N1")
        x = [0.5, -1.0, 2.0]
        output = neuron(x)

        carried = []
        for synapse in neuron.synapses:
            w = synapse.weight
            toll = x[synapse.source] * w.data
            carried.append(toll)
            print(
                f"synapse {synapse.source_name} → {synapse.target.name}: weight {w.label} = "
                f"{w.data:+.4f}, carries {x[synapse.source]:+.1f} × {w.data:+.4f} = {toll:+.4f}"
            )

        print(
            f"what the synapses carry adds up to z = {sum(carried):+.4f} + bias "
            f"{neuron.bias.data:+.4f} = {neuron.z.data:+.4f}"
        )
        print(f"relu(z) = {output.data:+.4f}")
    """),
    numbers=("carried",),
)

WEIGHTS = Section(
    4,
    "weights",
    "Weights",
    "Weights are the numbers training adjusts. Change one weight and the output moves; the "
    "gradient `w.grad` that `backward()` computes says which way and how fast, before trying: "
    "output change ≈ gradient × weight change.",
    _code("""
        from nnscalar.nn import Neuron

        neuron = Neuron(2, activation="tanh", seed=3, name="N1")
        x = [1.5, -0.5]
        output = neuron(x)
        output.backward()
        w = neuron.weights[0]
        before, gradient = output.data, w.grad
        print(f"output {before:+.6f}, d(output)/d({w.label}) = {gradient:+.6f}")

        nudge = 0.01
        w.data += nudge
        after = neuron(x).data
        moved = after - before
        print(f"{w.label} += {nudge}: output {after:+.6f}, moved {moved:+.6f}")
        print(f"the gradient predicted {gradient * nudge:+.6f}")
        assert (moved > 0) == (gradient > 0), "the gradient's sign says which way the output moves"
        print("same sign: the gradient said which way")
    """),
    numbers=("before", "after", "moved", "gradient", "nudge"),
)

BIAS = Section(
    5,
    "bias",
    "Bias",
    "The bias is added to the weighted sum whatever the inputs are: it shifts the activation. "
    "On all-zero input every weight multiplies zero, so without a bias a tanh neuron can only "
    "answer tanh(0) = 0; with one, the output need not be zero.",
    _code("""
        from nnscalar.nn import Neuron

        neuron = Neuron(3, activation="tanh", seed=4, name="N1")
        zeros = [0.0, 0.0, 0.0]

        neuron.bias.data = 0.0
        without_bias = neuron(zeros).data
        neuron.bias.data = 0.8
        with_bias = neuron(zeros).data
        print(f"weights {[round(w.data, 4) for w in neuron.weights]}, input {zeros}")
        print(f"without bias: tanh(0)   = {without_bias:+.4f}")
        print(f"with bias:    tanh(0.8) = {with_bias:+.4f}")
    """),
    numbers=("without_bias", "with_bias"),
)

LAYERS = Section(
    6,
    "layers",
    "Layers",
    "The input layer is the data itself (numbers, not neurons); hidden layers transform it; the "
    "output layer gives the answer. In an MLP every layer is *fully connected*: each neuron has "
    "one synapse from every unit of the layer before.",
    _code("""
        from nnscalar.nn import MLP
        from nnscalar.render import draw_network

        model = MLP(3, [4, 4, 2], activation="relu", seed=0)
        print(f"input layer: {model.n_inputs} features (x1..x{model.n_inputs})")
        synapse_counts = []
        for layer in model.layers:
            role = "output" if layer is model.layers[-1] else "hidden"
            sources = [sorted(s.source for s in n.synapses) for n in layer.neurons]
            fully_connected = all(s == list(range(layer.n_inputs)) for s in sources)
            synapse_counts.append(sum(len(n.synapses) for n in layer.neurons))
            print(f"{role} layer {layer.name}: {len(layer.neurons)} neurons × {layer.n_inputs} "
                  f"synapses = {synapse_counts[-1]} weights, {layer.activation}, "
                  f"fully connected: {fully_connected}")
        print(f"{model.num_parameters()} parameters in all (weights + one bias per neuron)")
        drawing = draw_network(model)
    """),
    numbers=("synapse_counts",),
    pictures=("drawing",),
    captions=("an MLP 3 → 4 → 4 → 2: input, hidden and output layers",),
)

WEIGHTED_INPUT = Section(
    7,
    "weighted-input",
    "Weighted input",
    "The weighted input is what a neuron computes before its activation: Z = XW for one input, "
    "Z = Σ xᵢwᵢ (+ b) for several. With a linear activation the neuron's output *is* Z, so a "
    "single linear neuron is linear regression: trained on MSE it finds the same line as the "
    "closed-form least-squares formula.",
    _code("""
        import random

        from nnscalar import Value, weighted_sum
        from nnscalar.losses import mse
        from nnscalar.nn import Neuron
        from nnscalar.optim import SGD
        from nnscalar.tour.pictures import fitted_lines

        x, w = 3.0, Value(0.5, label="w")
        print(f"one input:  Z = x·w = {x} × {w.data} = {(x * w).data}")
        xs = [1.0, 2.0, -1.0]
        ws = [Value(0.2, label="w1"), Value(-0.4, label="w2"), Value(0.1, label="w3")]
        z = weighted_sum(ws, xs, Value(0.0, label="b"))
        terms = " + ".join(f"{xi}×{wi.data}" for xi, wi in zip(xs, ws))
        print(f"several:    Z = Σ xᵢwᵢ = {terms} = {z.data:.4f}")

        rng = random.Random(0)
        X = [rng.uniform(-1.0, 1.0) for _ in range(30)]
        Y = [2.5 * xi - 0.7 + rng.gauss(0.0, 0.3) for xi in X]

        neuron = Neuron(1, activation="linear", seed=0, name="N1")
        optimizer = SGD(neuron.parameters(), lr=0.5)
        for _ in range(100):
            loss = mse([neuron([xi]) for xi in X], Y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        slope, intercept = neuron.weights[0].data, neuron.bias.data

        mx, my = sum(X) / len(X), sum(Y) / len(Y)
        ls_slope = sum((a - mx) * (b - my) for a, b in zip(X, Y)) / sum((a - mx) ** 2 for a in X)
        ls_intercept = my - ls_slope * mx
        print(f"linear neuron:  slope {slope:.8f}, intercept {intercept:.8f}")
        print(f"least squares:  slope {ls_slope:.8f}, intercept {ls_intercept:.8f}")
        print(f"|slope difference| = {abs(slope - ls_slope):.1e}")
        picture = fitted_lines(X, Y, {"linear neuron": (slope, intercept),
                                      "least squares": (ls_slope, ls_intercept)})
    """),
    numbers=("slope", "intercept", "ls_slope", "ls_intercept", "X", "Y"),
    pictures=("picture",),
    captions=("a linear neuron's line and the least-squares line",),
)

ACTIVATION_FUNCTIONS = Section(
    8,
    "activation-functions",
    "Activation functions",
    "An activation function bends the weighted input. Three properties matter: **non-linear** "
    "(or layers collapse into one linear map), **continuously differentiable** (a smooth "
    "gradient everywhere; relu and leaky relu have a kink at 0 where the slope jumps) and **fixed "
    "range** (outputs stay bounded). The engine measures each: second differences for "
    "non-linearity, the slope on both sides of 0 for the kink, and values far out for the range.",
    _code("""
        from nnscalar import Value
        from nnscalar.activations import ACTIVATIONS
        from nnscalar.tour.pictures import activation_curves


        def slope(f, x):
            v = Value(x)
            f(v).backward()
            return v.grad

        def limit(f, x):
            near, far = f(Value(x)).data, f(Value(1000.0 * x)).data
            return near if abs(far - near) < 1e-9 else float("inf") if x > 0 else float("-inf")

        def yes(flag):
            return "yes" if flag else "no"

        properties = {}
        print("function    non-linear  continuously differentiable  fixed range  range")
        for name, f in ACTIVATIONS.items():
            bends = [f(Value(c - 1.0)).data - 2 * f(Value(c)).data + f(Value(c + 1.0)).data
                     for c in (-1.0, 0.0, 1.0)]
            jump = abs(slope(f, 1e-9) - slope(f, -1e-9))
            low, high = limit(f, -1000.0), limit(f, 1000.0)
            nonlinear = max(map(abs, bends)) > 1e-9
            smooth = jump < 1e-6
            bounded = abs(low) + abs(high) < float("inf")
            properties[name] = (nonlinear, smooth, bounded)
            kink = "yes" if smooth else f"no: at 0 f′ jumps by {jump:.2f}"
            ends = f"{low:g} … {high:g}".replace("inf", "∞")
            print(f"{name:<12}{yes(nonlinear):<12}{kink:<29}{yes(bounded):<13}{ends}")
        picture = activation_curves(ACTIVATIONS)
    """),
    numbers=("properties",),
    pictures=("picture",),
    captions=("each activation f (solid) and its derivative f′ (dashed), from backward()",),
)

LOSS_FUNCTIONS = Section(
    9,
    "loss-functions",
    "Loss functions",
    "A loss function scores a prediction against its target: 0 when right, larger when wrong. "
    "Training needs its slope: the gradient of the loss with respect to the prediction says "
    "which way to move it. MSE = (p − y)² has slope 2(p − y); binary cross-entropy "
    "−[y log p + (1 − y) log(1 − p)] has slope −1/p for y = 1, steep when confidently wrong.",
    _code("""
        from nnscalar import Value
        from nnscalar.losses import bce, mse
        from nnscalar.tour.pictures import loss_curves

        target = 1.0
        p = Value(0.3, label="p")
        squared = mse([p], [target])
        squared.backward()
        mse_grad = p.grad
        print(f"MSE({p.data}, {target}) = {squared.data:.4f}; dL/dp = {mse_grad:+.4f} "
              f"(2(p − y) = {2 * (p.data - target):+.4f})")

        q = Value(0.3, label="p")
        cross = bce([q], [target])
        cross.backward()
        bce_grad = q.grad
        print(f"cross-entropy({q.data}, {target}) = {cross.data:.4f}; dL/dp = {bce_grad:+.4f} "
              f"(−1/p = {-1 / q.data:+.4f})")

        picture = loss_curves({
            "MSE, target 1": (lambda v: mse([v], [1.0]), -0.5, 2.5, 0.3),
            "cross-entropy, target 1": (lambda v: bce([v], [1.0]), 0.03, 0.99, 0.3),
        })
    """),
    numbers=("mse_grad", "bce_grad"),
    pictures=("picture",),
    captions=("MSE and cross-entropy with their slopes at p = 0.3",),
)

OPTIMIZATION = Section(
    10,
    "optimization",
    "Optimization algorithms",
    "An optimizer turns gradients into steps. Plain SGD steps against the gradient; momentum "
    "keeps a running velocity; RMSprop divides each step by the root of recent squared "
    "gradients; Adam combines both. Here each runs on the same 2-D loss surface "
    "f(x, y) = 0.1x² + 2y², a long narrow valley, from the same start: the parameters are the "
    "two Values x and y. Adam ends worst here, and that is worth seeing: its step is about lr "
    "in size whatever the gradient (m̂/√v̂ is near ±1), so with lr 0.4 it still strides 0.4 "
    "past the bottom where the others slow down with the gradient; a smaller lr or a schedule "
    "(`CosineLR`) lets it settle.",
    _code("""
        from nnscalar import Value
        from nnscalar.optim import SGD, Adam, RMSprop
        from nnscalar.tour.pictures import optimizer_paths


        def f(x, y):
            return 0.1 * x**2 + 2 * y**2

        optimizers = {
            "SGD": lambda params: SGD(params, lr=0.45),
            "momentum": lambda params: SGD(params, lr=0.05, momentum=0.8),
            "RMSprop": lambda params: RMSprop(params, lr=0.15),
            "Adam": lambda params: Adam(params, lr=0.4),
        }
        paths, final_losses = {}, {}
        start = (-4.5, 1.5)
        print(f"start {start}, loss {f(Value(start[0]), Value(start[1])).data:.4f}")
        for name, make in optimizers.items():
            x, y = Value(start[0], label="x"), Value(start[1], label="y")
            optimizer = make([x, y])
            paths[name] = [(x.data, y.data)]
            for _ in range(30):
                loss = f(x, y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                paths[name].append((x.data, y.data))
            final_losses[name] = f(x, y).data
            print(f"{name:<9} after 30 steps: x {x.data:+.4f}, y {y.data:+.4f}, "
                  f"loss {final_losses[name]:.6f}")
        picture = optimizer_paths(f, paths, xlim=(-5.0, 1.5), ylim=(-1.8, 1.8))
    """),
    numbers=("paths", "final_losses", "start"),
    pictures=("picture",),
    captions=("SGD, momentum, RMSprop and Adam on the contour plot of one loss surface",),
)

GRADIENT_ACCUMULATION = Section(
    11,
    "gradient-accumulation",
    "Gradient accumulation",
    "When a batch does not fit in memory, split it into k mini-batches: run forward and "
    "backward on each, letting the gradients *add up* on the parameters (`backward()` "
    "accumulates on leaves), scale each mini-batch's loss by its share of the batch, and take "
    "one optimizer step at the end. The parameters come out the same as with the full batch, "
    "while only one mini-batch's graph is alive at a time: a smaller peak memory.",
    _code("""
        from nnscalar import topological_order
        from nnscalar.data import moons
        from nnscalar.losses import mse
        from nnscalar.nn import MLP
        from nnscalar.optim import SGD
        from nnscalar.tour.pictures import TimelineEvent, accumulation_timeline
        from nnscalar.train import Trainer, step_peak_memory

        X, y = moons(n=64, noise=0.1, seed=1)
        k = 4

        # By hand, what Trainer(accumulation_steps=k) does; work counted in graph nodes.
        model = MLP(2, [16, 16, 1], activation="tanh", seed=0)
        optimizer = SGD(model.parameters(), lr=0.1)
        watched = model.layers[0].neurons[0].weights[0]
        events, size, work = [], len(X) // k, 0
        for i in range(k):
            xb, yb = X[i * size:(i + 1) * size], y[i * size:(i + 1) * size]
            loss = mse([model(x) for x in xb], yb) * (len(xb) / len(X))
            nodes = len(topological_order(loss))
            events.append(TimelineEvent("forward", i, work, work + nodes, watched.grad))
            loss.backward()  # adds this mini-batch's share to every .grad
            events.append(TimelineEvent("backward", i, work + nodes, work + 2 * nodes,
                                        watched.grad))
            work += 2 * nodes
            print(f"mini-batch {i + 1}/{k}: {nodes} graph nodes, loss share {loss.data:.5f}, "
                  f"{watched.label}.grad = {watched.grad:+.6f}")
        optimizer.step()  # one update, with the gradient of the whole batch
        events.append(TimelineEvent("update", k, work, work + len(optimizer.params), 0.0))
        optimizer.zero_grad()
        by_hand = [p.data for p in model.parameters()]

        def one_step(accumulation_steps):
            model = MLP(2, [16, 16, 1], activation="tanh", seed=0)
            trainer = Trainer(model, mse, SGD(model.parameters(), lr=0.1),
                              accumulation_steps=accumulation_steps)
            _, peak = step_peak_memory(trainer, X, y)  # in bytes, measured by tracemalloc
            return [p.data for p in model.parameters()], peak

        full, full_peak = one_step(1)
        accumulated, accumulated_peak = one_step(k)
        difference = max(abs(a - b) for a, b in zip(full, accumulated))
        print(f"full batch of {len(X)} vs {k} mini-batches of {size}: the same step, largest "
              f"parameter difference {difference:.1e}")
        print("(float rounding: the same terms are summed in another order)")
        print(f"by hand equals Trainer: {by_hand == accumulated}")
        print(f"peak memory: full batch {full_peak / 1024:.0f} KiB, "
              f"accumulated {accumulated_peak / 1024:.0f} KiB "
              f"({accumulated_peak / full_peak:.0%})")
        picture = accumulation_timeline(events, watched.label)
    """),
    numbers=("full", "accumulated", "by_hand", "difference", "full_peak", "accumulated_peak"),
    pictures=("picture",),
    captions=("forward and backward per mini-batch, the gradient summing up, one update",),
)

HIGHER_DERIVATIVES = Section(
    12,
    "higher-derivatives",
    "Higher derivatives",
    "`backward()` leaves each gradient as a plain number. `nnscalar.grad(out, x, "
    "create_graph=True)` builds d(out)/dx as a new graph of Values instead, so it can be "
    "differentiated again: the derivative of the derivative. Here the engine computes tanh's first "
    "four derivatives (checked against their formulas in t = tanh x), and then Newton's method "
    "finds a minimum of f(x) = x⁴ − 3x² + x with both f′ and f″ from the engine: "
    "x ← x − f′(x)/f″(x), the number of correct digits doubling each step.",
    _code("""
        import math

        from nnscalar import Value, grad
        from nnscalar.tour.pictures import derivative_curves


        def derivatives(x0, orders=4):
            x = Value(x0, label="x")
            d = [x.tanh()]
            for _ in range(orders):
                (dx,) = grad(d[-1], x, create_graph=True)  # a Value with a graph: differentiate it
                d.append(dx)
            return [v.data for v in d]

        engine = derivatives(0.5)
        t = math.tanh(0.5)
        formulas = [t, 1 - t**2, -2 * t * (1 - t**2), (1 - t**2) * (6 * t**2 - 2),
                    8 * t * (1 - t**2) * (2 - 3 * t**2)]
        for order, (a, b) in enumerate(zip(engine, formulas)):
            print(f"order {order} at 0.5: engine {a:+.10f}, formula {b:+.10f}")

        xs = [-4.0 + 8.0 * i / 160 for i in range(161)]
        curves = list(zip(*[derivatives(x0) for x0 in xs]))

        def f(x):
            return x**4 - 3 * x**2 + x

        x = Value(2.0, label="x")
        newton = [x.data]
        for step in range(6):
            (df,) = grad(f(x), x, create_graph=True)
            (d2f,) = grad(df, x)
            x = Value(x.data - df.data / d2f.data, label="x")
            newton.append(x.data)
            print(f"Newton step {step + 1}: x = {x.data:.12f}, f′ was {df.data:+.3e}")
        (slope,) = grad(f(x), x, create_graph=True)
        (curvature,) = grad(slope, x)
        print(f"at x = {x.data:.12f}: f′ = {slope.data:+.1e}, f″ = {curvature.data:.4f} > 0: "
              "a minimum")
        picture = derivative_curves(xs, curves)
    """),
    numbers=("engine", "formulas", "newton", "slope", "curvature"),
    pictures=("picture",),
    captions=("tanh and its first four derivatives, each nnscalar.grad of the one before",),
)

FORWARD_REVERSE = Section(
    13,
    "forward-vs-reverse",
    "Forward vs reverse mode",
    "Two ways to apply the chain rule. Reverse mode (`backward()`) pulls one output's gradient "
    "back to *all* inputs in one pass; forward mode (`nnscalar.jvp`) pushes one input direction "
    "forward to *all* outputs in one pass. So for many inputs and one output (a loss over "
    "weights) reverse needs 1 pass and forward one per input; for one input and many outputs it "
    "is the other way round. Both give the same derivatives.",
    _code("""
        import math

        from nnscalar import Value, jvp, vsum

        n = 20

        # Many inputs, one output: f(x₁…xₙ) = Σ sin(xᵢ²). The gradient has n entries.
        def f(*xs):
            return vsum([(xi * xi).sin() for xi in xs])

        point = [0.1 * i for i in range(n)]
        inputs = [Value(p) for p in point]
        f(*inputs).backward()
        reverse = [xi.grad for xi in inputs]
        reverse_passes = 1
        forward, forward_passes = [], 0
        for j in range(n):  # forward mode: one pass per input direction eⱼ
            _, slope = jvp(f, point, [1.0 if i == j else 0.0 for i in range(n)])
            forward.append(slope)
            forward_passes += 1
        many_in = max(abs(a - b) for a, b in zip(reverse, forward))
        print(f"{n} inputs → 1 output: reverse {reverse_passes} pass, forward {forward_passes} "
              f"passes; largest difference {many_in:.1e}")

        # One input, many outputs: g(t) = [sin(1·t), sin(2·t), …, sin(n·t)].
        def g(t):
            return [(k * t).sin() for k in range(1, n + 1)]

        _, tangents = jvp(g, [0.3], [1.0])  # forward mode: every output's slope in one pass
        jvp_passes = 1
        t = Value(0.3)
        backwards, backward_passes = [], 0
        for y in g(t):  # reverse mode: one backward pass per output
            t.grad = 0.0
            y.backward()
            backwards.append(t.grad)
            backward_passes += 1
        many_out = max(abs(a - b) for a, b in zip(tangents, backwards))
        exact = max(abs(a - k * math.cos(0.3 * k)) for k, a in enumerate(tangents, start=1))
        print(f"1 input → {n} outputs: forward {jvp_passes} pass, reverse {backward_passes} "
              f"passes; largest difference {many_out:.1e}")
        print(f"d sin(kt)/dt = k·cos(kt): forward mode is off by at most {exact:.1e}")
    """),
    numbers=(
        "reverse",
        "forward",
        "reverse_passes",
        "forward_passes",
        "tangents",
        "backwards",
        "jvp_passes",
        "backward_passes",
        "exact",
    ),
)

TINY_TRANSFORMER = Section(
    14,
    "tiny-transformer",
    "A tiny transformer",
    "The same scalar `Value`s make a GPT: token and position embeddings, causal self-attention "
    "(each letter looks back at the letters before it), an MLP block and a head that scores "
    "every next letter (`nnscalar.transformer.TinyGPT`). Here a very small one memorizes six "
    "names for a few Adam steps: its loss falls below the uniform guess ln(vocabulary). "
    "`demos/tiny_gpt.py` trains a bigger one on the whole names list and samples new names.",
    _code("""
        import math

        from nnscalar import optim
        from nnscalar.transformer import CharTokenizer, TinyGPT, load_names

        names = load_names()[:6]
        tokenizer = CharTokenizer(names)
        sequences = [tokenizer.encode(name) for name in names]  # ".ada." as ids
        model = TinyGPT(tokenizer.vocab_size, block_size=max(map(len, names)) + 1,
                        n_embd=8, n_head=2, n_layer=1, seed=0)
        optimizer = optim.Adam(model.parameters(), lr=0.03)
        uniform = math.log(tokenizer.vocab_size)
        print(f"names {names}: {tokenizer.vocab_size} tokens {''.join(tokenizer.chars)!r}, "
              f"{len(model.parameters())} parameters")

        losses = []
        for _ in range(12):
            loss = model.loss(sequences)  # mean cross-entropy of every next letter
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.data)
        print(f"loss {losses[0]:.3f} → {losses[-1]:.3f} nats/letter in {len(losses)} steps "
              f"(uniform guess ln {tokenizer.vocab_size} = {uniform:.3f})")
    """),
    numbers=("names", "losses", "uniform"),
)

# The tour's last words: where a learner goes next
CLOSING = (
    "That was the tour: fourteen concepts, each a few lines of nnscalar. Next, do backprop by hand "
    '(nnscalar step "tanh(x*w + b)" --set x=2,w=-3,b=6.88), try the exercises (nnscalar '
    "exercises list) or train a network and look at its pictures (nnscalar train)."
)

SECTIONS: tuple[Section, ...] = (
    NEURAL_NETWORK,
    NEURON,
    SYNAPSE,
    WEIGHTS,
    BIAS,
    LAYERS,
    WEIGHTED_INPUT,
    ACTIVATION_FUNCTIONS,
    LOSS_FUNCTIONS,
    OPTIMIZATION,
    GRADIENT_ACCUMULATION,
    HIGHER_DERIVATIVES,
    FORWARD_REVERSE,
    TINY_TRANSFORMER,
)
