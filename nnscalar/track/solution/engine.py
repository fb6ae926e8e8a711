"""The engine: a Value per number, each op recording its parents and local derivatives.

Tasks 1-5 of the build track. Every result of an op remembers `parents` (its operands, in order,
numbers wrapped as leaf Values) and `local_grads`, d(result)/d(parent) for each parent, computed
right away. `backward()` is then the chain rule: parent.grad += local * node.grad.
"""

import math


class Value:
    """One number of a computation graph, with the gradient `backward()` gives it."""

    def __init__(self, data, parents=(), op="", local_grads=()):
        self.data = float(data)
        self.grad = 0.0
        self.parents = tuple(parents)  # the operands this value was computed from, in order
        self.op = op  # "" for a leaf (an input or a parameter), else "+", "*", "tanh", ...
        self.local_grads = tuple(local_grads)  # d(self)/d(parent), one per parent

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"

    # --- task 1: + and * -------------------------------------------------------------------

    def __add__(self, other):
        """self + other: a new Value with parents (self, other), op "+", local grads (1, 1).
        A number `other` is wrapped as a leaf Value first."""
        # solution 1
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), "+", (1.0, 1.0))
        # end

    def __radd__(self, other):
        """other + self, when `other` is a number: parents (Value(other), self), in that order."""
        # solution 1
        return Value(other) + self
        # end

    def __mul__(self, other):
        """self * other: parents (self, other), op "*"; d/dself is other, d/dother is self."""
        # solution 1
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), "*", (other.data, self.data))
        # end

    def __rmul__(self, other):
        """other * self, when `other` is a number: parents (Value(other), self)."""
        # solution 1
        return Value(other) * self
        # end

    # --- task 2: more ops, each with its local derivatives ----------------------------------

    def __neg__(self):
        """-self: op "neg", one parent, local grad -1."""
        # solution 2
        return Value(-self.data, (self,), "neg", (-1.0,))
        # end

    def __sub__(self, other):
        """self - other: op "-", parents (self, other), local grads (1, -1)."""
        # solution 2
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data - other.data, (self, other), "-", (1.0, -1.0))
        # end

    def __rsub__(self, other):
        """other - self, when `other` is a number."""
        # solution 2
        return Value(other) - self
        # end

    def __truediv__(self, other):
        """self / other: op "/", local grads 1/other and -self/other²."""
        # solution 2
        other = other if isinstance(other, Value) else Value(other)
        a, b = self.data, other.data
        return Value(a / b, (self, other), "/", (1.0 / b, -a / (b * b)))
        # end

    def __rtruediv__(self, other):
        """other / self, when `other` is a number."""
        # solution 2
        return Value(other) / self
        # end

    def __pow__(self, exponent):
        """self ** n for a number n: op "**", one parent, local grad n·selfⁿ⁻¹."""
        # solution 2
        n = float(exponent)
        return Value(self.data**n, (self,), "**", (n * self.data ** (n - 1),))
        # end

    def exp(self):
        """e ** self: op "exp"; its derivative is the result itself."""
        # solution 2
        out = math.exp(self.data)
        return Value(out, (self,), "exp", (out,))
        # end

    def tanh(self):
        """tanh(self): op "tanh"; local grad 1 - out², out being the result."""
        # solution 2
        out = math.tanh(self.data)
        return Value(out, (self,), "tanh", (1.0 - out * out,))
        # end

    def relu(self):
        """max(0, self): op "relu"; local grad 1 where self > 0, else 0."""
        # solution 2
        return Value(max(0.0, self.data), (self,), "relu", (1.0 if self.data > 0 else 0.0,))
        # end

    # --- tasks 4 and 5: backward ------------------------------------------------------------

    def backward(self):
        """Fill in .grad of every node self depends on: d(self)/d(node).

        Task 4: walk `topological_order(self)` backwards (each node after every node that uses
        it) and add each node's share to its parents: parent.grad += local * node.grad (+=: a
        node used twice gets both shares). Task 5: first set .grad of every non-leaf node to 0, so
        a second call gives the same numbers; leaves keep theirs and accumulate.
        """
        # solution 4
        order = topological_order(self)
        for node in order:
            if node.parents:  # results of ops start from 0 on every call; leaves accumulate
                node.grad = 0.0
        self.grad += 1.0
        for node in reversed(order):
            for parent, local in zip(node.parents, node.local_grads):
                parent.grad += local * node.grad
        # end


def topological_order(root):
    """Every node `root` depends on, once each, parents before the nodes that use them.

    Task 3: no recursion (a chain of 100,000 nodes must work): an explicit stack.
    """
    # solution 3
    order, seen = [], set()
    stack = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(node.parents) if p not in seen)
    return order
    # end


def zero_grad(values):
    """Task 5: set .grad of every Value given back to 0 (between two training steps)."""
    # solution 5
    for value in values:
        value.grad = 0.0
    # end
