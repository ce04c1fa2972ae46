"""The HTML report in a real headless Chromium: renders offline, no errors, no network."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ek_fixtures import CHROMIUM, CHROMIUM_ARGS, require
from escalation_kit.analytics.report import build_report
from escalation_kit.analytics.synthetic import synthetic_history

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require(CHROMIUM.exists(), f"Chromium is needed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_report_renders_offline_without_errors(browser: Any, tmp_path: Path, theme: str) -> None:
    report = build_report(synthetic_history(20_000, seed=1), theme=theme)
    page_path = report.write(tmp_path / f"report-{theme}.html")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))

    def only_files(route: Any) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:  # anything else would break offline: record it and refuse it
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_files)
    page.goto(page_path.as_uri(), wait_until="load")
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 6")
    assert page.locator(".js-plotly-plot").count() == 6
    # the world map drew its countries from the inlined topojson
    page.wait_for_function("document.querySelectorAll('.choroplethlocation').length > 10")
    assert page.locator("#figure-volume .scatterlayer .trace").count() == 5
    shot = tmp_path / f"report-{theme}.png"
    page.screenshot(path=str(shot), full_page=True)
    page.close()
    assert outside == []
    assert problems == []
    width, height = png_size(shot)
    assert width == 1280 and height > 2000
    assert shot.stat().st_size > 100_000
