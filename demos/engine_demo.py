"""The engine in one screen: build a small expression, run backward(), read every gradient.

A neuron with two inputs: o = tanh(x1·w1 + x2·w2 + b). Each row of the table is one node of the
computation graph, leaves first, with the number the forward pass gave it and d(o)/d(node).
"""

from rich.console import Console
from rich.table import Table

from nnscalar import Value, topological_order

x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")
z = x1 * w1 + x2 * w2 + b
z.label = "z"
o = z.tanh()
o.label = "o"
o.backward()

table = Table(title="o = tanh(x1·w1 + x2·w2 + b): forward values and gradients d(o)/d(node)")
for column in ("node", "op", "data", "grad"):
    table.add_column(column, justify="right" if column in ("data", "grad") else "left")
for node in topological_order(o):
    table.add_row(node.label or "·", node.op or "leaf", f"{node.data:.4f}", f"{node.grad:.4f}")
Console().print(table)
