"""Pictures: computation graphs and models → DOT text → SVG, PNG or PDF (no system Graphviz).

`draw(root)` draws the graph behind a Value; `draw_network(mlp)` and `draw_neuron(neuron)` draw
models; `draw_attention(head)` one attention head of a TinyGPT. Each returns a `Drawing`: `.dot`
is the text, `.svg()` and `.save(path)` render it.
"""

from .attention import draw_attention
from .drawing import Drawing
from .graph import draw
from .network import draw_network, draw_neuron
from .renderer import render, render_svg

__all__ = [
    "Drawing",
    "draw",
    "draw_attention",
    "draw_network",
    "draw_neuron",
    "render",
    "render_svg",
]
