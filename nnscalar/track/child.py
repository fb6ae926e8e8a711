"""What runs in the sandbox: the student's package, loaded from the files the grader sends, runs
the grader's expression programs and answers with plain JSON about the graphs it built.

Nothing here knows an expected answer: the parent (`checker`) compares. A program is a list of
steps: `["leaf", x]`, or `[op, operand, ...]` with operands `["v", i]` (the result of step i) or
`["c", x]` (a number). Each answer is flat lists, one entry per step.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import math
import sys
import time
import traceback
from typing import Any

PACKAGE = "student"  # the name the student's package is imported under in the sandbox
_TEXT = 280  # characters of one error text (the sandbox keeps 300)


class _Files(importlib.abc.MetaPathFinder, importlib.abc.SourceLoader):
    """Imports `student` and `student.<name>` from the sources the grader sent (no disk)."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = files

    def _key(self, fullname: str) -> str | None:
        if fullname == PACKAGE:
            return "__init__.py"
        if fullname.startswith(PACKAGE + "."):
            return fullname[len(PACKAGE) + 1 :].replace(".", "/") + ".py"
        return None

    def find_spec(self, fullname, path, target=None):  # type: ignore[no-untyped-def]
        key = self._key(fullname)
        if key is None or key not in self.files:
            return None
        origin = f"{PACKAGE}/{key}"
        spec = importlib.util.spec_from_loader(fullname, self, origin=origin)
        if spec is not None and key == "__init__.py":
            spec.submodule_search_locations = []
        if spec is not None:
            spec.has_location = True
        return spec

    def get_filename(self, fullname: str) -> str:
        return f"{PACKAGE}/{self._key(fullname)}"

    def get_data(self, path: str) -> bytes:
        return self.files[path[len(PACKAGE) + 1 :]].encode("utf-8")

    def is_package(self, fullname: str) -> bool:
        return self._key(fullname) == "__init__.py"


def load(files: dict[str, str]) -> Any:
    """The student's package (its engine module), imported from `files`."""
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]
    sys.meta_path.insert(0, _Files(files))
    return importlib.import_module(PACKAGE + ".engine")


def _trace(exc: BaseException) -> str:
    """The student's lines of a traceback and the exception, short."""
    if isinstance(exc, SyntaxError):
        return f"SyntaxError in {exc.filename} line {exc.lineno}: {exc.msg}"[:_TEXT]
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(PACKAGE)]
    where = f"{frames[-1].filename} line {frames[-1].lineno}: {frames[-1].line}; " if frames else ""
    text = f"{where}{type(exc).__name__}: {exc}"
    return text if len(text) <= _TEXT else text[: _TEXT - 1] + "…"


def _operand(token: list, nodes: list) -> Any:
    return nodes[token[1]] if token[0] == "v" else token[1]


def run_program(engine: Any, program: list, leaves: list | None = None) -> list:
    """The student's Values for each step of `program` (its leaves taken from `leaves` if given,
    in order)."""
    nodes: list = []
    given = iter(leaves or ())
    for step in program:
        op = step[0]
        if op == "leaf":
            nodes.append(next(given) if leaves else engine.Value(step[1]))
            continue
        args = [_operand(t, nodes) for t in step[1:]]
        if op in _BINARY:
            nodes.append(_BINARY[op](*args))
        elif op == "**":
            nodes.append(args[0] ** args[1])
        elif op == "neg":
            nodes.append(-args[0])
        else:
            nodes.append(getattr(args[0], op)())
    return nodes


_BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
}


def _number(x: Any) -> Any:
    try:
        value = float(x)
    except (TypeError, ValueError):
        return f"not a number: {x!r}"[:_TEXT]
    return value if math.isfinite(value) else f"not finite: {value!r}"


def describe(nodes: list, names: dict[int, int] | None = None) -> dict[str, list]:
    """data, op, parents ("3 c": step 3 and a leaf that is no step) and local grads per node."""
    index = names if names is not None else {id(n): i for i, n in enumerate(nodes)}
    out: dict[str, list] = {"data": [], "op": [], "parents": [], "local": []}
    for node in nodes:
        out["data"].append(_number(getattr(node, "data", None)))
        out["op"].append(str(getattr(node, "op", "?"))[:40])
        parents = tuple(getattr(node, "parents", ()) or ())
        out["parents"].append(" ".join(str(index.get(id(p), "c")) for p in parents)[:_TEXT])
        if not hasattr(node, "local_grads"):
            out["local"].append("missing")
            continue
        local = tuple(node.local_grads or ())
        out["local"].append(" ".join(repr(_number(x)) for x in local)[:_TEXT])
    return out


def probe(namespace: dict, inputs: dict) -> dict[str, Any]:
    """Run one task's cases in the student's package; the answer is plain JSON for the parent."""
    try:
        engine = load(inputs["files"])
    except Exception as exc:  # the import error is the report; a time limit is not
        return {"error": "importing your package failed: " + _trace(exc)}
    answer: dict[str, Any] = {}
    for k, case in enumerate(inputs["cases"]):
        try:
            answer.update(
                {f"{k}.{key}": v for key, v in _CASES[case["kind"]](engine, case).items()}
            )
        except RecursionError as exc:
            answer[f"{k}.error"] = "RecursionError: " + _trace(exc)
        except Exception as exc:  # a time limit or sys.exit goes on to the sandbox's runner
            answer[f"{k}.error"] = _trace(exc)
    return answer


def _graph(engine: Any, case: dict) -> dict[str, Any]:
    return describe(run_program(engine, case["program"]))


def _order(engine: Any, case: dict) -> dict[str, Any]:
    nodes = run_program(engine, case["program"])
    index = {id(n): i for i, n in enumerate(nodes)}
    order = list(engine.topological_order(nodes[-1]))
    return {"order": [index.get(id(n), "c") for n in order][:10_000]}


def _chain(engine: Any, case: dict) -> dict[str, Any]:
    x = engine.Value(case["x"])
    y = x
    for _ in range(case["length"]):
        y = -y
    order = engine.topological_order(y)
    return {"length": float(len(order)), "first": "x" if order[0] is x else "other"}


def _backward(engine: Any, case: dict) -> dict[str, Any]:
    nodes = run_program(engine, case["program"])
    index = {id(n): i for i, n in enumerate(nodes)}
    order = [index.get(id(n), "c") for n in engine.topological_order(nodes[-1])]
    answer: dict[str, Any] = {"order": order, "data": [_number(n.data) for n in nodes]}
    for call in range(case.get("calls", 1)):
        nodes[-1].backward()
        answer[f"grad{call}"] = [_number(n.grad) for n in nodes]
    if case.get("zero"):
        engine.zero_grad(nodes)
        answer["zeroed"] = [_number(n.grad) for n in nodes]
        nodes[-1].backward()
        answer["after"] = [_number(n.grad) for n in nodes]
    return answer


MAX_NODES = 5000  # of a graph sent back whole (`build step`, `build draw`)


def _links(node: Any) -> list:
    """A node's parents: `parents`, or micrograd's `_prev` (a set: sorted by data, so a drawing
    comes out the same on every run)."""
    parents = getattr(node, "parents", None)
    if parents is None:
        prev = getattr(node, "_prev", ())
        return sorted(prev, key=lambda p: _sort_key(getattr(p, "data", None)))
    return list(parents)


def _sort_key(data: Any) -> float:
    number = _number(data)
    return number if isinstance(number, float) else 0.0


def dump(root: Any, labels: dict[int, str]) -> dict[str, list]:
    """The whole graph under `root` as the engine built it (root first): data, grad, op, parent
    indices ("2 5"), local grads ("0.5 -1", or "missing") and a label; `labels`: id → name."""
    index: dict[int, int] = {}
    nodes: list = []
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in index:
            continue
        if len(nodes) >= MAX_NODES:
            raise ValueError(f"the graph has more than {MAX_NODES} nodes: too many to show")
        index[id(node)] = len(nodes)
        nodes.append(node)
        stack.extend(reversed(_links(node)))
    out: dict[str, list] = {"data": [], "grad": [], "op": [], "parents": [], "local": []}
    out["label"] = []
    for node in nodes:
        out["data"].append(_number(getattr(node, "data", None)))
        out["grad"].append(_number(getattr(node, "grad", None)))
        op = getattr(node, "op", None)
        out["op"].append(str(op if op is not None else getattr(node, "_op", ""))[:40])
        out["parents"].append(" ".join(str(index[id(p)]) for p in _links(node)))
        local = getattr(node, "local_grads", None)
        numbers = [_number(x) for x in local] if local is not None else []
        shown = " ".join(f"{x:.17g}" if isinstance(x, float) else "nan" for x in numbers)
        out["local"].append("missing" if local is None else shown)
        label = labels.get(id(node)) or getattr(node, "label", "")
        out["label"].append(str(label)[:40] if isinstance(label, str) else "")
    return out


def _expression(engine: Any, case: dict) -> dict[str, Any]:
    """Build the program with the student's engine, backward() it, and send the graph back."""
    nodes = run_program(engine, case["program"])
    labels = {id(nodes[int(k)]): name for k, name in case["labels"].items()}
    try:
        nodes[-1].backward()
        failed = ""
    except Exception as exc:  # the forward graph is still worth showing
        failed = _trace(exc)
    return {**dump(nodes[-1], labels), "backward": failed}


_CASES = {
    "graph": _graph,
    "order": _order,
    "chain": _chain,
    "backward": _backward,
    "expression": _expression,
}


def _set(model: Any, values: list) -> list:
    params = list(model.parameters())
    if len(params) != len(values):
        raise ValueError(
            f"parameters() gave {len(params)} Values, expected {len(values)} "
            "(every weight, then the bias, neuron by neuron, layer by layer)"
        )
    for p, v in zip(params, values):
        p.data = v
    return params


def _model(nn: Any, case: dict) -> Any:
    if case["shape"][0] == "neuron":
        return nn.Neuron(case["shape"][1], case["shape"][2])
    return nn.MLP(case["shape"][1], case["shape"][2], case["shape"][3])


def _neuron(engine: Any, case: dict) -> dict[str, Any]:
    nn = importlib.import_module(PACKAGE + ".nn")
    neuron = _model(nn, case)
    params = _set(neuron, case["params"])
    xs = [engine.Value(x) if k % 2 == 0 else x for k, x in enumerate(case["inputs"])]
    out = neuron(xs)
    out.backward()
    same = [s.weight is p for s, p in zip(neuron.synapses, params)]
    return {
        "out": _number(out.data),
        "z": _number(neuron.z.data),
        "grads": [_number(p.grad) for p in params],
        "xgrads": [_number(x.grad) if k % 2 == 0 else 0.0 for k, x in enumerate(xs)],
        "synapses": float(len(neuron.synapses)),
        "shared": "yes" if all(same) and len(same) == len(params) - 1 else "no",
    }


def _mlp(engine: Any, case: dict) -> dict[str, Any]:
    nn = importlib.import_module(PACKAGE + ".nn")
    model = _model(nn, case)
    params = _set(model, case["params"])
    total = None
    outs = []
    for x in case["xs"]:
        y = model(x)
        outs.extend(_number(v.data) for v in y)
        for v in y:
            total = v if total is None else total + v
    total.backward()
    return {"outs": outs, "grads": [_number(p.grad) for p in params]}


def _train(engine: Any, case: dict) -> dict[str, Any]:
    nn = importlib.import_module(PACKAGE + ".nn")
    train = importlib.import_module(PACKAGE + ".train")
    model = _model(nn, case)
    params = _set(model, case["params"])
    if case["kind"] == "accumulate":
        train.accumulate_gradients(model, case["xs"], case["ys"], case["k"])
        return {"grads": [_number(p.grad) for p in params]}
    loss = train.mse([model(x)[0] for x in case["xs"]], case["ys"])
    loss.backward()
    grads = [_number(p.grad) for p in params]
    train.sgd_step(params, case["lr"])
    answer = {"loss": _number(loss.data), "grads": grads, "stepped": [p.data for p in params]}
    _set(model, case["params"])
    engine.zero_grad(params)
    losses = train.train(model, case["xs"], case["ys"], case["steps"], case["lr"])
    answer["losses"] = [_number(v) for v in losses]
    return answer


def _loss(engine: Any, case: dict) -> dict[str, Any]:
    train = importlib.import_module(PACKAGE + ".train")
    predictions = [engine.Value(p) for p in case["predictions"]]
    loss = getattr(train, case["loss"])(predictions, case["targets"])
    loss.backward()
    return {"loss": _number(loss.data), "grads": [_number(p.grad) for p in predictions]}


def _moons(engine: Any, case: dict) -> dict[str, Any]:
    """The student's train() with their hinge from the grader's weights; outputs on test points."""
    nn = importlib.import_module(PACKAGE + ".nn")
    train = importlib.import_module(PACKAGE + ".train")
    model = _model(nn, case)
    params = _set(model, case["params"])
    xs, ys = case["xs"], case["ys"]
    first = train.train(model, xs, ys, 1, 0.0, loss=train.hinge)  # the loss it starts from
    answer: dict[str, Any] = {"first": _number(next(iter(first))) if first else "none"}
    _set(model, case["params"])
    engine.zero_grad(params)
    began = time.perf_counter()
    try:
        losses = train.train(model, xs, ys, case["steps"], case["lr"], loss=train.hinge)
    except Exception as exc:  # reported after the first loss, which may say why
        return {**answer, "failed": _trace(exc)}
    answer["seconds"] = time.perf_counter() - began
    answer["losses"] = [_number(v) for v in losses] if isinstance(losses, list) else repr(losses)
    answer["outs"] = [_number(model(x)[0].data) for x in case["test_xs"]]
    return answer


_CASES.update(
    {
        "neuron": _neuron,
        "mlp": _mlp,
        "train": _train,
        "accumulate": _train,
        "loss": _loss,
        "moons": _moons,
    }
)


def _gradcheck(engine: Any, case: dict) -> dict[str, Any]:
    check = importlib.import_module(PACKAGE + ".gradcheck")
    program = case["program"]
    leaves = [k for k, step in enumerate(program) if step[0] == "leaf"]

    def f(values: list) -> Any:
        return run_program(engine, program, list(values))[-1]

    values = [engine.Value(program[k][1]) for k in leaves]
    numeric = check.numerical_gradient(f, values)
    passes = check.gradient_check(f, [engine.Value(program[k][1]) for k in leaves])
    x = engine.Value(case["x"])
    broken = check.gradient_check(
        lambda vs: engine.Value(vs[0].data ** 2, (vs[0],), "square", (vs[0].data,)), [x]
    )
    return {
        "numeric": [_number(g) for g in numeric],
        "data": [_number(v.data) for v in values],
        "passes": "yes" if passes is True else repr(passes)[:40],
        "broken": "yes" if broken is True else "no" if broken is False else repr(broken)[:40],
    }


_CASES["gradcheck"] = _gradcheck
