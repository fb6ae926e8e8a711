"""`build check`: run each task's hidden cases on the student's package in the sandbox and compare
the graphs it built with nnscalar's own engine, node by node, naming the mistake when it is a
known one (`=` for `+=`, a wrong or recursive order, a missing local derivative, grads not reset,
tanh's derivative in terms of x).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..core import Value
from ..errors import ConfigError, NNScalarError
from ..exercises.sandbox import Job, Limits, Outcome, run_jobs
from ..files import read_limited
from ..foreign import as_value
from .netcheck import judge as judge_net
from .netcheck import notes as net_notes
from .tasks import TASKS, Task, cases

__all__ = ["TaskResult", "check", "check_sources", "read_package", "reference"]

PROBES = Path(__file__).resolve().parent / "probes"
MAX_FILE_BYTES = 200_000
RTOL, ATOL = 1e-6, 1e-9


@dataclass(frozen=True)
class TaskResult:
    """How one task went: passed, and the diagnosis lines when it did not."""

    number: int
    title: str
    passed: bool
    diagnosis: tuple[str, ...] = field(default_factory=tuple)
    # for a failed expression: (the student's graph as they reported it, nnscalar's), both drawable
    graphs: tuple[Any, ...] = ()
    notes: tuple[str, ...] = ()  # what a passed task measured (task 8: the accuracy it reached)

    def __str__(self) -> str:
        head = f"task {self.number:2d} {self.title}: {'passed' if self.passed else 'FAILED'}"
        return "\n".join([head, *("    " + line for line in self.diagnosis + self.notes)])


def read_package(folder: str | Path) -> dict[str, str]:
    """The `.py` files of the student's package folder (top level), by name."""
    path = Path(folder)
    if not path.is_dir():
        raise ConfigError(f"package folder {str(path)!r} does not exist or is not a folder")
    files: dict[str, str] = {}
    for file in sorted(path.glob("*.py")):
        try:
            files[file.name] = read_limited(file, MAX_FILE_BYTES).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{file}: not UTF-8 text ({exc.reason})") from None
    for needed in ("__init__.py", "engine.py"):
        if needed not in files:
            raise ConfigError(
                f"{path}/{needed} is missing: give the folder `nnscalar build start` wrote"
            )
    return files


# --- the reference: nnscalar's engine on the same programs ---------------------------------------


@dataclass
class Reference:
    """nnscalar's numbers for a program: data, grad and the local derivative for each operand."""

    data: list[float]
    grad: list[float]
    local: list[list[float | None]]  # per step, per operand (None for a number operand)
    operands: list[list[Any]]  # per step: step indices or "c"
    root: Value | None = None  # the graph itself, each step labelled v0, v1, ...


def _apply(op: str, args: list[Any]) -> Value:
    a = args[0]
    if op == "+":
        return a + args[1]
    if op == "-":
        return a - args[1]
    if op == "*":
        return a * args[1]
    if op == "/":
        return a / args[1]
    if op == "**":
        return a ** args[1]
    if op == "neg":
        return -a
    return getattr(a, op)()


def reference(program: list) -> Reference:
    """Run `program` in nnscalar's engine: each step's data, grad after root.backward(), and the
    local derivative for each of its operands (measured on fresh leaves, so `a * a` gives two)."""
    nodes: list[Value] = []
    ref = Reference([], [], [], [])
    for step in program:
        if step[0] == "leaf":
            nodes.append(Value(step[1]))
            ref.local.append([])
            ref.operands.append([])
            continue
        tokens = step[1:]
        args = [nodes[t[1]] if t[0] == "v" else t[1] for t in tokens]
        nodes.append(_apply(step[0], args))
        fresh = [Value(nodes[t[1]].data) if t[0] == "v" else t[1] for t in tokens]
        if step[0] == "**":  # the exponent is a number, not an operand with a gradient
            fresh[1] = tokens[1][1]
        _apply(step[0], fresh).backward()
        ref.local.append([f.grad if isinstance(f, Value) else None for f in fresh])
        ref.operands.append([t[1] if t[0] == "v" else "c" for t in tokens])
    nodes[-1].backward()
    for i, node in enumerate(nodes):
        node.label = f"v{i}"
    ref.root = nodes[-1]
    ref.data = [n.data for n in nodes]
    ref.grad = [n.grad for n in nodes]
    return ref


def _close(given: Any, expected: float) -> bool:
    return isinstance(given, float) and abs(given - expected) <= ATOL + RTOL * abs(expected)


def _show(program: list, i: int) -> str:
    """Step i as text: `v5 = v3 * 2.0`."""
    step = program[i]
    if step[0] == "leaf":
        return f"v{i} = Value({step[1]})"
    names = [f"v{t[1]}" if t[0] == "v" else repr(t[1]) for t in step[1:]]
    if step[0] in ("+", "-", "*", "/", "**"):
        return f"v{i} = {names[0]} {step[0]} {names[1]}"
    if step[0] == "neg":
        return f"v{i} = -{names[0]}"
    return f"v{i} = {names[0]}.{step[0]}()"


# --- per task -----------------------------------------------------------------------------------


def _data_and_graph(program: list, ref: Reference, got: dict[str, Any]) -> list[str]:
    for i, step in enumerate(program):
        what = _show(program, i)
        if not _close(got["data"][i], ref.data[i]):
            return [f"{what}: data is {got['data'][i]!r}, expected {ref.data[i]:.6g}"]
        op = "" if step[0] == "leaf" else step[0]
        if got["op"][i] != op:
            return [f"{what}: op is {got['op'][i]!r}, expected {op!r}"]
        expected = (
            " ".join(str(p) for p in ref.operands[i])
            if step[0] != "**"
            else str(ref.operands[i][0])
        )
        if got["parents"][i] != expected:
            hint = ""
            if "c" in expected.split() and "c" not in got["parents"][i].split():
                hint = " (a number operand must become a leaf Value and stay a parent)"
            elif expected.split() == got["parents"][i].split()[::-1]:
                hint = " (the operands are swapped: keep them in the order written)"
            return [
                f"{what}: parents are [{_names(got['parents'][i])}], expected "
                f"[{_names(expected)}]{hint}"
            ]
    return []


def _names(text: str) -> str:
    return ", ".join("a number's leaf" if p == "c" else f"v{p}" for p in text.split())


def _locals(program: list, ref: Reference, got: dict[str, Any]) -> list[str]:
    for i, step in enumerate(program):
        if step[0] == "leaf":
            continue
        what = _show(program, i)
        if got["local"][i] == "missing":
            return [
                f"{what}: the result has no `local_grads`; record d(result)/d(parent) for each "
                "parent, as numbers, when the op runs (a closure such as _backward cannot be read)"
            ]
        given = [float(x) if _is_float(x) else math.nan for x in got["local"][i].split()]
        expected = (
            [x for x in ref.local[i] if x is not None]
            if step[0] == "**"
            else [0.0 if x is None else x for x in ref.local[i]]
        )
        if step[0] == "**":
            expected = expected[:1]
        if step[0] != "**":  # a number operand's leaf: its local derivative is still the rule's
            expected = _with_constants(step, ref, i)
        if len(given) < len(expected):
            return [
                f"{what}: {len(given)} local derivative(s) for {len(expected)} parents: a missing "
                f"local derivative term (expected {_fmt(expected)})"
            ]
        for k, (g, e) in enumerate(zip(given, expected)):
            if abs(g - e) > ATOL + RTOL * abs(e):
                why = ""
                x, out = ref.data[step[1][1]] if step[1][0] == "v" else 0.0, ref.data[i]
                if step[0] == "tanh" and abs(g - (1 - x * x)) <= 1e-6 * (1 + abs(g)):
                    why = (
                        ": tanh's derivative is written in terms of x (1 - x²); it is 1 - out², "
                        f"out = tanh(x) = {out:.6g}"
                    )
                elif g == 0.0 and e != 0.0:
                    why = f": a missing local derivative term for operand {k + 1}"
                return [f"{what}: local derivative {k + 1} is {g:.6g}, expected {e:.6g}{why}"]
    return []


def _with_constants(step: list, ref: Reference, i: int) -> list[float]:
    """Local derivatives for every operand, a number's leaf included (the rule gives them)."""
    program_step = step
    values = [ref.data[t[1]] if t[0] == "v" else t[1] for t in program_step[1:]]
    fresh = [Value(v) for v in values]
    _apply(step[0], fresh).backward()
    return [f.grad for f in fresh]


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _fmt(xs: Sequence[float]) -> str:
    return ", ".join(f"{x:.6g}" for x in xs)


def _order_problem(program: list, order: list[Any]) -> str:
    """What is wrong with the student's order ('' when it is a topological order)."""
    steps = [int(x) for x in order if isinstance(x, float)]
    if len(set(steps)) < len(steps):
        twice = next(s for s in steps if steps.count(s) > 1)
        return (
            f"v{twice} appears more than once in the order: mark nodes as seen the first time "
            "(a shared node must be visited once)"
        )
    position = {s: k for k, s in enumerate(steps)}
    needed = _ancestors(program)
    missing = sorted(needed - set(position))
    if missing:
        return f"the order misses v{missing[0]}, which the root depends on"
    for s in steps:
        for t in program[s][1:] if program[s][0] != "leaf" else ():
            if t[0] == "v" and position[t[1]] > position[s]:
                return (
                    f"wrong topological order: v{s} comes before its parent v{t[1]} "
                    "(every parent must come before the nodes that use it)"
                )
    return ""


def _ancestors(program: list) -> set[int]:
    seen, stack = set(), [len(program) - 1]
    while stack:
        s = stack.pop()
        if s in seen:
            continue
        seen.add(s)
        if program[s][0] != "leaf":
            stack.extend(t[1] for t in program[s][1:] if t[0] == "v")
    return seen


def _simulate(program: list, ref: Reference, order: list[int], assign: bool) -> list[float]:
    """Backward along `order` with the reference's local derivatives; `assign`: `=` for `+=`."""
    grad = [0.0] * len(program)
    grad[-1] = 1.0
    for s in reversed(order):
        for operand, local in zip(ref.operands[s], _locals_of(program, ref, s)):
            if operand == "c" or local is None:
                continue
            share = local * grad[s]
            grad[operand] = share if assign else grad[operand] + share
    return grad


def _locals_of(program: list, ref: Reference, s: int) -> list[float | None]:
    return ref.local[s][:1] if program[s][0] == "**" else ref.local[s]


def _grads(program: list, ref: Reference, got: dict[str, Any], key: str) -> list[str]:
    order = [int(x) for x in got["order"] if isinstance(x, float)]
    problem = _order_problem(program, got["order"])
    wrong = [i for i, g in enumerate(got[key]) if not _close(g, ref.grad[i])]
    if not wrong:
        return []
    if problem:
        return [problem]
    first = wrong[-1]  # nearest the root: where the mistake starts
    line = f"{_show(program, first)}: grad is {got[key][first]!r}, expected {ref.grad[first]:.6g}"
    users = sum(1 for step in program if step[0] != "leaf" for t in step[1:] if t == ["v", first])
    assigned = _simulate(program, ref, order, assign=True)
    if all(_close(g, e) for g, e in zip(got[key], assigned)):
        return [
            line,
            f"`=` instead of `+=`: v{first} is used {users} times and keeps only the last share; "
            "add each share: parent.grad += local * node.grad",
        ]
    return [line]


def _judge(task: Task, case: dict, got: dict[str, Any]) -> list[str]:
    if "error" in got:
        text = got["error"]
        if text.startswith("RecursionError") or "recursion" in text:
            return [
                "your topological order is recursive: a chain of 100,000 nodes goes past Python's "
                "recursion limit; keep an explicit stack instead",
                text,
            ]
        return [f"your code raised {text}"]
    if case["kind"] == "chain":
        if got.get("length") != case["length"] + 1.0:
            return [
                f"a chain of {case['length']} ops gave an order of {got.get('length')!r} nodes, "
                f"expected {case['length'] + 1}"
            ]
        return [] if got.get("first") == "x" else ["the chain's leaf must come first in the order"]
    if "program" not in case:
        return judge_net(case, got)
    program = case["program"]
    ref = reference(program)
    if case["kind"] == "gradcheck":
        return _gradcheck(program, ref, got)
    if case["kind"] == "graph":
        problems = _data_and_graph(program, ref, got)
        return problems or (_locals(program, ref, got) if task.number >= 2 else [])
    if case["kind"] == "order":
        problem = _order_problem(program, got["order"])
        return [problem] if problem else []
    problems = _grads(program, ref, got, "grad0")
    if problems or not case.get("calls", 1) > 1:
        return problems
    return _second_call(program, ref, got)


def _gradcheck(program: list, ref: Reference, got: dict[str, Any]) -> list[str]:
    leaves = [k for k, step in enumerate(program) if step[0] == "leaf"]
    if got["data"] != [float(program[k][1]) for k in leaves]:
        return ["numerical_gradient changed the values' data: put each one back after f(x ± h)"]
    for k, numeric in zip(leaves, got["numeric"]):
        expected = ref.grad[k]
        if not (
            isinstance(numeric, float) and abs(numeric - expected) <= 1e-4 * max(1, abs(expected))
        ):
            return [
                f"numerical_gradient for v{k} is {numeric!r}, expected about {expected:.6g} "
                "(central differences: (f(x + h) - f(x - h)) / 2h)"
            ]
    if got["passes"] != "yes":
        return [f"gradient_check said {got['passes']!r} for a correct engine: expected True"]
    if got["broken"] != "no":
        return [
            "gradient_check passed a node whose local derivative is wrong (x² recorded with "
            "local grad x instead of 2x): expected False"
        ]
    return []


def _second_call(program: list, ref: Reference, got: dict[str, Any]) -> list[str]:
    ops_first = sorted(range(len(program)), key=lambda i: (program[i][0] == "leaf", -i))
    for i in ops_first:  # a result not reset spoils the leaves below it: name the cause first
        leaf = program[i][0] == "leaf"
        expected = 2 * ref.grad[i] if leaf else ref.grad[i]
        if _close(got["grad1"][i], expected):
            continue
        what = f"{_show(program, i)}: after a second backward() its grad is {got['grad1'][i]!r}"
        if leaf:
            return [
                f"{what}, expected {expected:.6g} (twice {ref.grad[i]:.6g}): leaves must "
                "accumulate across backward() calls; do not reset or assign them"
            ]
        return [
            f"{what}, expected {expected:.6g}: gradients not reset — backward() must set "
            "the grad of every node with parents to 0 before the chain rule"
        ]
    for i, g in enumerate(got["zeroed"]):
        if g != 0.0:
            return [f"zero_grad left v{i}.grad at {g!r}: it must set every grad given to 0"]
    for i, g in enumerate(got["after"]):
        if not _close(g, ref.grad[i]):
            return [f"after zero_grad and backward, v{i}.grad is {g!r}, expected {ref.grad[i]}"]
    return []


# --- the command ----------------------------------------------------------------------------------


def check(
    folder: str | Path,
    tasks: Sequence[int] = (),
    seed: int = 1,
    isolation: str = "auto",
) -> list[TaskResult]:
    """Check the student's package in `folder`: one result per task (all tasks by default)."""
    return check_sources(read_package(folder), tasks, seed, Limits(isolation=isolation))


def check_sources(
    files: dict[str, str],
    tasks: Sequence[int] = (),
    seed: int = 1,
    limits: Limits | None = None,
) -> list[TaskResult]:
    """Check a package given as its sources (file name → text, `__init__.py` and `engine.py`
    among them): one result per task. `limits` default: 1 GB, each task's own time limit."""
    limits = limits or Limits()
    chosen = [t for t in TASKS if not tasks or t.number in tasks]
    for number in tasks:
        if not any(t.number == number for t in TASKS):
            raise ConfigError(f"there is no task {number}; tasks are 1 to {len(TASKS)}")
    all_cases = [cases(t.number, seed) for t in chosen]
    jobs = [
        Job(
            f"build-track-{t.number}",
            "",
            "student/__init__.py",
            {"files": files, "cases": c},
            t.time_limit,
        )
        for t, c in zip(chosen, all_cases)
    ]
    outcomes = run_jobs(jobs, replace(limits, memory_mb=max(limits.memory_mb, 1024)), [PROBES])
    return [_result(t, c, o) for t, c, o in zip(chosen, all_cases, outcomes)]


def _result(task: Task, task_cases: list[dict], outcome: Outcome) -> TaskResult:
    if outcome.status != "ok":
        return TaskResult(task.number, task.title, False, (outcome.error,))
    data = outcome.data
    if "error" in data:
        return TaskResult(task.number, task.title, False, (str(data["error"]),))
    notes: list[str] = []
    for k, case in enumerate(task_cases):
        got = {key.split(".", 1)[1]: v for key, v in data.items() if key.startswith(f"{k}.")}
        try:
            problems = _judge(task, case, got)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            problems = [f"your package's answer could not be read ({type(exc).__name__}: {exc})"]
        if problems:
            drawable = case["kind"] in ("graph", "backward") and "error" not in got
            try:
                graphs = _graphs(case, got) if drawable else ()
            except (IndexError, TypeError):  # an answer too odd to draw: the diagnosis stands
                graphs = ()
            return TaskResult(task.number, task.title, False, tuple(problems), graphs)
        notes += net_notes(case, got) if "program" not in case else []
    return TaskResult(task.number, task.title, True, notes=tuple(notes))


class _Reported:
    """A node of the student's graph as their package reported it (read by `foreign.as_value`)."""

    def __init__(self, data: float, grad: float, op: str, parents: tuple, label: str) -> None:
        self.data, self.grad, self.op, self.parents, self.label = data, grad, op, parents, label


def _graphs(case: dict, got: dict[str, Any]) -> tuple[Any, ...]:
    """The failing expression twice: with the student's numbers, and in nnscalar's engine."""
    program = case["program"]
    ref = reference(program)
    data = got.get("data") or ref.data
    grads = got.get("grad0") or [0.0] * len(program)
    nodes: list[_Reported] = []
    for i, step in enumerate(program):
        x = data[i] if isinstance(data[i], float) else math.nan
        g = grads[i] if isinstance(grads[i], float) else math.nan
        if step[0] == "leaf":
            nodes.append(_Reported(x, g, "", (), f"v{i}"))
            continue
        parents = tuple(
            nodes[t[1]] if t[0] == "v" else _Reported(t[1], 0.0, "", (), "")
            for t in step[1:]
            if not (step[0] == "**" and t is step[2])
        )
        op = f"**{step[2][1]:g}" if step[0] == "**" else step[0]
        nodes.append(_Reported(x, g, op, parents, f"v{i}"))
    if not all(math.isfinite(n.data) and math.isfinite(n.grad) for n in nodes):
        return ()  # a number that is no number cannot be drawn; the diagnosis says which
    try:
        return (as_value(nodes[-1]), ref.root)
    except NNScalarError:
        return ()
