"""The tour as one self-contained HTML page: code, output and pictures of every section inline.

Nothing is fetched: styles are in the page, code colours are inline styles, PNGs are data: URIs
and drawings are inline SVG, so the file works offline, mailed or on a USB stick.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from .runner import SectionResult
from .sections import CLOSING

__all__ = ["build_page"]

_STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #222; }
h1 { margin-bottom: 0.2rem; }
nav ol { columns: 2; }
section { border-top: 1px solid #ccc; margin-top: 2rem; }
pre { padding: 0.8rem; overflow-x: auto; border-radius: 6px; font-size: 14px; }
.code pre { background: #f6f8fa; }
pre.output { background: #1e1e1e; color: #e6e6e6; }
figure { margin: 1rem 0; overflow-x: auto; }
figure img, figure svg { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 14px; }
.label { font-size: 12px; color: #777; text-transform: uppercase; margin-bottom: -0.6rem; }
"""


def build_page(results: Sequence[SectionResult], title: str = "nnscalar — concepts tour") -> str:
    """The HTML text of one page holding every section's concept, code, output and pictures."""
    markdown = MarkdownIt()
    formatter = HtmlFormatter(noclasses=True, nowrap=False, style="default")
    nav = "".join(
        f'<li><a href="#{r.section.name}">{html.escape(r.section.title)}</a></li>' for r in results
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        "<p>Every concept of the cheat-sheet as a few lines of nnscalar. The code shown is the "
        "code that ran; the output and the pictures are what it gave.</p>",
        f"<nav><ol>{nav}</ol></nav>",
    ]
    for r in results:
        s = r.section
        parts += [
            f'<section id="{s.name}"><h2>{s.number}. {html.escape(s.title)}</h2>',
            markdown.render(s.concept),
            '<p class="label">code</p>',
            f'<div class="code">{highlight(s.code, PythonLexer(), formatter)}</div>',
            '<p class="label">output</p>',
            f'<pre class="output">{html.escape(r.output)}</pre>',
        ]
        parts += [
            f"<figure>{p.html()}<figcaption>{html.escape(p.caption)}</figcaption></figure>"
            for p in r.pictures
        ]
        parts.append("</section>")
    if len(results) > 1:
        parts.append(f"<p><b>{html.escape(CLOSING)}</b></p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
