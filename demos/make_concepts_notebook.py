"""Write demos/concepts.ipynb from the tour's sections, so the notebook and `nnscalar tour` agree.

Run `.venv/bin/python demos/make_concepts_notebook.py` after changing nnscalar/tour/sections.py;
a test fails while the notebook differs from what this script writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from nnscalar.tour import SECTIONS
from nnscalar.tour.sections import CLOSING

NOTEBOOK = Path(__file__).with_name("concepts.ipynb")

INTRO = """# nnscalar — the concepts tour

Every concept of the cheat-sheet as a few lines of nnscalar that run, in the cheat-sheet's order.
Each section's code is the same text `nnscalar tour` shows and runs; the cell after it shows its
picture. Run all cells (Kernel → Restart & Run All)."""


def build_notebook() -> nbformat.NotebookNode:
    """The tour as a notebook: per section a markdown cell, its code cell and one cell per picture.

    Cell ids are fixed (not random), so the same sections always give the same file.
    """
    cells = [_with_id(new_markdown_cell(INTRO), "intro")]
    for s in SECTIONS:
        cells.append(
            _with_id(
                new_markdown_cell(f"## {s.number}. {s.title}\n\n{s.concept}"),
                f"s{s.number}-concept",
            )
        )
        cells.append(_with_id(new_code_cell(s.code.rstrip("\n")), f"s{s.number}-code"))
        cells += [_with_id(new_code_cell(name), f"s{s.number}-{name}") for name in s.pictures]
    cells.append(_with_id(new_markdown_cell(f"**{CLOSING}**"), "closing"))
    metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    return new_notebook(cells=cells, metadata=metadata)


def _with_id(cell: nbformat.NotebookNode, cell_id: str) -> nbformat.NotebookNode:
    cell.id = cell_id
    return cell


def main(argv: list[str]) -> int:
    """Write the notebook (to the path given, else demos/concepts.ipynb) and print where."""
    path = Path(argv[0]) if argv else NOTEBOOK
    nbformat.write(build_notebook(), path)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
