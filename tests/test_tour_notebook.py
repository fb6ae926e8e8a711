"""demos/concepts.ipynb: written from the tour's sections, and every cell runs with pictures."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from nnscalar.tour import SECTIONS

DEMOS = Path(__file__).resolve().parents[1] / "demos"


def _generator():
    spec = importlib.util.spec_from_file_location(
        "make_concepts_notebook", DEMOS / "make_concepts_notebook.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_notebook_is_what_the_generator_writes():
    on_disk = nbformat.read(DEMOS / "concepts.ipynb", as_version=4)
    built = _generator().build_notebook()
    assert [(c.id, c.cell_type, c.source) for c in on_disk.cells] == [
        (c.id, c.cell_type, c.source) for c in built.cells
    ]
    code = [c.source + "\n" for c in on_disk.cells if c.id.endswith("-code")]
    assert code == [s.code for s in SECTIONS]


def test_notebook_executes_with_pictures_in_the_outputs():
    notebook = nbformat.read(DEMOS / "concepts.ipynb", as_version=4)
    # "python3" names the kernel; jupyter_client starts it with this interpreter (sys.executable).
    NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(DEMOS)}}
    ).execute()
    code_cells = [c for c in notebook.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code_cells] == list(range(1, len(code_cells) + 1))
    assert not [o for c in code_cells for o in c.outputs if o.output_type == "error"]
    by_id = {c.id: c for c in code_cells}
    for s in SECTIONS:
        printed = "".join(
            o.text for o in by_id[f"s{s.number}-code"].outputs if o.output_type == "stream"
        )
        assert printed.splitlines()[0]
        for name in s.pictures:
            (output,) = by_id[f"s{s.number}-{name}"].outputs
            assert output.output_type == "execute_result"
            assert {"image/png", "image/svg+xml"} & set(output.data)
    assert "with bias:    tanh(0.8) = +0.6640" in "".join(
        o.text for o in by_id["s5-code"].outputs if o.output_type == "stream"
    )
