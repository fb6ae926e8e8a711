"""A finite-difference check of your own engine's gradients (task 10)."""

from .engine import zero_grad


def numerical_gradient(f, values, h=1e-6):
    """d f(values) / d value for each value, by central differences: (f(x+h) - f(x-h)) / 2h.

    `f` builds a new graph from the list `values` and returns a Value; restore each value's data.
    """
    # solution 10
    grads = []
    for v in values:
        old = v.data
        v.data = old + h
        up = f(values).data
        v.data = old - h
        down = f(values).data
        v.data = old
        grads.append((up - down) / (2 * h))
    return grads
    # end


def gradient_check(f, values, tolerance=1e-4):
    """True when backward()'s gradients of f(values) match numerical_gradient within
    `tolerance`, relative to the larger of 1 and the gradients' size."""
    # solution 10
    zero_grad(values)
    f(values).backward()
    numeric = numerical_gradient(f, values)
    return all(
        abs(v.grad - n) <= tolerance * max(1.0, abs(v.grad), abs(n))
        for v, n in zip(values, numeric)
    )
    # end
