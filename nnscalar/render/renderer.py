"""Finding and running a Graphviz renderer: the system `dot`, else the `graphviz-pure` wheel.

Users of other tools know `ExecutableNotFound: failed to execute 'dot'`; here a missing renderer
is a `RenderError` that says what to install, and a renderer that runs too long is stopped.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sysconfig
from dataclasses import dataclass

from ..errors import RenderError
from .wasm import IN_BROWSER, render_in_browser

__all__ = ["FORMATS", "Renderer", "render", "render_svg"]

FORMATS = ("svg", "png", "pdf")
TIMEOUT = 60.0  # seconds; a graph under `max_nodes` lays out in well under one
PNG_DPI = 144  # twice the SVG's 72 points per inch: sharp on screens and in slides

INSTALL_HINT = (
    "install the Python package graphviz-pure (`pip install graphviz-pure`, a dependency of "
    "nnscalar: reinstall nnscalar into this environment) or the system Graphviz "
    "(`apt install graphviz`, `brew install graphviz`, `conda install graphviz`)"
)


@dataclass(frozen=True)
class Renderer:
    """A Graphviz command line: its name, its path and whether it writes PDF itself."""

    name: str
    path: str
    writes_pdf: bool


def _scripts_dir() -> str:
    """Where this environment installs console scripts (the wheel's `graphviz-pure` lives here)."""
    return sysconfig.get_path("scripts")


def _candidates() -> list[Renderer]:
    found = []
    dot = shutil.which("dot")
    if dot:
        found.append(Renderer("dot", dot, writes_pdf=True))
    pure = shutil.which("graphviz-pure") or shutil.which(
        "graphviz-pure", path=_scripts_dir() or os.defpath
    )
    if pure:
        found.append(Renderer("graphviz-pure", pure, writes_pdf=False))
    return found


def _run(renderer: Renderer, dot_text: str, fmt: str, timeout: float) -> bytes:
    args = [renderer.path, f"-T{fmt}"]
    if fmt == "png":
        args.append(f"-Gdpi={PNG_DPI}")
    try:
        done = subprocess.run(
            args, input=dot_text.encode(), capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise RenderError(
            f"{renderer.name} took longer than {timeout:g} s to lay out the graph and was "
            "stopped; draw a smaller graph, or pass collapse=True or cluster=True"
        ) from None
    if done.returncode != 0:
        why = done.stderr.decode(errors="replace").strip() or f"exit code {done.returncode}"
        raise RenderError(f"{renderer.name} ({renderer.path}) could not render -T{fmt}: {why}")
    return done.stdout


def _png_to_pdf(png: bytes) -> bytes:
    """A one-page PDF holding the picture, for renderers that write no PDF of their own."""
    from PIL import Image  # Pillow comes with matplotlib, a dependency of nnscalar

    out = io.BytesIO()
    with Image.open(io.BytesIO(png)) as image:
        image.convert("RGB").save(out, format="PDF", resolution=PNG_DPI)
    return out.getvalue()


def render(dot_text: str, fmt: str = "svg", timeout: float = TIMEOUT) -> bytes:
    """DOT text rendered to `fmt` ("svg", "png" or "pdf") by the first renderer that runs."""
    if fmt not in FORMATS:
        raise RenderError(f"cannot render to {fmt!r}; valid formats: {', '.join(FORMATS)}")
    if IN_BROWSER:  # Pyodide: no process can start; Graphviz-wasm renders in the page
        return render_in_browser(dot_text, fmt)
    candidates = _candidates()
    failures = []
    for renderer in candidates:
        try:
            if fmt == "pdf" and not renderer.writes_pdf:
                return _png_to_pdf(_run(renderer, dot_text, "png", timeout))
            return _run(renderer, dot_text, fmt, timeout)
        except OSError as exc:  # present but not runnable (wrong platform, no permission)
            failures.append(f"{renderer.name} at {renderer.path}: {exc.strerror or exc}")
    tried = f" ({'; '.join(failures)})" if failures else " (neither `dot` nor `graphviz-pure`)"
    raise RenderError(f"no Graphviz renderer could run{tried}: {INSTALL_HINT}")


def render_svg(dot_text: str, timeout: float = TIMEOUT) -> str:
    """DOT text rendered to SVG text."""
    return render(dot_text, "svg", timeout).decode()
