"""The interactive page: self-contained HTML, and driven in Debian's Chromium through playwright."""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nnscalar import Value, topological_order
from nnscalar.errors import RenderError
from nnscalar.explain import backward_steps, number
from nnscalar.expr import parse
from nnscalar.nn import MLP, Neuron
from nnscalar.page import StepPage
from nnscalar.render import draw

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NEURON = "tanh(x1*w1 + x2*w2 + b)"
NEURON_VALUES = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.88}


def _neuron() -> Value:
    return parse(NEURON).build(NEURON_VALUES)


def _page_data(page_html: str) -> dict:
    match = re.search(r'<script type="application/json" id="steps-data">(.*?)</script>', page_html)
    assert match is not None
    return json.loads(match.group(1))


def test_the_page_is_one_self_contained_deterministic_file() -> None:
    text = StepPage(_neuron(), title=NEURON).html()
    assert text == StepPage(_neuron(), title=NEURON).html()
    assert text.count("<svg") == 1
    assert "<?xml" not in text and "<!DOCTYPE svg" not in text
    # the only URLs are XML namespace names, which are never fetched
    assert set(re.findall(r"https?://[^\s\"'<>)]+", text)) == {
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1999/xlink",
    }
    for fetch in ("<link", " src=", "@import", "url(", "fetch(", "XMLHttpRequest"):
        assert fetch not in text


def test_page_data_names_nodes_as_the_renderer_does() -> None:
    root = _neuron()
    text = StepPage(root).html()
    data = _page_data(text)
    steps = backward_steps(root)
    assert [s["node"] for s in data["steps"]] == ["v9", "v8", "v6", "v5", "v2"]
    for node in data["nodes"]:
        assert f"<title>{node['id']}</title>" in text
    assert data["steps"][4]["terms"][0] == {
        "parent": "v0",
        "name": "x1",
        "local": "d(a·b)/da = b = -3.0",
        "chain": steps[4].terms[0].chain_text,
        "update": "grad of x1: 0.0 + (-1.503) = -1.503",
        "grad": steps[4].terms[0].grad_after,
        "gradText": "-1.503",
    }


def test_labels_cannot_break_out_of_the_script() -> None:
    x = Value(2.0, label="</script><script>alert(1)</script>")
    text = StepPage(x * 3.0).html()
    assert text.count("</script>") == 2
    assert text.count("<script") == 2


def test_jupyter_shows_the_page_in_an_iframe() -> None:
    page = StepPage(_neuron())
    shown = page._repr_html_()
    assert shown.startswith('<iframe srcdoc="&lt;!DOCTYPE html&gt;')
    srcdoc = re.match(r'<iframe srcdoc="([^"]*)"', shown)
    assert srcdoc is not None
    assert html.unescape(srcdoc.group(1)) == page.html()


def test_save_writes_utf8(tmp_path: Path) -> None:
    path = StepPage(_neuron()).save(tmp_path / "walk.html")
    assert path.read_text(encoding="utf-8") == StepPage(_neuron()).html()
    with pytest.raises(RenderError, match=r"cannot write '.*nowhere/walk.html'"):
        StepPage(_neuron()).save(tmp_path / "nowhere" / "walk.html")


def test_the_graph_is_never_drawn_larger_than_its_own_size() -> None:
    text = StepPage(parse("x*y").build({"x": 2.0, "y": 3.0})).html()
    (head,) = re.findall(r"<svg[^>]*>", text)
    width = re.search(r'viewBox="[\d.]+ [\d.]+ ([\d.]+)', head).group(1)
    assert f'style="max-width: {round(float(width))}pt"' in head
    assert ' width="' not in head and ' height="' not in head


# --- in the browser -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(
            f"Debian chromium is not installed at {CHROMIUM}: `apt install chromium` "
            "(make test installs it when run as root)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _open(browser: object, root: Value, tmp_path: Path) -> tuple[object, list[str]]:
    path = StepPage(root, title="test").save(tmp_path / "walk.html")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "request",
        lambda request: None if request.url.startswith("file://") else problems.append(request.url),
    )
    page.goto(path.as_uri())
    return page, problems


def _current(page: object, kind: str) -> set[str]:
    return set(
        page.eval_on_selector_all(f"g.{kind}.current > title", "els => els.map(e => e.textContent)")
    )


def _into_op(root: Value) -> dict[str, set[str]]:
    """From the DOT text: op node name → the names of every node with an edge into it."""
    heads: dict[str, set[str]] = {}
    for tail, head in re.findall(r"^\s*(\w+) -> (\w+_op);", draw(root).dot, re.MULTILINE):
        heads.setdefault(head, set()).add(tail)
    return heads


def _fused_neuron() -> Value:
    return Neuron(2, "tanh", seed=1, fused=True)([0.5, -1.0])  # plain-number inputs: constants


def _expanded_network() -> Value:
    return MLP(2, [2, 1], activation="tanh", seed=0, fused=False)([Value(0.5, label="x1"), 1.0])


@pytest.mark.parametrize("make", [_fused_neuron, _expanded_network])
def test_next_walks_every_step_highlighting_and_filling_grads(
    browser: object, tmp_path: Path, make: Callable[[], Value]
) -> None:
    root = make()
    steps = backward_steps(root)
    into_op = _into_op(root)
    page, problems = _open(browser, root, tmp_path)
    ids = {node: f"v{i}" for i, node in enumerate(topological_order(root))}
    for k, step in enumerate(steps):
        page.click("#next")
        node = ids[step.node]
        assert page.text_content("#position") == f"Step {k + 1} of {len(steps)}"
        assert _current(page, "node") == {node, f"{node}_op"}
        tails = into_op[f"{node}_op"]
        assert {ids[t.parent] for t in step.terms} <= tails
        assert _current(page, "edge") == {f"{node}_op->{node}"} | {
            f"{tail}->{node}_op" for tail in tails
        }
        for term in step.terms:
            assert page.text_content(f"#grad-{ids[term.parent]}") == number(term.grad_after)
    assert page.is_disabled("#next")
    assert problems == []
    page.close()


def test_a_node_reached_by_two_paths_fills_in_twice(browser: object, tmp_path: Path) -> None:
    root = parse("x*y + x").build({"x": 3.0, "y": -2.0})
    steps = backward_steps(root)
    page, problems = _open(browser, root, tmp_path)
    ids = {node: f"v{i}" for i, node in enumerate(topological_order(root))}
    assert page.text_content("#position") == "Start"
    assert _current(page, "node") == set()
    assert page.text_content(f"#grad-{ids[root]}") == "1.0"
    assert page.text_content(f"#label-{ids[root]}") == "n2 · grad 1.0"
    for k, step in enumerate(steps):
        page.keyboard.press("ArrowRight")
        node = ids[step.node]
        assert page.text_content("#position") == f"Step {k + 1} of {len(steps)}"
        assert _current(page, "node") == {node, f"{node}_op"}
        assert _current(page, "edge") == {f"{node}_op->{node}"} | {
            f"{ids[t.parent]}->{node}_op" for t in step.terms
        }
        equations = page.text_content("#equations")
        assert step.forward in equations
        for term in step.terms:
            assert term.chain_text in equations and term.update_text in equations
    x = ids[steps[-1].terms[0].parent]
    assert page.text_content(f"#label-{x}") == "grad -1.0"
    assert page.text_content(f"#grad-{x}") == "-1.0"
    page.keyboard.press("ArrowLeft")
    assert page.text_content("#position") == "Step 1 of 2"
    assert page.text_content(f"#grad-{x}") == "1.0"  # only the first path counted so far
    assert problems == []
    page.close()


def test_quiz_hides_grads_until_answered(browser: object, tmp_path: Path) -> None:
    root = parse("x*y + x").build({"x": 3.0, "y": -2.0})
    page, problems = _open(browser, root, tmp_path)
    page.check("#quiz")
    page.click("#next")
    # step 1 (n2 = n1 + x) is not answered yet: the grads of n1 (v2) and x (v0) stay hidden
    assert [page.text_content(f"#grad-v{i}") for i in (2, 0)] == ["·", "·"]
    assert page.is_disabled("#next")
    page.fill("#answer-0", "1")
    page.fill("#answer-1", "1.004")  # within the tolerance
    page.click("#check")
    assert [page.text_content(f"#grad-v{i}") for i in (2, 0)] == ["1.0", "1.0"]
    assert page.text_content("#score") == "Score: 2 of 2"
    page.keyboard.press("ArrowRight")
    page.fill("#answer-0", "-1")
    page.fill("#answer-1", "oops")
    page.press("#answer-1", "Enter")
    assert page.text_content("#quiz-note") == "Type a number in every box, such as -1.5."
    page.fill("#answer-1", "2")
    page.press("#answer-1", "Enter")
    assert page.eval_on_selector_all(
        ".term .right, .term .wrong", "els => els.map(e => e.className)"
    ) == ["right", "wrong"]
    assert page.text_content("#score") == "Score: 3 of 4"
    assert "grad of y: 0.0 + 3.0 = 3.0" in page.text_content("#equations")
    assert problems == []
    page.close()


def test_quiz_asks_once_for_a_parent_used_twice(browser: object, tmp_path: Path) -> None:
    page, problems = _open(browser, parse("x*x").build({"x": 3.0}), tmp_path)
    page.check("#quiz")
    page.click("#next")
    assert page.eval_on_selector_all("#equations input", "els => els.length") == 1
    assert "(used 2 times here)" in page.text_content("#equations")
    assert page.is_disabled("#next")
    # both edges of x·x highlighted, though they share one title
    assert page.eval_on_selector_all("g.edge.current", "els => els.length") == 3
    page.fill("#answer-0", "6abc")  # not a number: refused, not read as 6
    page.press("#answer-0", "Enter")
    assert page.text_content("#quiz-note") == "Type a number in every box, such as -1.5."
    page.fill("#answer-0", " 6 ")
    page.press("#answer-0", "Enter")
    assert page.text_content("#score") == "Score: 1 of 1"
    assert page.eval_on_selector_all(
        ".term .right, .term .wrong", "els => els.map(e => e.className)"
    ) == ["right"]
    assert page.text_content("#grad-v0") == "6.0"
    assert problems == []
    page.close()
