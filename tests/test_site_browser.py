"""The built playground in Debian's Chromium (playwright), served from 127.0.0.1 with every other
address blocked: it loads, trains, pauses, keeps its settings in the URL, shows a point's graph,
and ends with the same weights as the library on CPython."""

from __future__ import annotations

import fcntl
import functools
import hashlib
import http.server
import math
import shutil
import socketserver
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from nnscalar.site.build import SiteError, build_site, default_cache, npm_packages
from nnscalar.site.playground import Config, Playground

from .conftest import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[1]
BOOT_MS = 120_000  # Pyodide's first start on a busy 2-core machine


def _source_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted([*(ROOT / "nnscalar").rglob("*"), ROOT / "pyproject.toml"]):
        if (
            path.is_file()
            and "__pycache__" not in path.parts
            and path.suffix not in (".so", ".pyc")
        ):
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session")
def site() -> Path:
    """The site, built once for this source tree (shared by test processes, kept between runs)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian chromium is not installed at {CHROMIUM}: `apt install chromium`")
    pytest.importorskip("playwright", reason="playwright-python is missing: pip install -e .[test]")
    try:
        npm_packages(default_cache())
    except SiteError as exc:
        pytest.skip(f"the playground needs npm to fetch Pyodide and Graphviz-wasm: {exc}")
    base = Path(tempfile.gettempdir()) / "nnscalar-site-tests"
    base.mkdir(exist_ok=True)
    out = base / _source_hash()
    with open(base / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build, even with several test processes
        if not (out / "index.html").exists():
            for old in base.iterdir():
                if old.is_dir():
                    shutil.rmtree(old, ignore_errors=True)
            build_site(out, log=lambda _: None)
    return out


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    httpd = socketserver.ThreadingTCPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(site))
    )
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def page(server: str) -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pg = browser.new_page(viewport={"width": 1280, "height": 800})
        pg.problems = []  # console errors, page errors, and any request that left 127.0.0.1
        pg.on("console", lambda m: m.type == "error" and pg.problems.append(m.text))
        pg.on("pageerror", lambda e: pg.problems.append(str(e)))

        def gate(route) -> None:
            if route.request.url.startswith(server):
                route.continue_()
            else:
                pg.problems.append("blocked request: " + route.request.url)
                route.abort()

        pg.route("**/*", gate)
        pg.base = server
        yield pg
        browser.close()


def _open(page, hash_: str = "") -> None:
    page.goto(page.base + "index.html" + hash_)
    page.wait_for_selector("body[data-ready='1']", timeout=BOOT_MS)


def _metrics(page) -> dict:
    return page.evaluate("nnscalarPlayground.metrics")


def test_the_page_trains_pauses_and_matches_the_library(page) -> None:
    _open(page)
    assert page.inner_text("#shape") == "2 → 8 → 8 → 1 · 105 parameters"
    start = _metrics(page)
    assert start["step"] == 0
    # three epochs by the button: the weights equal CPython's
    for _ in range(3):
        page.click("#epoch")
        page.wait_for_function("nnscalarPlayground.metrics.epoch >= 1", timeout=30_000)
    page.wait_for_function("nnscalarPlayground.metrics.epoch === 3", timeout=30_000)
    page_run = page.evaluate("nnscalarPlayground.weights()")
    assert page_run["steps"] == 15
    desktop = Playground(Config())
    # the data: the browser's C library (musl) may round sin, cos and log differently in the
    # last bit, so the generated points (sums of such values, of size about 1) agree to a few
    # units in the last place of 1.0
    X, y = page_run["data"]
    assert y == desktop.dataset[1]
    for mine, theirs in zip(X, desktop.dataset[0], strict=True):
        for a, b in zip(mine, theirs, strict=True):
            assert abs(a - b) <= 4 * math.ulp(1.0)
    # CPython's weights after the same epochs: on the page's data bit for bit (the engine adds
    # with plain loops, never the builtin sum(), which Python 3.12+ compensates); on its own
    # data, to rounding
    same_data = Playground(Config(), dataset=(X, y))
    for pg in (desktop, same_data):
        for _ in range(3):
            pg.finish_epoch()
    assert set(page_run["weights"]) == set(desktop.weights_by_label())
    for label, w in page_run["weights"].items():
        assert w == same_data.weights_by_label()[label]
        assert w == pytest.approx(desktop.weights_by_label()[label], rel=1e-9, abs=1e-12)
    # play raises the test accuracy; pause stops the updates
    page.click("#play")
    page.wait_for_function("nnscalarPlayground.metrics.testAccuracy >= 0.95", timeout=60_000)
    page.click("#play")  # pause
    page.wait_for_selector("body[data-playing='0']", timeout=10_000)
    paused = _metrics(page)["step"]
    time.sleep(1.0)
    assert _metrics(page)["step"] == paused > 15
    assert _metrics(page)["testAccuracy"] > start["testAccuracy"]
    assert page.inner_text("#play") == "▶ Play"
    assert float(page.inner_text("#rate")) > 0
    assert page.problems == []


def test_a_clicked_point_shows_its_graph_and_backward_pass(page) -> None:
    _open(page)
    page.click("#step")
    page.wait_for_function("nnscalarPlayground.metrics.step === 1")
    # the pixel of test sample 1 on the surface
    x, y = page.evaluate(
        """() => {
          const cv = document.getElementById('surface'), r = cv.getBoundingClientRect();
          const p = window.nnscalarPlayground.points().test[0];
          const [x0, x1, y0, y1] = window.nnscalarPlayground.points().view;
          return [r.left + (p[0] - x0) / (x1 - x0) * r.width,
                  r.top + (y1 - p[1]) / (y1 - y0) * r.height];
        }"""
    )
    page.mouse.click(x, y)
    frame = page.frame_locator("#graph-frame")
    frame.locator("svg").first.wait_for(timeout=60_000)
    assert "the loss of test sample 1" in frame.locator("h1").inner_text()
    assert "backward steps" in page.inner_text("#graph-note")
    frame.locator("#next").click()
    assert frame.locator("#position").inner_text().startswith("Step 1 of ")
    # the optimizer's state and the accumulation view come from the worker
    page.click("button[data-tab='optimizer']")
    page.wait_for_selector("#optimizer-table td")
    assert page.inner_text("#optimizer-table th:nth-child(5)") == "v"
    assert page.locator("#optimizer-table tbody tr").count() == 105
    page.click("button[data-tab='accumulation']")
    page.click("#acc-run")
    page.wait_for_selector("#acc-table td")
    assert "largest difference between the two updates" in page.inner_text("#acc-summary")
    assert page.problems == []


def test_the_url_carries_the_configuration_both_ways(page) -> None:
    hash_ = "#data=xor&hidden=4,3&activation=tanh&loss=bce&lr=0.1&seed=7&hide=seed,loss"
    _open(page, hash_)
    assert page.inner_text("#shape") == "2 → 4 → 3 → 1 · 31 parameters"
    assert page.input_value("#activation") == "tanh" and page.input_value("#lr") == "0.1"
    assert not page.is_visible("#seed") and not page.is_visible("#loss")
    assert page.is_visible("#optimizer")
    assert page.evaluate("nnscalarPlayground.config()")["seed"] == 7
    # the page writes the whole configuration back, and a change goes into the URL
    page.select_option("#optimizer", "sgd")
    page.wait_for_selector("body[data-ready='1']")
    url = page.evaluate("location.hash")
    for part in [
        "data=xor",
        "hidden=4,3",
        "activation=tanh",
        "loss=bce",
        "optimizer=sgd",
        "lr=0.1",
        "seed=7",
        "noise=0.1",
        "hide=seed,loss",
    ]:
        assert part in url.split("&") or "#" + part in url.split("&"), (part, url)
    # a lesson sets the playground up and says so in the URL
    page.click("button[data-tab='lessons']")
    page.click("text=1. No hidden layer")
    page.wait_for_selector("body[data-ready='1']")
    assert page.inner_text("#shape") == "2 → 1 · 3 parameters"
    assert "lesson=xor.1" in page.evaluate("location.hash")
    assert "no straight line puts the two orange corners" in page.inner_text("#lessons")
    # a bad value in a link is named, and the defaults stand in for it
    page.goto(page.base + "index.html#data=moonz&lr=fast")
    page.wait_for_selector("#error:not([hidden])", timeout=BOOT_MS)
    text = page.inner_text("#error")
    assert 'data="moonz"; valid: moons, circles, xor, spirals, blobs' in text
    assert 'lr="fast" is not a number' in text
    assert page.problems == []


def test_the_pictures_are_the_librarys_numbers(page) -> None:
    # The page draws every neuron's picture from the weights itself; for each activation its
    # numbers are nnscalar's own on CPython, to rounding.
    _open(page, "#hidden=3,2&loss=mse")
    grid = [[-1.5 + 0.5 * i, -1.0 + 0.4 * j] for i in range(8) for j in range(6)]
    for activation in ("relu", "tanh", "sigmoid", "elu", "leaky_relu", "softplus", "linear"):
        page.select_option("#activation", activation)
        page.wait_for_function(f"nnscalarPlayground.config().activation === '{activation}'")
        page.wait_for_selector("body[data-ready='1']")
        page.click("#epoch")
        page.wait_for_function("nnscalarPlayground.metrics.epoch === 1")
        run = page.evaluate("nnscalarPlayground.weights()")
        drawn = page.evaluate("(xs) => nnscalarPlayground.neuronOutputs(xs)", grid)
        desktop = Playground(Config(hidden=(3, 2), loss="mse", activation=activation))
        desktop.set_weights(run["weights"])
        for mine, theirs in zip(drawn, desktop.neuron_outputs(grid), strict=True):
            for layer_js, layer_py in zip(mine, theirs, strict=True):
                assert layer_js == pytest.approx(layer_py, rel=1e-12, abs=1e-14), activation
    assert page.problems == []
