"""Copies and pickles of graphs of Values, without recursion: a 100,000-deep chain works, and a
node shared by two others stays one node in the copy.

Python's own deepcopy and pickle follow `.parents` recursively, one stack frame per level, and
stop at about a thousand. Here a graph is always handed over parents first, so no level waits on
the one below. Only the node's seven fields are used, so this serves any class with them.
"""

from __future__ import annotations

import copy
import threading

_FIELDS = ("data", "grad", "op", "label", "parents", "local_grads", "arg")


def _walk(root: object, done: object) -> list:
    """The nodes `root` depends on (root included) for which `done(node)` is false, parents
    before children: the engine's topological order, not entering what is done."""
    order: list = []
    placed: dict = {}  # False: its parents are being visited; True: in `order`
    stack = [root]
    while stack:
        node = stack.pop()
        state = placed.get(node)
        if state is True or (state is None and done(node)):
            continue
        if state is False or not node.parents:
            placed[node] = True
            order.append(node)
        else:
            placed[node] = False
            stack.append(node)
            stack.extend(reversed(node.parents))
    return order


def _restore(cls: type, earlier: tuple, fields: tuple) -> object:
    """Unpickling: a node from its fields (`earlier` only made sure its ancestors came first)."""
    node = object.__new__(cls)
    for name, value in zip(_FIELDS, fields):
        setattr(node, name, value)
    return node


def shallow_copy(node: object) -> object:
    """copy.copy(node): a new node with the same fields (the same parents)."""
    return _restore(type(node), (), tuple(getattr(node, name) for name in _FIELDS))


def copy_graph(root: object, memo: dict) -> object:
    """copy.deepcopy(root): its graph copied node by node, parents first."""
    for node in _walk(root, lambda n: id(n) in memo):
        twin = object.__new__(type(node))
        twin.data, twin.grad, twin.op, twin.label = node.data, node.grad, node.op, node.label
        twin.parents = tuple([memo[id(p)] for p in node.parents])
        twin.local_grads = node.local_grads  # a tuple of floats: nothing to copy
        twin.arg = copy.deepcopy(node.arg, memo)  # a number, or inputs that are parents
        memo[id(node)] = twin
        memo.setdefault(id(memo), []).append(node)  # as copy does: keep the original alive
    return memo[id(root)]


# Per thread: pickling runs in one thread. A pickle that fails midway may leave nodes here until
# the next pickle starts a new set; they are then only pickled a little less cleverly.
class _Pending(threading.local):
    def __init__(self) -> None:
        self.nodes: set = set()  # inner nodes whose ancestors are already in the pickle before them


_pending = _Pending()


class _EndOfAncestors:
    """Put last in an ancestors tuple: when pickle reaches it, every node listed was pickled."""

    def __reduce__(self) -> tuple:
        _pending.nodes = set()
        return (tuple, ())


def pickle_graph(node: object) -> tuple:
    """`__reduce__`: the first inner node pickle meets brings its inner ancestors along, in
    topological order, ahead of itself; each of them then only refers to nodes already pickled."""
    fields = tuple(getattr(node, name) for name in _FIELDS)
    if not node.parents or node in _pending.nodes:
        _pending.nodes.discard(node)
        return (_restore, (type(node), (), fields))
    ancestors = [n for n in _walk(node, lambda n: False)[:-1] if n.parents]
    _pending.nodes = set(ancestors)
    return (_restore, (type(node), (*ancestors, _EndOfAncestors()), fields))
