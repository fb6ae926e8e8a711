"""The interactive backprop page: one self-contained HTML file (inline SVG, CSS and JS, no network).

The graph comes from `nnscalar.render.draw`, whose DOT names are topological positions: the
Value at position i is the SVG node titled `v{i}`, its op node `v{i}_op`. The page steps through
`backward_steps` with Previous/Next (or the arrow keys), highlighting the node and its edges,
filling gradients in and showing each step's equations; a quiz mode hides them until answered.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .core import Value
from .explain import number, steps
from .foreign import as_value
from .render import draw
from .render.attention import computing_groups
from .render.drawing import write_file
from .render.graph import MAX_GIVEN, group_ids, group_outputs

if TYPE_CHECKING:
    from .transformer import AttentionGraph

__all__ = ["StepPage"]

_CSS = """
body { font: clamp(15px, 1.05vw, 24px)/1.45 system-ui, -apple-system, "Segoe UI", Helvetica,
       Arial, sans-serif; margin: 0; color: #212121; background: #fafafa; }
main { margin: 0 auto; padding: 10px 2vw 40px; }
h1 { font-size: 1.3em; margin: 4px 0 2px; }
.sub { color: #616161; margin: 0 0 12px; }
.bar { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; margin: 8px 0; }
button { font: inherit; padding: 5px 14px; border: 1px solid #9e9e9e; border-radius: 6px;
         background: #fff; cursor: pointer; }
button:disabled { opacity: 0.45; cursor: default; }
#position { font-weight: 600; min-width: 9em; }
.hint { color: #757575; font-size: 0.87em; }
#graph { background: #fff; border: 1px solid #e0e0e0; border-radius: 8px; padding: 6px;
         height: 52vh; min-height: 260px; position: relative; overflow: hidden; }
#graph svg { width: 100%; height: 100%; display: block; margin: 0 auto; cursor: grab;
             touch-action: none; }
#graph svg.dragging { cursor: grabbing; }
#graph svg.off { display: none; }
#graph svg.boxes g.node.opens { cursor: pointer; }
#graph svg.boxes g.node.opens:hover polygon { stroke: #e65100; }
.zoom { position: absolute; right: 8px; top: 8px; display: flex; gap: 4px; }
.zoom button { padding: 0 10px; min-width: 2.2em; }
.legend { display: flex; gap: 18px; flex-wrap: wrap; color: #424242; font-size: 0.87em;
          margin: 4px 2px 0; }
.swatch { display: inline-block; width: 1.6em; height: 0.8em; vertical-align: middle;
          margin-right: 4px; border-radius: 2px; }
.node.current polygon, .node.current ellipse { stroke: #e65100; stroke-width: 3px; }
.node.parent polygon, .node.parent ellipse { stroke: #2e7d32; stroke-width: 2.5px; }
.node.current.parent polygon { stroke: #e65100; }
/* the gradient flows from a node back to its parents: dashes run against the drawn arrows */
.edge.current path { stroke: #e65100; stroke-width: 3px; stroke-dasharray: 9 5;
                     animation: gradflow 0.8s linear infinite; }
.edge.current polygon { display: none; }
@keyframes gradflow { to { stroke-dashoffset: 28; } }
@media (prefers-reduced-motion: reduce) { .edge.current path { animation: none; } }
text.grad { font: 9px Helvetica, Arial, sans-serif; fill: #9e9e9e; }
text.grad.filled { font-weight: 700; }
text.grad.filled.pos { fill: #2166ac; }
text.grad.filled.neg { fill: #d6604d; }
text.grad.fresh { text-decoration: underline; }
.columns { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 14px;
           margin-top: 12px; }
.card { background: #fff; border: 1px solid #e0e0e0; border-radius: 8px; padding: 10px 14px; }
.card h2 { font-size: 1em; margin: 0 0 6px; }
.eq { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
      font-size: 0.9em; white-space: pre-wrap; }
.term { border-top: 1px dashed #e0e0e0; padding: 6px 0; }
.term b { color: #00838f; }
.upd { color: #2e7d32; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
th, td { text-align: left; padding: 2px 8px; border-bottom: 1px solid #eeeeee; }
td.num, td.grad { text-align: right; font-family: ui-monospace, Menlo, Consolas, monospace; }
tr.current td { background: #fff3e0; }
tr.parent td { background: #e8f5e9; }
.quiz input { font: inherit; width: 8em; padding: 2px 6px; }
.right { color: #2e7d32; font-weight: 600; }
.wrong { color: #c62828; font-weight: 600; }
#score { font-weight: 600; }
"""

_JS = r"""
(function () {
  const data = JSON.parse(document.getElementById("steps-data").textContent);
  const steps = data.steps, total = steps.length;
  // one view per drawing: the graph, or (named groups) its boxes first, then them opened
  const groupOf = data.groupOf || {};  // node id -> the id of the box it is drawn in
  const views = Array.from(document.querySelectorAll("#graph svg")).map(function (svg) {
    const byTitle = {};
    svg.querySelectorAll("g.node, g.edge, g.cluster").forEach(function (g) {
      const t = g.querySelector("title");
      // a + a draws two edges with one title: keep every element of a title
      if (t) (byTitle[t.textContent] = byTitle[t.textContent] || []).push(g);
    });
    return {svg: svg, byTitle: byTitle, vb: svg.viewBox.baseVal, labels: null, home: null};
  });
  let view = views[0];
  function mark(title, name) {
    views.forEach(function (v) {
      let found = v.byTitle[title];
      if (!found && groupOf[title] !== undefined) found = v.byTitle[groupOf[title]];
      (found || []).forEach(function (g) { g.classList.add(name); });
    });
  }
  function prepare(v) {  // once a view is shown (its boxes have sizes)
    if (v.labels) return;
    v.labels = {};  // one gradient label under each value box
    function labelUnder(id) {  // an empty gradient label under the shape titled `id`
      if (!v.byTitle[id]) return;
      const g = v.byTitle[id][0];
      const box = g.getBBox();
      const label = document.createElementNS("http://www.w3.org/2000/svg", "text");
      label.setAttribute("x", box.x + box.width / 2);
      label.setAttribute("y", box.y + box.height + 10);
      label.setAttribute("text-anchor", "middle");
      label.setAttribute("class", "grad");
      label.setAttribute("id", "label-" + id);
      g.appendChild(label);
      v.labels[id] = label;
    }
    data.nodes.forEach(function (n) { labelUnder(n.id); });
    Object.keys(data.boxOutputs || {}).forEach(function (id) {
      labelUnder(id);  // a box of this view: its outputs' grads under it
    });
    const vb = v.vb;
    if (vb && vb.height) vb.height += 14;  // room for the labels under the lowest boxes
    v.home = {x: vb.x, y: vb.y, width: vb.width, height: vb.height};
  }
  prepare(view);
  // zoom (wheel, + − buttons or keys, 0 to fit) and pan (drag) by moving the viewBox
  function zoom(factor, cx, cy) {
    const vb = view.vb, home = view.home;
    if (cx === undefined) { cx = vb.x + vb.width / 2; cy = vb.y + vb.height / 2; }
    const width = Math.min(Math.max(vb.width * factor, home.width / 20), home.width * 4);
    const f = width / vb.width;
    vb.x = cx - (cx - vb.x) * f; vb.y = cy - (cy - vb.y) * f;
    vb.width = width; vb.height *= f;
    $("zoom-level").textContent = Math.round(100 * home.width / vb.width) + "%";
  }
  function fit() {
    const vb = view.vb, home = view.home;
    vb.x = home.x; vb.y = home.y; vb.width = home.width; vb.height = home.height;
    $("zoom-level").textContent = "100%";
  }
  function toGraph(e) {
    const m = view.svg.getScreenCTM().inverse(), p = view.svg.createSVGPoint();
    p.x = e.clientX; p.y = e.clientY;
    return p.matrixTransform(m);
  }
  let drag = null, dragged = false, pressed = null;
  views.forEach(function (v) {
    const svg = v.svg;
    svg.addEventListener("wheel", function (e) {
      e.preventDefault();
      const p = toGraph(e);
      zoom(e.deltaY < 0 ? 1 / 1.2 : 1.2, p.x, p.y);
    }, {passive: false});
    svg.addEventListener("pointerdown", function (e) {
      drag = toGraph(e);
      dragged = false;
      pressed = e.target;
      svg.classList.add("dragging");
      svg.setPointerCapture(e.pointerId);
    });
    svg.addEventListener("pointermove", function (e) {
      if (!drag) return;
      const p = toGraph(e);
      if (Math.abs(p.x - drag.x) + Math.abs(p.y - drag.y) > 2) dragged = true;
      view.vb.x -= p.x - drag.x; view.vb.y -= p.y - drag.y;
    });
    svg.addEventListener("pointerup", function () {
      drag = null;
      svg.classList.remove("dragging");
      if (!dragged && pressed && v === views[0]) openBox(pressed);  // a click, not a drag
    });
  });
  // named groups: a click on a box that computes opens the drawing of every scalar node,
  // zoomed to that box's cluster; the button switches between the two drawings
  const opens = data.open || [];
  function openBox(target) {
    const g = target.closest ? target.closest("g.node") : null;
    if (!g || views.length < 2) return;
    const title = g.querySelector("title").textContent;
    if (opens.indexOf(title) >= 0) showView(1, title);
  }
  views[0].svg.querySelectorAll("g.node").forEach(function (g) {
    const t = g.querySelector("title");
    if (t && opens.indexOf(t.textContent) >= 0) g.classList.add("opens");
  });
  function showView(i, focus) {
    views.forEach(function (v, j) { v.svg.classList.toggle("off", j !== i); });
    view = views[i];
    prepare(view);
    fit();
    if (focus) zoomTo(focus);
    $("open-boxes").textContent = i === 0 ? "Open the boxes" : "Close the boxes";
    show();
  }
  function zoomTo(title) {  // centre the viewBox on a cluster, with a margin
    const el = (view.byTitle["cluster_" + title] || [])[0];
    if (!el) return;
    const b = el.getBBox(), svg = view.svg, vb = view.vb, home = view.home;
    const m = svg.getScreenCTM().inverse().multiply(el.getScreenCTM());
    const corner = function (x, y) {
      const p = svg.createSVGPoint(); p.x = x; p.y = y; return p.matrixTransform(m);
    };
    const a = corner(b.x, b.y), c = corner(b.x + b.width, b.y + b.height);
    const width = Math.min(home.width, Math.max(home.width / 3,  // at most 3 times larger
      1.3 * (c.x - a.x), 1.3 * (c.y - a.y) * home.width / home.height));
    vb.width = width; vb.height = width * home.height / home.width;
    vb.x = (a.x + c.x - vb.width) / 2; vb.y = (a.y + c.y - vb.height) / 2;
    $("zoom-level").textContent = Math.round(100 * home.width / vb.width) + "%";
  }

  let position = 0;  // steps done: 0 is the start, total is the end
  let quiz = false;
  const answered = {};  // step index -> {term index: right?}
  const given = {};  // step index -> {term index: the number typed}
  let asked = 0, right = 0;
  const $ = function (id) { return document.getElementById(id); };
  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c];
    });
  }
  function revealed(i) { return !quiz || answered[i] !== undefined; }
  function gradsAfter(count) {
    const grads = {};
    if (total) grads[steps[0].node] = steps[0].upstreamText;
    for (let i = 0; i < count; i++) {
      if (!revealed(i)) break;
      steps[i].terms.forEach(function (t) { grads[t.parent] = t.gradText; });
    }
    return grads;
  }
  function show() {
    document.querySelectorAll(".current, .parent, .fresh").forEach(function (el) {
      el.classList.remove("current", "parent", "fresh");
    });
    const step = position > 0 ? steps[position - 1] : null;
    const grads = gradsAfter(position);
    data.nodes.forEach(function (n) {
      const known = grads[n.id] !== undefined;
      const text = (n.labelled ? "" : n.name + " · ") + "grad " + (known ? grads[n.id] : "·");
      views.forEach(function (v) {
        const label = v.labels && v.labels[n.id];
        if (!label) return;
        label.textContent = text;
        label.classList.toggle("filled", known);
        const negative = known && String(grads[n.id]).charAt(0) === "-";
        label.classList.toggle("neg", negative);
        label.classList.toggle("pos", known && !negative && Number(grads[n.id]) !== 0);
      });
      const cell = $("grad-" + n.id);
      cell.textContent = known ? grads[n.id] : "·";
    });
    Object.keys(data.boxOutputs || {}).forEach(function (id) {
      const outputs = data.boxOutputs[id];
      const known = outputs.filter(function (n) { return grads[n] !== undefined; });
      views.forEach(function (v) {
        const label = v.labels && v.labels[id];
        if (!label) return;
        label.textContent = "grad " + outputs.map(function (n) {
          return grads[n] !== undefined ? grads[n] : "·";
        }).join("  ");
        label.classList.toggle("filled", known.length > 0);
      });
    });
    if (step) {
      mark(step.node, "current");
      mark(step.node + "_op", "current");
      $("row-" + step.node).classList.add("current");
      views.forEach(function (v) {
        Object.keys(v.byTitle).forEach(function (title) {
          if (title.endsWith("->" + step.node + "_op") ||
              title === step.node + "_op->" + step.node) mark(title, "current");
        });
      });
      step.terms.forEach(function (t) {
        mark(t.parent, "parent");
        $("row-" + t.parent).classList.add("parent");
        views.forEach(function (v) {
          const label = v.labels && v.labels[t.parent];
          if (label && revealed(position - 1)) label.classList.add("fresh");
        });
      });
    }
    $("position").textContent = position === 0 ? "Start" :
      "Step " + position + " of " + total;
    $("prev").disabled = position === 0;
    $("next").disabled = position === total || (step !== null && !revealed(position - 1));
    $("equations").innerHTML = step ? stepHtml(step, position - 1) : startHtml();
    $("score").textContent = quiz ? "Score: " + right + " of " + asked : "";
    const first = $("equations").querySelector("input");
    if (first) first.focus();
  }
  function startHtml() {
    if (!total) return "<p>The output is a leaf: there is nothing to propagate.</p>";
    return "<p class='eq'>Backward starts at the output: ∂" + esc(data.root) + "/∂" +
      esc(data.root) + " = " + esc(steps[0].upstreamText) + "</p><p>Then each node, in " +
      "reverse topological order, passes its gradient to its parents: press Next (→).</p>";
  }
  function stepHtml(step, i) {
    let out = "<p class='eq'><b>" + esc(step.forward) + "</b>\nupstream ∂" + esc(data.root) +
      "/∂" + esc(step.name) + " = " + esc(step.upstreamText) + "</p>";
    if (!revealed(i)) {
      out += "<div class='quiz'><p>Your turn: each parent's gradient after this step.</p>";
      step.questions.forEach(function (q, j) {
        out += "<p class='eq'>grad of " + esc(q.name) + " = <input id='answer-" + j +
          "' inputmode='decimal' autocomplete='off'>" +
          (q.uses > 1 ? " <span class='hint'>(used " + q.uses + " times here)</span>" : "") +
          "</p>";
      });
      return out + "<button id='check'>Check</button> <span class='hint'>Enter checks</span>" +
        "<p id='quiz-note' class='wrong'></p></div>";
    }
    step.terms.forEach(function (t, j) {
      let mark = "";
      if (answered[i] !== undefined && answered[i][j] !== undefined)
        mark = answered[i][j] ? " <span class='right'>✓</span>" :
          " <span class='wrong'>✗ you gave " + esc(given[i][j]) + ", the gradient is " +
          esc(t.gradText) + "</span>";
      out += "<div class='term eq'>to <b>" + esc(t.name) + "</b>" + mark +
        "\n  local     ∂" + esc(step.name) + "/∂" + esc(t.name) + ": " + esc(t.local) +
        "\n  chain     " + esc(t.chain) + "\n  gradient  <span class='upd'>" + esc(t.update) +
        "</span></div>";
    });
    return out;
  }
  function check() {
    const i = position - 1, step = steps[i];
    const values = step.questions.map(function (q, j) {
      const text = $("answer-" + j).value.trim().replace(/−/g, "-");
      return text === "" ? NaN : Number(text);  // Number, unlike parseFloat, refuses "1.5x"
    });
    if (values.some(isNaN)) {
      $("quiz-note").textContent = "Type a number in every box, such as -1.5.";
      return;
    }
    answered[i] = {};  // term index -> right?, marked on the last edge of each parent
    given[i] = {};
    step.questions.forEach(function (q, j) {
      // relative at every size; an absolute floor only where the gradient is exactly 0
      const ok = q.grad === 0 ? Math.abs(values[j]) <= 1e-9
        : Math.abs(values[j] - q.grad) <= data.tolerance * Math.abs(q.grad);
      answered[i][q.term] = ok;
      given[i][q.term] = String(values[j]);
      if (ok) right += 1;
    });
    asked += values.length;
    show();
  }
  function go(delta) {
    const next = position + delta;
    if (next < 0 || next > total) return;
    if (delta > 0 && position > 0 && !revealed(position - 1)) return;
    position = next;
    show();
  }
  $("prev").addEventListener("click", function () { go(-1); });
  $("next").addEventListener("click", function () { go(1); });
  $("quiz").addEventListener("change", function (e) { quiz = e.target.checked; show(); });
  $("zoom-in").addEventListener("click", function () { zoom(1 / 1.25); });
  $("zoom-out").addEventListener("click", function () { zoom(1.25); });
  $("zoom-fit").addEventListener("click", fit);
  if ($("open-boxes")) $("open-boxes").addEventListener("click", function () {
    showView(view === views[0] ? 1 : 0);
  });
  $("equations").addEventListener("click", function (e) {
    if (e.target.id === "check") check();
  });
  $("equations").addEventListener("keydown", function (e) {
    if (e.key === "Enter" && e.target.tagName === "INPUT") check();
  });
  document.addEventListener("keydown", function (e) {
    if (e.target.tagName === "INPUT" && e.target.type !== "checkbox") return;
    if (e.key === "ArrowRight") { go(1); e.preventDefault(); }
    if (e.key === "ArrowLeft") { go(-1); e.preventDefault(); }
    if (e.key === "+" || e.key === "=") zoom(1 / 1.25);
    if (e.key === "-") zoom(1.25);
    if (e.key === "0") fit();
  });
  show();
})();
"""


def _svg_body(svg: str, css_class: str = "") -> str:
    """The `<svg>` element alone, filling its box: a projector shows a small graph large, but
    never beyond 2.5 times its drawn size, where it would only look blown up."""
    start = svg.index("<svg")
    body = svg[start:]
    head_end = body.index(">")
    head = body[:head_end]
    width = re.search(r'\swidth="([^"]*)"', head)
    head = re.sub(r'\s(width|height)="[^"]*"', "", head)
    if width:
        points = float(width.group(1).removesuffix("pt"))
        head += f' style="max-width: {2.5 * points:.0f}pt"'
    if css_class:
        head += f' class="{css_class}"'
    return head + body[head_end:]


def _script_json(value: object) -> str:
    """JSON that is safe inside a <script> element (no `</script>` can appear in it)."""
    return json.dumps(value, ensure_ascii=True).replace("<", "\\u003c").replace(">", "\\u003e")


class StepPage:
    """The interactive page of one graph's backward pass; `.html()`, `.save(path)`, Jupyter.

    `StepPage(parse("x*y").build({"x": 2.0, "y": 3.0})).save("walk.html")` writes one.
    """

    def __init__(
        self,
        root: Value,
        title: str = "",
        tolerance: float = 0.01,
        groups: Mapping[Value, str] | None = None,
        notes: Mapping[str, str] | None = None,
    ) -> None:
        self.root = root = as_value(root)  # any Value-like graph: micrograd's, a student's own
        self.title = title
        self.tolerance = tolerance
        # named groups (node → box): the graph is drawn as boxes, a click opens one
        self.groups = None if groups is None else dict(groups)
        self.notes = dict(notes or {})
        records = steps(root)  # one pass over one topological order
        self.forward = records.forward
        self.steps = records.backward

    @classmethod
    def attention(cls, graph: AttentionGraph, tolerance: float = 0.01) -> StepPage:
        """The page of one attention head (`transformer.attention_graph`): its boxes first."""
        return cls(graph.root, graph.title, tolerance, graph.groups, graph.notes)

    def data(self) -> dict[str, object]:
        """What the page's script reads: the nodes by DOT name and every step's numbers."""
        ids = {step.node: f"v{step.index}" for step in self.forward}
        nodes = [
            {
                "id": ids[s.node],
                "name": s.name,
                "labelled": bool(s.node.label),
                "value": number(s.value),
                "formula": s.formula,
            }
            for s in self.forward
        ]
        steps = [
            {
                "node": ids[step.node],
                "name": step.name,
                "forward": step.forward,
                "upstreamText": number(step.upstream),
                "questions": [
                    {
                        "name": t.parent_name,
                        "term": t.index,
                        "grad": t.grad_after,
                        "uses": sum(1 for u in step.terms if u.parent is t.parent),
                    }
                    for t in step.last_terms
                ],
                "terms": [
                    {
                        "parent": ids[t.parent],
                        "name": t.parent_name,
                        "local": t.local_text,
                        "chain": t.chain_text,
                        "update": t.update_text,
                        "grad": t.grad_after,
                        "gradText": number(t.grad_after),
                    }
                    for t in step.terms
                ],
            }
            for step in self.steps
        ]
        root = self.forward[-1].name
        data = {"root": root, "tolerance": self.tolerance, "nodes": nodes, "steps": steps}
        if self.groups is not None:
            box = group_ids([s.node for s in self.forward], self.groups)
            data["groupOf"] = {
                ids[s.node]: box[self.groups[s.node]] for s in self.forward if s.node in self.groups
            }
            data["open"] = sorted(box[group] for group in computing_groups(self.groups))
            # the grads each box fills in under it: its outputs', as its numbers are shown
            order = [s.node for s in self.forward]
            data["boxOutputs"] = {
                box[group]: [ids[v] for v in outputs]
                for group, outputs in group_outputs(order, self.groups, self.root).items()
                if len(outputs) <= MAX_GIVEN or any(v.parents for v in outputs)
            }
        return data

    def _svgs(self) -> str:
        """The graph, or with named groups its boxes and then every scalar node (hidden)."""
        if self.groups is None:
            return _svg_body(draw(self.root, show_grad=False).svg())
        options = {"show_grad": False, "collapse": True, "groups": self.groups}
        boxes = draw(self.root, notes=self.notes, **options).svg()
        nodes = draw(self.root, notes=self.notes, expand=computing_groups(self.groups), **options)
        return _svg_body(boxes, "boxes") + _svg_body(nodes.svg(), "off")

    def html(self) -> str:
        """The whole page as one HTML document: no file or network is needed to open it."""
        svg = self._svgs()
        title = self.title or f"the graph of {self.forward[-1].name}"
        rows = "\n".join(
            f'<tr id="row-v{s.index}"><td>{html.escape(s.name)}</td>'
            f"<td>{html.escape(s.formula) or '<i>leaf</i>'}</td>"
            f'<td class="num">{number(s.value)}</td><td class="grad" id="grad-v{s.index}">·</td>'
            "</tr>"
            for s in reversed(self.forward)
        )
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Backprop step by step: {html.escape(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<main>
<h1>Backprop step by step: {html.escape(title)}</h1>
<p class="sub">Each step is one node passing its gradient to its parents by the chain rule:
grad(parent) += local derivative × grad(node).</p>
<div class="bar">
<button id="prev" type="button">◀ Previous</button>
<button id="next" type="button">Next ▶</button>
<span id="position"></span>
<label><input id="quiz" type="checkbox"> Quiz me (hide gradients until I answer)</label>
<span id="score"></span>
<span class="hint">Keys: ← → · zoom + − 0 · drag to pan</span>{self._open_button()}
</div>
<div id="graph">{svg}<div class="zoom">
<button id="zoom-out" type="button" title="zoom out (−)">−</button>
<button id="zoom-fit" type="button" title="fit (0)"><span id="zoom-level">100%</span></button>
<button id="zoom-in" type="button" title="zoom in (+)">+</button></div></div>
<p class="legend"><span><span class="swatch" style="border: 3px solid #e65100"></span>this step's
node</span><span><span class="swatch" style="border: 3px solid #2e7d32"></span>its parents</span>
<span><span class="swatch" style="border-top: 3px dashed #e65100"></span>the gradient flowing back
to them</span><span>gradients: <b style="color: #2166ac">blue &gt; 0</b> · <b
style="color: #d6604d">red &lt; 0</b></span></p>
<div class="columns">
<section class="card"><h2>This step</h2><div id="equations"></div></section>
<section class="card"><h2>Gradients ∂{html.escape(self.forward[-1].name)}/∂node</h2>
<table><thead><tr><th>node</th><th>computed as</th><th>value</th><th>grad</th></tr></thead>
<tbody>
{rows}
</tbody></table></section>
</div>
</main>
<script type="application/json" id="steps-data">{_script_json(self.data())}</script>
<script>{_JS}</script>
</body>
</html>
"""

    def _open_button(self) -> str:
        if self.groups is None:
            return ""
        return (
            '\n<button id="open-boxes" type="button">Open the boxes</button>'
            '<span class="hint">or click a box to open it</span>'
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to `path` (UTF-8) and return the path."""
        return write_file(Path(path), self.html().encode())

    def _repr_html_(self) -> str:
        # An iframe keeps the page's ids, styles and script apart from the notebook's.
        return (
            f'<iframe srcdoc="{html.escape(self.html(), quote=True)}" '
            'style="width: 100%; height: 760px; border: 0;"></iframe>'
        )
