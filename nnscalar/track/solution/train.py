"""Two losses, a step of gradient descent, and gradient accumulation (tasks 8 and 9)."""

from .engine import zero_grad


def mse(predictions, targets):
    """The mean of (prediction - target)² over the samples (task 8)."""
    # solution 8
    total = 0.0
    for p, y in zip(predictions, targets):
        total = (p - y) ** 2 + total
    return total * (1.0 / len(predictions))
    # end


def hinge(predictions, targets):
    """The mean of max(0, 1 - target · prediction), targets ±1 (task 8; micrograd's demo loss).

    A point on the right side by a margin of 1 or more adds nothing; any other adds how far it
    falls short. max(0, ·) is relu.
    """
    # solution 8
    total = 0.0
    for p, y in zip(predictions, targets):
        total = (1.0 - y * p).relu() + total
    return total * (1.0 / len(predictions))
    # end


def sgd_step(parameters, learning_rate):
    """One step of gradient descent: each parameter moves by -learning_rate · its grad (task 8)."""
    # solution 8
    for p in parameters:
        p.data -= learning_rate * p.grad
    # end


def accumulate_gradients(model, xs, ys, k):
    """Gradients of the full-batch MSE, gathered over `k` mini-batches (task 9).

    Split the samples into k consecutive mini-batches; for each, backward() the mini-batch's mse
    times its share (its size / the number of samples). Leaves accumulate, so after the last
    mini-batch the parameters hold the full batch's gradients. Start from zero_grad.
    """
    # solution 9
    zero_grad(model.parameters())
    n = len(xs)
    size = -(-n // k)
    for start in range(0, n, size):
        batch_x, batch_y = xs[start : start + size], ys[start : start + size]
        predictions = [model(x)[0] for x in batch_x]
        loss = mse(predictions, batch_y) * (len(batch_x) / n)
        loss.backward()
    # end


def train(model, xs, ys, steps, learning_rate, loss=mse):
    """Full-batch gradient descent on `loss` (mse or hinge) for `steps` steps; the loss before
    each step (task 8). Reset the gradients every step: leaves accumulate."""
    # solution 8
    losses = []
    for _ in range(steps):
        zero_grad(model.parameters())
        value = loss([model(x)[0] for x in xs], ys)
        value.backward()
        sgd_step(model.parameters(), learning_rate)
        losses.append(value.data)
    return losses
    # end
