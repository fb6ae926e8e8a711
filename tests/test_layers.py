"""Imports point down only: each module's layer comes from docs/CONTRACTS.md, and every import
of the package (inside functions and in the tour's code strings too) goes to the same layer or
one below."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "nnscalar"
# (importing file, imported module): Jupyter display hooks, imported on use only
ALLOWED_UP = {("nn.py", "render")}


def layers() -> dict[str, int]:
    """Module name → its layer, 0 the lowest, from the list in CONTRACTS.md."""
    text = (ROOT / "docs" / "CONTRACTS.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- layers -->\n(.*?)<!-- /layers -->", text, flags=re.S)
    assert block, "CONTRACTS.md has no layer list"
    rows = [line.removeprefix("- ").split(" · ") for line in block.group(1).strip().splitlines()]
    return {name: level for level, row in enumerate(reversed(rows)) for name in row}


def _targets(node: ast.AST, package: tuple[str, ...]) -> list[str]:
    """The top-level modules of nnscalar an import statement reaches."""
    if isinstance(node, ast.Import):
        names = [alias.name.split(".") for alias in node.names]
        return [n[1] for n in names if n[0] == "nnscalar" and len(n) > 1]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = list(package[: len(package) - node.level + 1])
        module = [*base, *(node.module.split(".") if node.module else [])]
    else:
        module = node.module.split(".") if node.module else []
    if module[:1] != ["nnscalar"]:
        return []
    if len(module) > 1:
        return [module[1]]
    # `from nnscalar import X`: X's own module (the root re-exports the lower layers' names)
    found = []
    for alias in node.names:
        if alias.name in LEVEL:  # `from . import core`: a module itself
            found.append(alias.name)
            continue
        found.append(_REEXPORTED.get(alias.name, "__init__"))  # else defined in __init__
    return found


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    found = [(n.lineno, t) for n in ast.walk(tree) for t in _targets(n, package)]
    for call in ast.walk(tree):  # the tour's sections: code strings that are run as written
        if (
            isinstance(call, ast.Call)
            and getattr(call.func, "id", "") == "_code"
            and isinstance(call.args[0], ast.Constant)
        ):
            code = ast.parse(_dedent(call.args[0].value))
            found += [(call.lineno, t) for n in ast.walk(code) for t in _targets(n, package)]
    return found


def _dedent(text: str) -> str:
    import textwrap

    return textwrap.dedent(text).strip() + "\n"


LEVEL = layers()


def _reexported() -> dict[str, str]:
    """Each name the package root imports from a module of its own → that module."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    return {
        alias.asname or alias.name: (node.module or alias.name).split(".")[0]
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.level == 1
        for alias in node.names
    }


_REEXPORTED = _reexported()


def test_every_module_has_a_layer_and_imports_point_down() -> None:
    level = LEVEL
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 40
    unplaced = sorted(
        {p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in files} - set(level)
    )
    assert not unplaced, f"modules with no layer in CONTRACTS.md: {unplaced}"
    upward = []
    for path in files:
        relative = path.relative_to(PACKAGE)
        me = relative.parts[0].removesuffix(".py")
        for line, target in _imports(path):
            assert target in level, f"{relative}:{line} imports {target}, which has no layer"
            if level[target] > level[me] and (str(relative), target) not in ALLOWED_UP:
                upward.append(f"{relative}:{line} ({me}) imports {target}, a layer above")
    assert not upward, "\n".join(upward)


def test_the_check_sees_an_upward_import(tmp_path) -> None:
    bad = tmp_path / "nnscalar" / "nn_extra.py"
    bad.parent.mkdir()
    bad.write_text("def f():\n    from .plots import plot_history\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert _imports(bad) == [(2, "plots")]
    finally:
        ROOT = saved
    assert LEVEL["plots"] > LEVEL["nn"] and LEVEL["files"] == 0 and LEVEL["cli"] == 7
    tour = {target for _, target in _imports(PACKAGE / "tour" / "sections.py")}
    assert {"nn", "render", "optim", "core", "tour"} <= tour  # seen in the code strings
