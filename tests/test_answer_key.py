"""The answer key a teacher hands out: numbers rounded for people, pages that fit A4 and 1280 px."""

from __future__ import annotations

import os
import re

import pytest

from nnscalar.exercises import all_exercises
from nnscalar.exercises.worksheet import answer_key_markdown, write_worksheets

from .conftest import CHROMIUM
from .conftest import CHROMIUM_ARGS as ARGS

ITEMS = list(enumerate(all_exercises(), start=1))


def test_the_key_rounds_numbers_for_people():
    text = answer_key_markdown("ann", 24, ITEMS)
    assert re.search(r"\d\.\d{9,}", text) is None  # no -0.2999999999999998
    assert "dout_db = 0.00467257" in text


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed")
def test_keys_and_worksheets_fit_the_page(tmp_path):
    from playwright.sync_api import sync_playwright

    write_worksheets(tmp_path, 24, ["ann"], ITEMS)
    pages = [tmp_path / "keys" / "ann" / "answer_key.html"]
    pages.append(tmp_path / "students" / "ann" / "worksheet.html")
    overflow = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        # 1280 px, and A4 / Letter paper width at 96 dpi less 15 mm margins
        for width in (1280, 1920, 680, 700):
            page = browser.new_page(viewport={"width": width, "height": 800})
            for path in pages:
                page.goto(path.as_uri())
                sizes = page.evaluate(
                    "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
                )
                if sizes[0] > sizes[1]:
                    overflow.append((path.name, width, sizes))
            page.close()
        page = browser.new_page()
        page.goto(pages[0].as_uri())
        assert page.pdf(format="A4")[:4] == b"%PDF"
        browser.close()
    assert overflow == []
