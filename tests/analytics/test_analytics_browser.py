"""The HTML report in a real headless Chromium: renders offline, no errors, no network, and
reads well from 1280 to 1920 px in both themes (charts wide enough, side by side, nothing cut
off, every label readable on its background). Saves docs/screenshots/report-*.png."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ek_fixtures import CHROMIUM, CHROMIUM_ARGS, REPO, SAMPLE_DATA, require
from escalation_kit.analytics.palette import contrast_ratio
from escalation_kit.analytics.report import Report, build_report
from escalation_kit.analytics.synthetic import synthetic_history
from escalation_kit.intake import read_customers
from escalation_kit.intake.history import load_history

pytestmark = pytest.mark.browser

SCREENSHOTS = REPO / "docs" / "screenshots"
FIGURES = 7
# every figure's box, and the boxes of its text that fall outside it (cut off)
GEOMETRY = """() => [...document.querySelectorAll('.figure')].map(f => {
    const box = f.getBoundingClientRect();
    const outside = [...f.querySelectorAll('.main-svg text')]
        .filter(t => t.textContent.trim() && t.getBBox().width > 0)
        .filter(t => { const r = t.getBoundingClientRect();
            return r.left < box.left - 1 || r.right > box.right + 1; })
        .map(t => t.textContent);
    return {id: f.querySelector('.plotly-graph-div').id, left: box.left, width: box.width,
            outside: outside};
})"""
# (text, its fill, the figure's paper colour) for every axis, legend, title and colour-bar text
TEXTS = """() => [...document.querySelectorAll('.js-plotly-plot')].flatMap(plot => {
    const paper = getComputedStyle(plot.querySelector('.main-svg')).backgroundColor;
    return [...plot.querySelectorAll(
        '.gtitle, .xtick text, .ytick text, .xtitle, .ytitle, .legendtext, .cbaxis text')]
        .map(t => [plot.id, t.textContent, getComputedStyle(t).fill, paper]);
})"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require(CHROMIUM.exists(), f"Chromium is needed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def sample_report(theme: str) -> Report:
    """The sample history with the sample customers' names (synthetic when they are absent)."""
    history, customers = SAMPLE_DATA / "escalation_history.csv", SAMPLE_DATA / "customers.csv"
    if history.exists() and customers.exists():
        return build_report(
            load_history(history).accepted,
            theme=theme,
            customers=read_customers(customers).accepted,
            title="Escalation report (sample data)",
        )
    return build_report(synthetic_history(20_000, seed=1), theme=theme)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def css_rgb(value: str) -> str:
    """``rgb(r, g, b)`` from a computed style (``rgba`` loses its alpha: text is opaque)."""
    parts = value[value.index("(") + 1 : value.index(")")].split(",")[:3]
    return "rgb(" + ",".join(p.strip() for p in parts) + ")"


@pytest.mark.parametrize(
    ("theme", "width"), [("light", 1280), ("dark", 1280), ("light", 1920), ("dark", 1920)]
)
def test_report_renders_offline_and_reads_well(
    browser: Any, tmp_path: Path, theme: str, width: int
) -> None:
    page_path = sample_report(theme).write(tmp_path / f"report-{theme}.html")
    page = browser.new_page(viewport={"width": width, "height": 1000})
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
    page.wait_for_function(
        f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {FIGURES}"
    )
    assert page.locator(".js-plotly-plot").count() == FIGURES
    # both maps drew their countries from the inlined topojson
    for name in ("map", "map_europe"):
        page.wait_for_function(
            f"document.querySelectorAll('#figure-{name} .choroplethlocation').length > 10"
        )
    assert page.locator("#figure-volume .scatterlayer .trace").count() == 5
    page.wait_for_timeout(500)
    geometry = page.evaluate(GEOMETRY)
    texts = page.evaluate(TEXTS)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if (theme, width) in (("light", 1280), ("dark", 1920)):  # the README's pictures
        name = f"report-{theme}-{width}.png"
        page.screenshot(path=str(SCREENSHOTS / name))
        if theme == "light" and width == 1280:
            page.locator("#figure-map_europe").screenshot(
                path=str(SCREENSHOTS / "report-europe.png")
            )
    shot = tmp_path / f"report-{theme}-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    page.close()
    assert outside == []
    assert problems == []
    shot_width, height = png_size(shot)
    assert shot_width == width and height > 2000
    # the layout: nothing wider than the window; two charts side by side, the volume across
    # both; each chart grows with the window (the old 1200 px page kept them at 568 px); no
    # label sticking out of its chart
    assert overflow <= 0
    by_id = {g["id"]: g for g in geometry}
    assert len({round(g["left"]) for g in geometry}) == 2
    assert by_id["figure-volume"]["width"] > 1.9 * by_id["figure-heatmap"]["width"]
    assert min(g["width"] for g in geometry) >= 0.45 * width
    assert all(g["outside"] == [] for g in geometry), geometry
    # every axis, title, legend and colour-bar text reads on its chart's background (AA)
    assert len(texts) > 100
    low = [
        (plot, text, fill, paper)
        for plot, text, fill, paper in texts
        if contrast_ratio(css_rgb(fill), css_rgb(paper)) < 4.5
    ]
    assert low == []
