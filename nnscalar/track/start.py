"""`build start`: write the student's skeleton package (or the model solution) and its README."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import ConfigError
from ..files import write_atomic
from .tasks import TASKS
from .visible import visible_tests

__all__ = ["skeleton", "start"]

SOLUTION = Path(__file__).resolve().parent / "solution"
_REGION = re.compile(r"^( *)# solution (\d+)\n.*?^ *# end\n", re.MULTILINE | re.DOTALL)


def skeleton(source: str) -> str:
    """The solution's source with each `# solution N` … `# end` region replaced by a TODO."""

    def todo(match: re.Match) -> str:
        indent, number = match.group(1), int(match.group(2))
        title = TASKS[number - 1].title
        return (
            f"{indent}# TODO task {number} ({title}): see the docstring and README.md\n"
            f'{indent}raise NotImplementedError("task {number}: {title}")\n'
        )

    return _REGION.sub(todo, source)


def _solution(source: str) -> str:
    return re.sub(r"^ *# (solution \d+|end)\n", "", source, flags=re.MULTILINE)


def readme(seed: int, folder: str, solution: bool) -> str:
    """The track's README: how to work, then each task's statement and hints."""
    what = "the model solution (for teachers)" if solution else "your skeleton"
    lines = [
        f"# Build your own engine ({what}, seed {seed})",
        "",
        "Write a scalar autograd engine yourself, one task at a time, in `engine.py`: every",
        "`TODO` is a function whose docstring says what it must do.",
        "",
        f"- visible tests: `python -m pytest {folder}/tests/test_task1.py` (run from the folder",
        f"  that holds `{folder}/`); each task has its file;",
        f"- hidden checks: `nnscalar build check --seed {seed} {folder}/` (one task: `--task 3`)",
        "  runs your engine on random graphs in a sandbox, compares every node with nnscalar's",
        "  own engine, and names the mistake when it knows it.",
        "",
    ]
    lines += [
        "## See your graph",
        "",
        "As soon as tasks 1 and 2 pass, nnscalar builds an expression with your `engine.Value`",
        "(in the sandbox, as `check` does), draws the graph your engine made, and steps through",
        "the chain rule on it one node at a time, with your local derivatives: until your",
        "backward() works (tasks 3 and 4) it shows what backward() must do.",
        "",
        "```bash",
        f'nnscalar build step {folder}/ "tanh(a*b + a)" --set a=1.5,b=-0.5',
        f'nnscalar build draw {folder}/ "tanh(a*b + a)" --set a=1.5,b=-0.5 -o graph.svg',
        "```",
        "",
        "`step` ends with a table: each node's grad from your backward(), from the chain rule",
        "on your own graph (the steps it showed) and from nnscalar, and says which one is off",
        "(`=` for `+=` shows as your backward() against the chain rule; a wrong local derivative",
        "as the chain rule against nnscalar, naming the node). `--all` prints every step at",
        "once, `--html step.html` writes the step page. The same from Python (your code runs in",
        "your own process here; nnscalar reads `data`, `grad`, `parents`, `op`, `local_grads`):",
        "",
        "```python",
        f"from {folder}.engine import Value",
        "from nnscalar import draw",
        "from nnscalar.page import StepPage",
        "from nnscalar.walkthrough import Walkthrough",
        "",
        "a = Value(2.0); b = a * a + a; b.backward()",
        "draw(b).save('graph.svg')",
        "Walkthrough(b).show_all()   # the chain rule, one node at a time",
        "StepPage(b, title='a*a + a').save('step.html')",
        "```",
        "",
        "### The same with micrograd",
        "",
        "Following micrograd's lecture? Its graphs work too (`_prev` and `_op`; the local",
        "derivatives come from each op's rule). With micrograd installed (`pip install",
        "micrograd`), give its name instead of a folder:",
        "",
        "```bash",
        'nnscalar build step micrograd "relu(a*b + a)" --set a=2,b=-3',
        "```",
        "",
        "```python",
        "from micrograd.engine import Value",
        "from nnscalar import draw",
        "",
        "a, b = Value(2.0), Value(-3.0); c = (a * b + a).relu() + a; c.backward()",
        "draw(c).save('micrograd.svg')",
        "```",
        "",
    ]
    for task in TASKS:
        lines += [f"## Task {task.number}: {task.title} (`{task.file}`)", "", task.statement, ""]
        lines += [f"- hint: {hint}" for hint in task.hints] + [""]
    return "\n".join(lines)


def start(out: str | Path, seed: int = 1, solution: bool = False) -> list[Path]:
    """Write the package into `out` (a new or empty folder); the files written."""
    folder = Path(out)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ConfigError(
            f"{str(folder)!r} already exists and is not an empty folder; give a new folder"
        )
    name = folder.resolve().name
    texts: dict[str, str] = {}
    for path in sorted(SOLUTION.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        texts[path.name] = _solution(source) if solution else skeleton(source)
    texts["README.md"] = readme(seed, name, solution)
    texts.update({f"tests/{n}": t for n, t in visible_tests(seed, name).items()})
    written = []
    for relative, text in texts.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        written.append(write_atomic(path, text))
    return written
