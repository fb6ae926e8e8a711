"""engine.py runs on any conforming Python: CPython 3.10+, PyPy (Python 3.9 syntax), Pyodide.

It and what it imports are checked to parse as Python 3.9 and to import nothing outside the
standard library but their three helpers; where Debian's `pypy3` is installed, the engine runs
under it and must give the same gradients as here.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import nnscalar

PACKAGE = Path(nnscalar.__file__).parent
MODULES = ["engine.py", "_checks.py", "_graphcopy.py", "errors.py"]

SCRIPT = """
import copy, pickle
from fractions import Fraction
from nnscalar.engine import Value, log_softmax, no_grad, topological_order, weighted_sums
a = Value(2.0); b = a * a + a; b.backward()
x = Value(0.5); y = x
for _ in range(20000):
    y = y * 1.0 + x
twin = pickle.loads(pickle.dumps(copy.deepcopy(y)))
twin.backward()
w = [Value(0.5), Value(-1.0)]
zs = weighted_sums([(w, Value(0.1))], [[1.0, 2.0], [x, 3]])
first = log_softmax([Value(1e16), Value(1e16)])[0]
(-first).backward()
try:
    Value(Fraction(10**400))
except Exception as e:
    error = type(e).__name__
with no_grad():
    leaf = a * a
print(repr([a.grad, topological_order(twin)[0].grad, [z.data for r in zs for z in r],
            first.data, error, leaf.parents, (Value(1e-200) ** 2).local_grads]))
"""
EXPECTED = [5.0, 20001.0, [-1.4, -2.65], -0.6931471805599453, "NonFiniteError", (), (2e-200,)]


def test_the_engine_and_its_helpers_parse_as_python_3_9_and_import_only_the_stdlib() -> None:
    allowed = {"_checks", "_graphcopy", "errors"}
    for name in MODULES:
        tree = ast.parse((PACKAGE / name).read_text(), feature_version=(3, 9))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level:
                assert node.module in allowed or node.module is None, (name, node.module)
                if node.module is None:
                    assert {a.name for a in node.names} <= allowed, name
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                top = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
                assert top.split(".")[0] in sys.stdlib_module_names, (name, top)


def _run(python: str, tmp_path: Path) -> list:
    package = tmp_path / "nnscalar"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name in MODULES:
        shutil.copy(PACKAGE / name, package / name)
    done = subprocess.run(
        [python, "-c", SCRIPT], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return ast.literal_eval(done.stdout.strip())


def test_the_engine_alone_gives_the_expected_numbers(tmp_path: Path) -> None:
    assert _run(sys.executable, tmp_path) == EXPECTED


@pytest.mark.skipif(
    shutil.which("pypy3") is None, reason="pypy3 not installed (apt-get install pypy3)"
)
def test_the_engine_gives_the_same_numbers_under_pypy(tmp_path: Path) -> None:
    assert _run("pypy3", tmp_path) == EXPECTED
