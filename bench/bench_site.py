"""The playground in Debian's Chromium: how long Python takes to start, how many updates a second
the default network (moons, 2 → 8 → 8 → 1) makes while the page draws, and how many seconds from
Play to 95 % test accuracy. Builds the site first (`make site`, into a temporary folder)."""

from __future__ import annotations

import functools
import http.server
import shutil
import socketserver
import sys
import tempfile
import threading
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PLAY_SECONDS = 10.0
RUNS = 3


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def one_run(browser, url: str) -> dict[str, float]:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
    start = time.perf_counter()
    page.goto(url + "index.html")
    page.wait_for_selector("body[data-ready='1']", timeout=180_000)
    boot = time.perf_counter() - start
    page.click("#play")
    played = time.perf_counter()
    to_95 = float("nan")
    while time.perf_counter() - played < PLAY_SECONDS:
        m = page.evaluate("nnscalarPlayground.metrics")
        if to_95 != to_95 and m["testAccuracy"] >= 0.95:
            to_95 = time.perf_counter() - played
        time.sleep(0.02)
    steps = page.evaluate("nnscalarPlayground.metrics.step")
    elapsed = time.perf_counter() - played
    page.click("#play")
    page.close()
    return {"boot": boot, "to_95": to_95, "rate": steps / elapsed}


def main() -> int:
    if not Path(CHROMIUM).exists() or shutil.which("npm") is None:
        print("skipped: needs Debian chromium and npm")
        return 0
    from playwright.sync_api import sync_playwright

    from nnscalar.site.build import build_site

    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        report = build_site(site, log=lambda _: None)
        print(f"site: {report['bytes'] / 1e6:.1f} MB, built in {report['seconds']:.1f} s")
        httpd = socketserver.ThreadingTCPServer(
            ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site))
        )
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{httpd.server_address[1]}/"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            runs = [one_run(browser, url) for _ in range(RUNS)]
            browser.close()
        httpd.shutdown()
        httpd.server_close()
    for name, what in [("boot", "s to start Python and nnscalar"),
                       ("rate", "updates/s while playing (page drawing)"),
                       ("to_95", "s from Play to 95 % test accuracy")]:  # fmt: skip
        values = sorted(r[name] for r in runs)
        print(f"{what:<42} median {values[len(values) // 2]:7.2f}   runs: "
              + ", ".join(f"{v:.2f}" for v in values))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
