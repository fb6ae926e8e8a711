"""`nnscalar draw` as a user runs it: a subprocess; plus the Jupyter display through nbclient."""

from __future__ import annotations

import re
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from nnscalar import draw
from nnscalar.cli import main
from nnscalar.nn import MLP
from nnscalar.render.examples import example
from tests.test_render_svg import svg_nodes


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nnscalar", "draw", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_example_without_output_prints_the_dot_text():
    result = run("--example", "expression", "--tb")
    assert result.returncode == 0, result.stderr
    assert result.stdout == draw(example("expression"), rankdir="TB").dot


def test_expression_with_values_and_backward_to_svg(tmp_path):
    target = tmp_path / "graph.svg"
    result = run(
        "tanh(x1*w1 + x2*w2 + b)",
        "--set",
        "x1=2,x2=0,w1=-3,w2=1,b=6.88",
        "--backward",
        "-o",
        str(target),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"wrote {target}\n"
    nodes = svg_nodes(target.read_text())
    boxes = {texts[0]: texts[1:] for texts in nodes.values() if texts[0] in ("x1", "w1", "b")}
    assert boxes == {
        "x1": ["data 2", "grad -1.503"],  # w1·(1 − tanh²0.88) = -3·0.501
        "w1": ["data -3", "grad 1.002"],
        "b": ["data 6.88", "grad 0.501"],
    }


def test_example_without_grad_to_png(tmp_path):
    target = tmp_path / "neuron.png"
    result = run("--example", "neuron", "--no-grad", "--color-by", "role", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_model_file_draws_the_network(tmp_path):
    model = tmp_path / "model.json"
    MLP(2, [3, 1], seed=0).save(model)
    target = tmp_path / "net.svg"
    result = run("--model", str(model), "-o", str(target))
    assert result.returncode == 0, result.stderr
    nodes = svg_nodes(target.read_text())
    assert sorted(n for n in nodes if not n.startswith("title")) == [
        "L1_N1",
        "L1_N2",
        "L1_N3",
        "L2_N1",
        "legend",
        "x1",
        "x2",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [],
            "give exactly one thing to draw: an expression, --example (expression or neuron), "
            "--model PATH or --attention WORD",
        ),
        (
            ["--example", "neuron", "--set", "x=1"],
            "--set gives values to the names of an expression; give one too",
        ),
        (
            ["--model", "m.json", "--backward"],
            "--backward needs a graph: an expression, --example, or --model with --input",
        ),
        (
            ["--model", "m.json", "--neuron", "L1.N1"],
            "--neuron needs one sample: --input X1,X2,... (e.g. --input 0.5,-1)",
        ),
        (
            ["--example", "neuron", "--input", "1,2"],
            "--input and --neuron go with --model PATH",
        ),
        (
            ["--example", "neuron", "-o", "picture.gif"],
            "cannot tell the format of 'picture.gif' from its extension; valid: .svg, .png, .pdf, "
            ".dot",
        ),
    ],
)
def test_errors_are_one_line_with_advice(capsys, args, message):
    assert main(["draw", *args]) == 1
    assert capsys.readouterr().err == f"nnscalar draw: error: {message}\n"


def test_notebook_shows_the_drawing_as_svg():
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(
        nbformat.v4.new_code_cell(
            "from nnscalar import Value, draw\n"
            "x = Value(2.0, label='x')\n"
            "y = (x * 3.0).tanh()\n"
            "draw(y)"
        )
    )
    NotebookClient(notebook, kernel_name="python3", timeout=60).execute()
    (output,) = notebook.cells[0].outputs
    nodes = svg_nodes(output["data"]["image/svg+xml"])
    assert nodes["v0"] == ["x", "data 2", "grad 0"]
    assert nodes["v2_op"] == ["tanh"]


def test_expressions_without_the_parser_say_what_to_do(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "nnscalar.expr", None)  # as if the module were missing
    assert main(["draw", "x*2", "--set", "x=1"]) == 1
    assert capsys.readouterr().err == (
        "nnscalar draw: error: typed expressions need the module nnscalar.expr, which this "
        "version does not have yet; draw a built-in example (--example neuron) or a model "
        "(--model model.json)\n"
    )


def test_an_expression_names_its_intermediates_as_step_does():
    result = run("x*y + x", "--set", "x=3,y=-2")
    assert result.returncode == 0, result.stderr
    labels = re.findall(r"<td><b>(\w+)</b></td>", result.stdout)
    assert labels == ["x", "y", "n1", "n2"]  # n1 = x·y, n2 = n1 + x, as in nnscalar step
    step = subprocess.run(
        [sys.executable, "-m", "nnscalar", "step", "x*y + x", "--set", "x=3,y=-2", "--all"],
        capture_output=True,
        text=True,
    )
    assert "n1 = x·y" in step.stdout and "n2 = n1 + x" in step.stdout
