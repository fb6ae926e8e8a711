"""Worked solutions as a teacher writes them: the exercise's own names, each local derivative's
formula, the numbers put in, and the result.

An exercise builds its graph with the names of its statement as labels (`e = a·b`, `ŷ`, `out`).
`board(root, targets)` writes the forward pass of every named node and then the chain rule from
the root down to the targets, one named node at a time:

    dL/dŷ = 2(ŷ − y) = 2(2.5 − (−1.5)) = 8
    dL/dw = dL/dŷ · x = 8 · 1 = 8

An unnamed node (the `ŷ − y` inside the square) is written inside its named user, and its local
derivative is folded into that user's (the chain rule between two named nodes). Each formula comes
from the op table (`ops`), written over the operands' names; a few ops are written the way a
teacher writes them (`2(ŷ − y)` for `b·a^(b − 1)` with b = 2). Numbers are `Num`s: rounded for
people when shown, exact on request (`Worked.text(exact=True)`, the key's hover titles).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Union

from .. import ops
from ..core import Value, topological_order
from ..errors import ParseError
from ..explain import backward_steps, replay

__all__ = ["Num", "Worked", "board", "eq", "show"]


def show(x: float, figures: int = 4) -> str:
    """`x` for people: as it is when 6 figures hold it (2.5, 0.05, and 0.1 for the float
    0.09999999999999998), else to `figures` significant figures with trailing zeros (0.4200,
    6.083); minus as `−`."""
    near = f"{x:.12g}"  # drops the last bits of floating-point dust
    short = len(near.lstrip("-").replace(".", "").lstrip("0")) <= max(6, figures)
    text = near if short else f"{x:#.{figures}g}"
    if "e" not in text and text.endswith("."):
        text = text[:-1]
    return text.replace("-", "−")


@dataclass(frozen=True)
class Num:
    """A number inside a worked line: shown rounded (`show`), its exact value kept for hover."""

    value: float
    figures: int = 4  # more where a formula would not give its result from 4 (1 − 0.9977²)

    def text(self, exact: bool = False) -> str:
        """The number as shown, or its `repr` (every digit) when `exact`."""
        return repr(self.value) if exact else show(self.value, self.figures)


Segment = Union[str, Num]
Line = tuple[Segment, ...]


@dataclass(frozen=True)
class Worked:
    """A worked solution: lines of text and numbers. `str()` is the text with rounded numbers."""

    lines: tuple[Line, ...]

    def text(self, exact: bool = False) -> str:
        """The lines as text; `exact` writes each number in full (its `repr`)."""
        return "\n".join(
            "".join(s if isinstance(s, str) else s.text(exact) for s in line) for line in self.lines
        )

    def __str__(self) -> str:
        return self.text()

    def __add__(self, other: Worked) -> Worked:
        return Worked(self.lines + other.lines)

    def numbers(self) -> Iterator[Num]:
        """Every number of every line, in order."""
        for line in self.lines:
            yield from (s for s in line if isinstance(s, Num))


def eq(template: str, *values: float) -> Line:
    """A line from `template` with each `{}` replaced by the next number, e.g.
    `eq("w_new = w − lr·dL/dw = {} − {}·{} = {}", w, lr, g, new)`; negatives that follow an
    operator get parentheses."""
    pieces = template.split("{}")
    if len(pieces) != len(values) + 1:
        raise ValueError(f"eq: {template!r} has {len(pieces) - 1} places for {len(values)} numbers")
    line: list[Segment] = [pieces[0]]
    for value, after in zip(values, pieces[1:]):
        before = line[-1] if isinstance(line[-1], str) else ""
        alone = before.endswith(("= ", "(", ": ", ", ")) or before == ""
        if value < 0 and not alone:
            line += ["(", Num(value), ")" + after]
        else:
            line += [Num(value), after]
    return tuple(s for s in line if s != "")


# --- expressions: one writer for names and for numbers -------------------------------------------

ADD, NEG, MUL, POW, ATOM = 1, 1.5, 2, 3, 4  # how tightly an expression binds


@dataclass(frozen=True)
class _Expr:
    segments: tuple[Segment, ...]
    prec: float

    def wrapped(self, below: float) -> tuple[Segment, ...]:
        """The segments, in parentheses when the expression binds less tightly than `below`."""
        return ("(", *self.segments, ")") if self.prec < below else self.segments


def _atom(*segments: Segment, prec: float = ATOM) -> _Expr:
    return _Expr(tuple(segments), prec)


def _number(x: float) -> _Expr:
    return _atom(Num(x), prec=NEG if x < 0 else ATOM)


def _join(*parts: object, prec: float) -> _Expr:
    """An expression from strings, Nums and tuples of segments."""
    out: list[Segment] = []
    for part in parts:
        out.extend(part if isinstance(part, tuple) else (part,))  # type: ignore[arg-type]
    return _Expr(tuple(out), prec)


_SUPER = {2.0: "²", 3.0: "³"}
_SYMBOLS = {"sigmoid": "σ", "relu": "ReLU", "leaky_relu": "LReLU", "elu": "ELU", "sqrt": "√"}


class _Writer:
    """Writes nodes of one graph: a named node (other than the one being defined) by its name,
    or by its number when `numbers`; an unnamed node by its op over its operands."""

    def __init__(self, names: dict[Value, str], numbers: bool) -> None:
        self.names = names
        self.numbers = numbers

    def operand(self, item: object) -> _Expr:
        """A node as an operand: its name (or number), an unnamed node as its op written out;
        a constant as its number."""
        if isinstance(item, Value):
            if item in self.names or not item.op:
                if self.numbers or item not in self.names:
                    return _number(item.data)  # an unnamed leaf is a constant to the reader
                return _atom(self.names[item])
            return self.op(item)
        return _number(float(item))  # type: ignore[arg-type]

    def op(self, node: Value) -> _Expr:
        """`node` written as its op over its operands (its own name is not used)."""
        op = node.op
        if op == "wsum":
            n = len(node.arg)
            weights, bias = node.parents[:n], node.parents[-1]
            terms = [
                _join(self.operand(w).wrapped(MUL), "·", self.operand(x).wrapped(MUL), prec=MUL)
                for w, x in zip(weights, node.arg)
            ]
            return self._sum([*terms, self.operand(bias)])
        if op == "sum":
            items = list(node.parents) + ([node.arg] if node.arg is not None else [])
            return self._sum([self.operand(i) for i in items])
        if op == "log_softmax":
            return _atom("log(", *self._softmax(node, node.arg).segments, ")")
        a, b = (*ops.operands(node), None)[:2]
        if op in ("+", "-", "rsub"):
            sign = " + " if op == "+" else " − "
            left, right = self.operand(a), self.operand(b)
            return _join(
                left.segments, sign, right.wrapped(MUL if op != "+" else NEG + 0.1), prec=ADD
            )
        if op == "*":
            return _join(self.operand(a).wrapped(MUL), "·", self.operand(b).wrapped(MUL), prec=MUL)
        if op in ("/", "rdiv"):
            if op == "/" and not isinstance(b, Value) and float(b) == -1.0:
                return _join("−", self.operand(a).wrapped(MUL), prec=NEG)  # a / (−1): −a
            return _join(self.operand(a).wrapped(MUL), "/", self.operand(b).wrapped(POW), prec=MUL)
        if op in ("**", "rpow"):
            base = self.operand(a).wrapped(ATOM)
            if not isinstance(b, Value) and float(b) in _SUPER:
                return _join(base, _SUPER[float(b)], prec=POW)
            return _join(base, "^", self.operand(b).wrapped(ATOM), prec=POW)
        if op == "neg":
            return _join("−", self.operand(a).wrapped(MUL), prec=NEG)
        if op == "abs":
            return _atom("|", *self.operand(a).segments, "|")
        if op == "exp":
            return _join("e^", self.operand(a).wrapped(ATOM), prec=POW)
        record = ops.op_of(node)
        name = _SYMBOLS.get(op, record.spelling or op)
        inner: list[Segment] = []
        for i, parent in enumerate(node.parents):
            inner.extend(([", "] if i else []) + list(self.operand(parent).segments))
        if record.param:
            inner += [", ", Num(float(node.arg))]
        return _atom(f"{name}(", *inner, ")")

    def _sum(self, terms: Sequence[_Expr]) -> _Expr:
        if len(terms) == 1:
            return terms[0]
        out: list[Segment] = list(terms[0].segments)
        for term in terms[1:]:
            out += [" + ", *term.wrapped(NEG + 0.1)]
        return _Expr(tuple(out), ADD)

    def _softmax(self, node: Value, i: int) -> _Expr:
        """softmax(a)ᵢ written out: e^aᵢ/(e^a₀ + e^a₁ + …)."""
        exps = [_join("e^", self.operand(p).wrapped(ATOM), prec=POW) for p in node.parents]
        return _join(exps[i].segments, "/", self._sum(exps).wrapped(ATOM), prec=MUL)


# --- local derivatives: a coefficient and factors -----------------------------------------------


@dataclass(frozen=True)
class _Factor:
    """coef · (terms multiplied): one local derivative, or a product of them along a path.

    `coef` is exact (a Fraction) when the constants are simple fractions, else a float; a term is
    a function of the writer, so the same factor is written with names and with numbers.
    """

    coef: Fraction | float
    terms: tuple[object, ...] = ()  # callables: _Writer → _Expr

    def times(self, other: _Factor) -> _Factor:
        return _Factor(self.coef * other.coef, self.terms + other.terms)  # type: ignore[operator]

    def simple(self) -> bool:
        """A plain number or a plain name (`1`, `x1`, `1/3`): written in the chain line itself."""
        return not self.terms or (self.coef == 1 and len(self.terms) == 1)

    def write(self, writer: _Writer) -> _Expr:
        exprs = [t(writer) for t in self.terms]  # type: ignore[operator]
        coef = self.coef
        if not exprs:
            return _coef_expr(coef)
        if len(exprs) == 1 and coef == 1:
            return exprs[0]
        body: list[Segment] = []
        for k, e in enumerate(exprs):
            body += (["·"] if k else []) + list(
                e.wrapped(MUL if len(exprs) > 1 or coef != 1 else 0)
            )
        if coef == 1:
            return _Expr(tuple(body), MUL)
        if coef == -1:
            return _Expr(("−", *body), NEG)
        if isinstance(coef, Fraction):
            top = abs(coef.numerator)
            lead = ("−" if coef < 0 else "") + ("" if top == 1 else str(top))
            joint = "" if body[0] == "(" or not lead or lead == "−" else "·"
            tail = f"/{coef.denominator}" if coef.denominator != 1 else ""
            return _Expr(
                (lead + joint, *body, tail) if lead else (*body, tail), NEG if coef < 0 else MUL
            )
        return _Expr((*_number(coef).wrapped(MUL), "·", *body), MUL)


def _coef_expr(coef: Fraction | float) -> _Expr:
    if isinstance(coef, Fraction):
        sign = "−" if coef < 0 else ""
        text = f"{sign}{abs(coef.numerator)}" + (
            f"/{coef.denominator}" if coef.denominator != 1 else ""
        )
        return _atom(text, prec=NEG if coef < 0 else (MUL if coef.denominator != 1 else ATOM))
    return _number(coef)


def _exact(x: float) -> Fraction | float:
    """A constant as a fraction a person writes (1/3, 2, −1) when it is one, else the float."""
    f = Fraction(x).limit_denominator(1000)
    return f if float(f) == x else x


def _of(item: object) -> object:
    return lambda w: w.operand(item) if isinstance(item, Value) else _number(float(item))  # type: ignore[arg-type]


def _const_or_term(item: object) -> _Factor:
    """The factor `item`: a constant's value as the coefficient, a Value as a term."""
    if isinstance(item, Value):
        return _Factor(Fraction(1), (_of(item),))
    return _Factor(_exact(float(item)))  # type: ignore[arg-type]


def _formula_factor(node: Value, index: int) -> _Factor:
    """The op table's formula of d(node)/d(parents[index]) over the operands' names."""
    formula = ops.pretty(ops.derivative_formula(node, index))
    operands = list(ops.operands(node))
    env: dict[str, object] = {"out": node}
    env.update(zip("ab", operands))
    if ops.op_of(node).param:
        env[ops.op_of(node).param] = float(node.arg)
    outside = formula
    while "(" in outside:  # what is outside every parenthesis decides how tightly it binds
        outside = re.sub(r"\([^()]*\)", "", outside)
    prec = ADD if any(t in outside for t in (" + ", " − ", " if ")) else MUL
    if formula.startswith("−") and prec == MUL:
        prec = NEG

    def term(writer: _Writer) -> _Expr:
        out: list[Segment] = []
        last = 0
        for m in re.finditer(r"(?<![A-Za-z0-9_])(out|alpha|slope|a|b)(?![A-Za-z0-9_])", formula):
            out.append(formula[last : m.start()])
            item = env[m.group()]
            alone = m.start() == 0 and m.end() == len(formula)
            e = writer.operand(item) if isinstance(item, Value) else _number(float(item))  # type: ignore[arg-type]
            out.extend(e.segments if alone else e.wrapped(ATOM))
            last = m.end()
        out.append(formula[last:])
        return _Expr(tuple(s for s in out if s != ""), prec)

    return _Factor(Fraction(1), (term,))


def _local(node: Value, index: int) -> _Factor:
    """d(node)/d(parents[index]) as a teacher writes it."""
    op, parent = node.op, node.parents[index]
    operands = list(ops.operands(node))  # constants included, in written order
    one = _Factor(Fraction(1))
    if op in ("+", "sum"):
        return one
    if op == "-":
        return one if index == 0 else _Factor(Fraction(-1))
    if op in ("rsub", "neg"):
        return _Factor(Fraction(-1))
    if op == "*":
        return _const_or_term(node.parents[1 - index] if len(node.parents) == 2 else node.arg)
    if op == "/" and index == 0 and not isinstance(operands[1], Value):
        return _Factor(1 / _exact(float(operands[1])))  # type: ignore[arg-type]
    if op == "**" and len(node.parents) == 1:
        c = float(node.arg)
        rest = c - 1.0
        power: tuple[object, ...] = ()
        if rest == 1.0:
            power = (_of(parent),)
        elif rest != 0.0:

            def power_term(w: _Writer, p: Value = parent, r: float = rest) -> _Expr:
                base = w.operand(p).wrapped(ATOM)
                if r in _SUPER:
                    return _join(base, _SUPER[r], prec=POW)
                return _join(base, "^", _number(r).wrapped(ATOM), prec=POW)

            power = (power_term,)
        return _Factor(_exact(c), power)
    if op == "wsum":
        n = len(node.arg)
        role = ops.roles(node)[index]
        if role == "bias":
            return one
        if role == "w":
            return _const_or_term(node.arg[index])
        values = [i for i, x in enumerate(node.arg) if isinstance(x, Value)]
        return _const_or_term(node.parents[values[index - n]])
    if op == "log_softmax":
        k = node.arg

        def prob(w: _Writer, i: int = index) -> _Expr:
            p = w._softmax(node, i)
            return _join(p.segments, " − 1", prec=ADD) if i == k else p

        return _Factor(Fraction(-1), (prob,))  # [i = k] − pᵢ = −(pᵢ − [i = k])
    if op not in ops.OPS:  # a custom op: the number it stored
        return _Factor(_exact(node.local_grads[index]))
    return _formula_factor(node, index)


# --- the board ----------------------------------------------------------------------------------


def _d(top: str, bottom: str) -> str:
    top = top if len(top) == 1 else f"({top})"
    return f"d{top}/d{bottom}"


@dataclass(frozen=True)
class _Use:
    """A named node `user` that uses the named node `node`, through unnamed nodes on `paths`."""

    user: Value
    factor: tuple[_Factor, ...]  # one per path (a node used twice inside one formula: two)
    value: float  # d(user)/d(node), summed over the paths


def _uses(order: Sequence[Value], names: dict[Value, str]) -> dict[Value, list[_Use]]:
    """For every named node, the named nodes that use it and the local derivative of each."""
    uses: dict[Value, list[_Use]] = {}
    for user in order:
        if user not in names or not user.op:
            continue
        found: dict[Value, tuple[list[_Factor], float]] = {}
        stack = [(p, _local(user, i), user.local_grads[i]) for i, p in enumerate(user.parents)]
        stack.reverse()  # depth first, operands in written order
        while stack:
            node, factor, value = stack.pop()
            if node in names:
                paths, total = found.get(node, ([], 0.0))
                found[node] = ([*paths, factor], total + value)
            elif node.op:  # unnamed: written inside `user`, its local derivatives folded in
                more = [
                    (p, factor.times(_local(node, i)), value * node.local_grads[i])
                    for i, p in enumerate(node.parents)
                ]
                stack += reversed(more)
        for node, (paths, total) in found.items():
            uses.setdefault(node, []).append(_Use(user, tuple(paths), total))
    return uses


def _written(factors: Sequence[_Factor], writer: _Writer) -> _Expr:
    if len(factors) == 1:
        return factors[0].write(writer)
    out: list[Segment] = []
    for k, f in enumerate(factors):
        out += ([" + "] if k else []) + list(f.write(writer).wrapped(NEG + 0.1))
    return _Expr(tuple(out), ADD)


def _conditional(left: str, names: _Expr, numbers: _Expr, value: float) -> Line:
    """A slope with a condition (ReLU's `1 if z > 0 else 0`) as on the board: the rule, then its
    value and why, `d(relu)/dz = 1 if z > 0, else 0 = 0, as z = −1`; () when there is none."""
    segments = names.segments
    at = [k for k, s in enumerate(segments) if isinstance(s, str) and s.endswith(" if ")]
    put_in = [s for s in numbers.segments if isinstance(s, Num)]
    if len(at) != 1 or at[0] + 1 >= len(segments) or len(put_in) != 1:
        return ()
    name = segments[at[0] + 1]
    if not isinstance(name, str):
        return ()
    rule = [s.replace(" else ", ", else ") if isinstance(s, str) else s for s in segments]
    return (f"{left} = ", *rule, " = ", Num(value), f", as {name} = ", put_in[0])


def _equation(left: str, names: _Expr, numbers: _Expr, value: float) -> Line:
    """`left = names = numbers = value`, leaving out a side that repeats the one after it; the
    numbers put in get the figures it takes for them to give the result (`_enough`)."""
    conditional = _conditional(left, names, numbers, value)
    if conditional:
        return conditional
    shown = Num(value).text()
    text_of = lambda e: "".join(s if isinstance(s, str) else s.text() for s in e)  # noqa: E731
    put_in = _enough(numbers.segments, value)
    line: list[Segment] = [f"{left} = ", *names.segments]
    if text_of(put_in) != text_of(names.segments):
        line += [" = ", *put_in]
    if text_of(put_in) != shown:
        line += [" = ", Num(value)]
    return tuple(line)


_AS_PYTHON = {
    "·": "*",
    "−": "-",
    "²": "**2",
    "³": "**3",
    "^": "**",
    "σ(": "sigmoid(",
    "√(": "sqrt(",
}


def _enough(segments: tuple[Segment, ...], value: float) -> tuple[Segment, ...]:
    """`segments` with its numbers shown to 4 significant figures, or to 6, 8, … when the
    rounded numbers would not give `value` to 4 figures (near saturation, 1 − 0.9977² is
    0.004595, not 0.004673): a reader who redoes the arithmetic gets the key's result."""
    for figures in (4, 6, 8, 10):
        tried = tuple(Num(s.value, figures) if isinstance(s, Num) else s for s in segments)
        text = "".join(f"({s.text()})" if isinstance(s, Num) else s for s in tried)
        for mark, python in _AS_PYTHON.items():
            text = text.replace(mark, python)
        try:
            got = ops.evaluate(text, {"e": math.e})
        except (ArithmeticError, ValueError, ParseError):
            return segments  # a form the formula language does not read (ReLU, |a|)
        if abs(got - value) <= 5e-4 * abs(value) + 1e-12:
            return tried
    return segments


def board(
    root: Value, targets: Iterable[Value] = (), forward: bool = True, backward: bool = True
) -> Worked:
    """The worked solution of `root`'s graph: each named node's forward equation, then the chain
    rule for every named node between `root` and the `targets` (all named leaves by default).

    The gradients are those one `root.backward()` gives (replayed on the side, bit for bit);
    the graph is only read.
    """
    order = topological_order(root)
    names = {node: node.label for node in order if node.label}
    names[root] = names.get(root) or "L"
    by_name, numbers = _Writer(names, numbers=False), _Writer(names, numbers=True)
    lines: list[Line] = []
    if forward:
        for node in order:
            if node.op and node in names:
                lines.append(_equation(names[node], by_name.op(node), numbers.op(node), node.data))
    if not backward:
        return Worked(tuple(lines))
    wanted = set(targets) or {n for n in order if not n.op and n in names}
    leads = set()  # named nodes with a wanted node at or below them
    for node in order:
        if node in wanted or any(p in leads for p in node.parents):
            leads.add(node)
    uses = _uses(order, names)
    grads = replay(backward_steps(root))
    for node in _top_down(order, names):
        if node is root or node not in names or node not in leads or node not in uses:
            continue
        lines += _chain(node, uses[node], root, grads, names, (by_name, numbers))
    return Worked(tuple(lines))


def _top_down(order: Sequence[Value], names: dict[Value, str]) -> list[Value]:
    """The named nodes from the root down, each after all its users, operands in written order
    (as a teacher works down the graph: L, then f and d, then e and c, …); an unnamed node is
    looked through, in place."""
    users: dict[Value, int] = {}
    for node in order:
        for parent in node.parents:
            users[parent] = users.get(parent, 0) + 1
    queue, out = [order[-1]], []

    def release(node: Value) -> None:
        for parent in node.parents:
            users[parent] -= 1
            if users[parent] == 0:
                if parent in names or not parent.op:
                    queue.append(parent)
                else:
                    release(parent)

    while queue:
        node = queue.pop(0)
        out.append(node)
        release(node)
    return out


def _chain(
    node: Value,
    used: list[_Use],
    root: Value,
    grads: dict[Value, float],
    names: dict[Value, str],
    writers: tuple[_Writer, _Writer],
) -> list[Line]:
    """The lines for d(root)/d(node): the local derivatives that need a line of their own, then
    the chain rule summed over the node's users (`grads`: each node's d(root)/d(node))."""
    by_name, numbers = writers
    top = names[root]
    lines: list[Line] = []
    name = names[node]
    symbolic: list[Segment] = []
    numeric: list[Segment] = []
    for k, use in enumerate(used):
        local_names = _written(use.factor, by_name)
        local_numbers = _written(use.factor, numbers)
        plus = [" + "] if k else []
        if use.user is root:
            symbolic += plus + list(local_names.wrapped(NEG + 0.1 if k else 0))
            numeric += plus + list(local_numbers.wrapped(NEG + 0.1 if k else 0))
            continue
        upstream = _d(top, names[use.user])
        if len(use.factor) == 1 and use.factor[0].simple():
            local, local_num = local_names, local_numbers
        else:
            local_d = _d(names[use.user], name)
            lines.append(_equation(local_d, local_names, local_numbers, use.value))
            local, local_num = _atom(local_d), _number(use.value)
        symbolic += [*plus, upstream, " · ", *local.wrapped(MUL)]
        numeric += [*plus, *_number(grads[use.user]).wrapped(MUL if k else 0), " · "]
        numeric += list(local_num.wrapped(MUL))
    lines.append(
        _equation(
            _d(top, name),
            _Expr(tuple(symbolic), ADD),
            _Expr(tuple(numeric), ADD),
            grads.get(node, 0.0),
        )
    )
    return lines
