"""Rendering: SVG structure, file formats, and which renderer runs (dot, graphviz-pure, none)."""

from __future__ import annotations

import os
import shutil
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from nnscalar import Value, draw
from nnscalar.errors import RenderError
from nnscalar.render import Drawing, render, render_svg, renderer
from nnscalar.render.examples import example

SVG = "{http://www.w3.org/2000/svg}"


def svg_nodes(svg: str) -> dict[str, list[str]]:
    """Node name (the `<title>` Graphviz writes) → the texts drawn in it."""
    root = ET.fromstring(svg)
    nodes = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == "node":
            title = group.find(f"{SVG}title").text
            nodes[title] = [t.text for t in group.iter(f"{SVG}text") if t.text]
    return nodes


def svg_clusters(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return [
        group.find(f"{SVG}title").text
        for group in root.iter(f"{SVG}g")
        if group.get("class") == "cluster"
    ]


@pytest.fixture
def no_system_dot(monkeypatch, tmp_path):
    """A PATH without `dot` (and without graphviz-pure): only the environment's scripts remain."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))


@pytest.fixture
def no_renderer(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(renderer, "_scripts_dir", lambda: str(tmp_path / "none"))


def _fake_dot(directory: Path, script: str) -> None:
    directory.mkdir()
    path = directory / "dot"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def test_svg_has_every_value_and_op_with_their_texts(no_system_dot):
    o = example("expression")
    o.backward()
    nodes = svg_nodes(draw(o).svg())
    assert len([n for n in nodes if n.startswith("v") and "_" not in n]) == 10
    assert len([n for n in nodes if n.endswith("_op")]) == 5
    assert nodes["v0"] == ["x1", "data 2", "grad -1.5"]
    assert nodes["v7"] == ["b", "data 6.881", "grad 0.5"]
    assert nodes["v9"] == ["o", "data 0.7071", "grad 1"]
    assert nodes["v9_op"] == ["tanh"]
    assert nodes["v2_op"] == ["×"]


def test_svg_without_grads(no_system_dot):
    nodes = svg_nodes(draw(example("expression"), show_grad=False).svg())
    texts = [t for texts in nodes.values() for t in texts]
    assert not [t for t in texts if t.startswith("grad")]
    assert nodes["v0"] == ["x1", "data 2"]


def test_svg_clusters_and_escaped_labels(no_system_dot):
    out = example("neuron")
    svg = draw(out * Value(1.0, label='<"&\\>'), cluster=True).svg()
    assert svg_clusters(svg) == ["cluster_L1", "cluster_n_L1_N1"]
    assert ['<"&\\>', "data 1", "grad 0"] in svg_nodes(svg).values()


def test_save_picks_the_format_from_the_extension(no_system_dot, tmp_path):
    drawing = draw(example("expression"))
    assert drawing.save(tmp_path / "g.dot").read_text() == drawing.dot
    assert ET.parse(drawing.save(tmp_path / "g.svg")).getroot().tag == f"{SVG}svg"
    assert drawing.save(tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert drawing.save(tmp_path / "g.PDF").read_bytes()[:5] == b"%PDF-"
    with pytest.raises(RenderError, match=r"cannot tell the format of '.*g.gif'"):
        drawing.save(tmp_path / "g.gif")
    with pytest.raises(RenderError, match=r"cannot write '.*missing/g.dot': No such file"):
        drawing.save(tmp_path / "missing" / "g.dot")  # a project error, not a raw OSError


def test_jupyter_sees_svg(no_system_dot):
    drawing = Drawing("digraph { a -> b }")
    assert drawing._repr_svg_() == drawing.svg()
    assert set(svg_nodes(drawing._repr_svg_())) == {"a", "b"}


def test_graphviz_pure_is_found_beside_python_when_not_on_path(no_system_dot):
    assert [r.name for r in renderer._candidates()] == ["graphviz-pure"]
    assert set(svg_nodes(render_svg("digraph { a -> b }"))) == {"a", "b"}


def test_system_dot_comes_first(monkeypatch, tmp_path):
    _fake_dot(tmp_path / "bin", 'cat > /dev/null; echo "<svg>$1</svg>"\n')
    monkeypatch.setenv("PATH", str(tmp_path / "bin") + os.pathsep + os.environ["PATH"])
    assert renderer._candidates()[0].name == "dot"
    assert render_svg("digraph {}") == "<svg>-Tsvg</svg>\n"


def test_a_renderer_that_cannot_run_falls_back(monkeypatch, tmp_path):
    bad = tmp_path / "bin"
    bad.mkdir()
    (bad / "dot").write_bytes(b"\x7fELF not really")
    (bad / "dot").chmod(0o755)
    monkeypatch.setenv("PATH", str(bad))
    assert set(svg_nodes(render_svg("digraph { a }"))) == {"a"}


def test_no_renderer_says_what_to_install(no_renderer):
    drawing = draw(example("expression"))
    assert drawing.dot.startswith("digraph")  # DOT needs no renderer
    with pytest.raises(RenderError) as info:
        drawing.svg()
    assert str(info.value) == (
        "no Graphviz renderer could run (neither `dot` nor `graphviz-pure`): install the Python "
        "package graphviz-pure (`pip install graphviz-pure`, a dependency of nnscalar: reinstall "
        "nnscalar into this environment) or the system Graphviz (`apt install graphviz`, `brew "
        "install graphviz`, `conda install graphviz`)"
    )


def test_a_renderer_that_hangs_is_stopped(monkeypatch, tmp_path):
    _fake_dot(tmp_path / "bin", f"exec {shutil.which('sleep')} 30\n")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    with pytest.raises(RenderError, match=r"^dot took longer than 0.3 s to lay out the graph"):
        render("digraph {}", "svg", timeout=0.3)


def test_renderer_errors_are_reported(no_system_dot):
    with pytest.raises(RenderError, match=r"^graphviz-pure \(.*\) could not render -Tsvg: "):
        render_svg("digraph { a -> }")
    with pytest.raises(RenderError, match=r"cannot render to 'gif'; valid formats: svg, png, pdf"):
        render("digraph {}", "gif")
