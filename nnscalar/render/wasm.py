"""Rendering in a browser: under Pyodide (emscripten) DOT becomes SVG through Graphviz compiled to
WebAssembly (the npm package `@viz-js/viz`), since no `dot` process can be started there.

The page loads it once and hands it over: `globalThis.nnscalarViz = await Viz.instance()`.
"""

from __future__ import annotations

import sys

from ..errors import RenderError

__all__ = ["IN_BROWSER", "render_in_browser"]

IN_BROWSER = sys.platform == "emscripten"
SETUP_HINT = (
    "load @viz-js/viz in the page and set `globalThis.nnscalarViz = await Viz.instance()` "
    "before drawing (the nnscalar playground does this)"
)


def render_in_browser(dot_text: str, fmt: str) -> bytes:
    """DOT text rendered by the page's Graphviz-wasm; only SVG (a browser draws it itself)."""
    if fmt != "svg":
        raise RenderError(
            f"in the browser nnscalar renders SVG only, not {fmt!r}; use .svg() or save as .svg"
        )
    try:
        import js  # type: ignore[import-not-found]  # Pyodide's bridge to the JavaScript globals
        from pyodide.ffi import to_js  # type: ignore[import-not-found]
    except ImportError:
        raise RenderError(f"no JavaScript here to render with: {SETUP_HINT}") from None
    viz = getattr(js.globalThis, "nnscalarViz", None)
    if viz is None:
        raise RenderError(f"Graphviz-wasm is not loaded: {SETUP_HINT}")
    options = to_js({"format": "svg"}, dict_converter=js.Object.fromEntries)
    result = viz.render(dot_text, options)
    if result.status != "success":
        messages = [e.message for e in result.errors] or ["no message"]
        raise RenderError("Graphviz-wasm could not render the graph: " + "; ".join(messages))
    return str(result.output).encode()
