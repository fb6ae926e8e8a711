"""Shared fixtures: `browser`, Debian's Chromium through playwright (never `playwright install`)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

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


@pytest.fixture(autouse=True)
def _activations_restored() -> Iterator[None]:
    """Activations a test (or a README example) registers are gone after it."""
    from nnscalar.activations import ACTIVATIONS

    registered = dict(ACTIVATIONS._registered)  # type: ignore[attr-defined]
    yield
    ACTIVATIONS._registered.clear()  # type: ignore[attr-defined]
    ACTIVATIONS._registered.update(registered)  # type: ignore[attr-defined]
