"""The built playground in Debian's Chromium (playwright), served from 127.0.0.1 with every other
address blocked: it loads, trains, pauses, keeps its settings in the URL, shows a point's graph,
and ends with the same weights as `nnscalar train` on CPython, bit for bit, from the seed alone."""

from __future__ import annotations

import fcntl
import functools
import hashlib
import http.server
import json
import shutil
import socketserver
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from nnscalar.cli import main
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
            for old in base.iterdir():  # other sources' builds, unless another checkout's
                if old.is_dir() and time.time() - old.stat().st_mtime > 3600:  # suite may use it
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


def _cli_weights(tmp_path: Path, config: Config, epochs: int) -> dict[str, float]:
    """The weights `nnscalar train` (the page's command line for `config`) saves after `epochs`."""
    out = tmp_path / "cli"
    args = ["train", *config.train_args(), f"--epochs={epochs}", "--no-pictures", "--quiet"]
    assert main([*args, f"--out={out}"]) == 0
    return json.loads((out / "model.json").read_text())["weights"]


def test_the_page_trains_pauses_and_matches_the_library(page, tmp_path: Path) -> None:
    _open(page)
    assert page.inner_text("#shape") == "2 → 8 → 8 → 1 · 105 parameters"
    start = _metrics(page)
    assert start["step"] == 0
    # three epochs by the button
    for _ in range(3):
        page.click("#epoch")
        page.wait_for_function("nnscalarPlayground.metrics.epoch >= 1", timeout=30_000)
    page.wait_for_function("nnscalarPlayground.metrics.epoch === 3", timeout=30_000)
    page_run = page.evaluate("nnscalarPlayground.weights()")
    assert page_run["steps"] == 15
    # the page made its data from the seed, with the same bits as CPython (nnscalar.portable's
    # sin, cos and log, not the C library's: the browser's, musl, rounds some last bits apart)
    X, y = page_run["data"]
    assert (X, y) == Playground(Config()).dataset
    # and trained to the same weights as `nnscalar train` on CPython (its compiled core), bit for
    # bit: relu and hinge need only + − × ÷, which IEEE-754 rounds exactly, Adam sqrt (exact too)
    # and β^t (C's pow: musl rounds a few apart, never 1 − β^t in 20000 steps); the engine adds
    # with plain loops, never the builtin sum(), which Python 3.12+ compensates
    desktop = _cli_weights(tmp_path, Config(), 3)
    assert len(desktop) == 105
    assert page_run["weights"] == desktop
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


def test_each_loss_optimizer_and_data_set_trains_to_cpythons_weights(page) -> None:
    # Bit for bit from the seed alone: the hinge, mse, mae and huber losses and every optimizer's
    # update are + − × ÷ and √ only, and every data set comes from nnscalar.portable
    _open(page)
    settings = [("loss", name) for name in ("mse", "mae", "huber")]
    settings += [("optimizer", name) for name in ("sgd", "adagrad", "rmsprop", "adamw")]
    settings += [("data", name) for name in ("circles", "xor", "spirals", "blobs")]
    for key, value in settings:
        page.evaluate(f"location.hash = 'hidden=4,3&{key}={value}'")
        page.wait_for_function(f"nnscalarPlayground.config().{key} === '{value}'")
        page.wait_for_function("nnscalarPlayground.metrics.step === 0")  # the new session
        page.wait_for_selector("body[data-ready='1']")
        page.click("#epoch")
        page.wait_for_function("nnscalarPlayground.metrics.epoch === 1")
        run = page.evaluate("nnscalarPlayground.weights()")
        desktop = Playground(Config(hidden=(4, 3), **{key: value}))
        assert tuple(run["data"]) == desktop.dataset, value
        desktop.finish_epoch()
        assert run["steps"] == desktop.steps == 5
        assert run["weights"] == desktop.weights_by_label(), value
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


# Activations made of + − × ÷ and max only: IEEE-754 rounds them alike everywhere. The others
# call the C library (tanh; sigmoid exp; elu expm1 and exp; softplus log1p and exp), and the
# browser's, musl, rounds some of those apart from glibc in the last bit (tanh in about a quarter
# of the calls training makes, the others in about 1 in 1000): their weights agree to rounding.
PORTABLE_ACTIVATIONS = ("relu", "leaky_relu", "linear")


def test_the_pictures_are_the_librarys_numbers(page) -> None:
    # For each activation: an epoch on the page ends with CPython's weights (bit for bit where
    # the activation is portable), and the page draws every neuron's picture from the weights
    # itself: its numbers are nnscalar's own on CPython, to rounding.
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
        desktop.finish_epoch()
        trained = desktop.weights_by_label()
        if activation in PORTABLE_ACTIVATIONS:
            assert run["weights"] == trained, activation
        else:
            assert run["weights"] == pytest.approx(trained, rel=1e-12, abs=1e-15), activation
        desktop.set_weights(run["weights"])
        for mine, theirs in zip(drawn, desktop.neuron_outputs(grid), strict=True):
            for layer_js, layer_py in zip(mine, theirs, strict=True):
                assert layer_js == pytest.approx(layer_py, rel=1e-12, abs=1e-14), activation
    assert page.problems == []
