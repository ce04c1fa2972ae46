"""The apps in a real front end: JupyterLab runs a notebook with TrendsApp and IncidentApp in
Chromium; the figures are drawn inside the widgets (the world map too, with no internet: its
outlines come with the package) and customer text shows as text."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import nbformat
from lab_server import running_lab
from nbformat.v4 import new_code_cell, new_notebook

from ek_fixtures import CHROMIUM, CHROMIUM_ARGS, not_local, require

CELLS = [
    """\
from escalation_kit.analytics import synthetic_history
from escalation_kit.widgets.trends_app import TrendsApp

TrendsApp(synthetic_history(2000, days=200, tenants=40), report_path="report.html")""",
    """\
import pandas as pd
from escalation_kit.intake import validate_tickets
from escalation_kit.widgets.incident_app import IncidentApp

raw = pd.DataFrame({
    "ticket_id": ["T1", "T2", "T3"],
    "tenant_id": ["11111111-1111-4111-8111-11111111111" + str(n) for n in range(3)],
    "customer_name": ["<script>window.hacked = 1</script> Ltd", "Contoso", "Fabrikam"],
    "country": ["DE", "FR", "ES"],
    "service": ["SharePoint"] * 3,
    "title": ["SharePoint down"] * 3,
    "description": ["503 for everyone"] * 3,
    "reported_at": ["2026-11-13T09:15:00Z", "2026-11-13T09:40:00Z", "2026-11-13T10:05:00Z"],
    "users_affected": ["5", "6", "7"],
})
decisions = pd.DataFrame({
    "ticket_id": ["T1", "T2", "T3"], "category": ["regional_multi_tenant"] * 3,
    "escalate": [True] * 3, "matched_issue_id": [""] * 3, "cluster_id": ["C-1"] * 3,
    "region": ["Europe"] * 3, "service": ["SharePoint Online"] * 3,
    "severity": ["critical"] * 3, "confidence": [0.9] * 3, "reasons": ["cluster"] * 3,
    "recommended_action": ["escalate once"] * 3,
})
IncidentApp(validate_tickets(raw).accepted, decisions)""",
    """\
from escalation_kit.analytics.figures import country_map
from escalation_kit.analytics.offline import offline_figures

offline_figures(country_map(synthetic_history(300, days=60, tenants=20)))""",
]
MAP_PATHS = ".geo path.choroplethlocation"
# the country paths plotly.js drew an outline for (a country missing from the topojson, or no
# topojson at all, leaves its path without a shape)
OUTLINED = "sel => [...document.querySelectorAll(sel)].filter(p => p.getAttribute('d')).length"


def expected_titles() -> list[str]:
    """The titles of the trend figures the first cell draws (all but the world map)."""
    from escalation_kit.analytics import synthetic_history
    from escalation_kit.widgets.trends_app import TrendsApp

    app = TrendsApp(synthetic_history(2000, days=200, tenants=40))
    return [fig.layout.title.text for name, fig in app.figures.items() if name != "map"]


def expected_countries() -> int:
    """How many countries TrendsApp's maps colour: one outline path each that the bundled
    110m topojson has (it leaves out city states such as Singapore)."""
    from escalation_kit.analytics import synthetic_history
    from escalation_kit.widgets.trends_app import TrendsApp

    assets = resources.files("escalation_kit.analytics") / "assets" / "world_110m.json"
    geometries = json.loads(assets.read_text(encoding="utf-8"))["objects"]["countries"]
    outlined = {shape.get("id") for shape in geometries["geometries"]}
    app = TrendsApp(synthetic_history(2000, days=200, tenants=40))
    # the world map and its zoom on Europe
    maps = [app.figures[name].data[0] for name in ("map", "map_europe")]
    return sum(len(set(trace.locations) & outlined) for trace in maps)


def write_notebook(path: Path) -> None:
    """The test notebook, with its kernel named (else Lab asks which kernel to start)."""
    kernel = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}
    notebook = new_notebook(cells=[new_code_cell(c) for c in CELLS], metadata=kernel)
    nbformat.write(notebook, path)


def test_apps_draw_their_figures_in_jupyterlab(tmp_path: Path) -> None:
    require(
        CHROMIUM.exists(), "Chromium (Debian package 'chromium') is needed for the browser test"
    )
    from playwright.sync_api import sync_playwright

    write_notebook(tmp_path / "apps.ipynb")
    errors: list[str] = []
    with running_lab(tmp_path) as (base, token), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.route(not_local, lambda route: route.abort())  # nothing leaves 127.0.0.1
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}/lab/tree/apps.ipynb?token={token}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        # "Run All" before the kernel is connected runs nothing: wait for it to be idle
        page.locator("text=Python 3 (ipykernel) | Idle").wait_for(timeout=60_000)
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_text("Run All Cells", exact=True).click()
        widget_plots = ".jupyter-widgets .js-plotly-plot"
        timeline = page.locator("text=Reports per tenant").first
        timeline.wait_for(state="attached", timeout=90_000)
        widget_map = page.locator(f".jupyter-widgets {MAP_PATHS}").first
        widget_map.wait_for(state="attached", timeout=30_000)
        cell_map = page.locator(f".jp-Cell:not(:has(.jupyter-widgets)) {MAP_PATHS}").first
        cell_map.wait_for(state="attached", timeout=30_000)
        widget_map.evaluate("path => path.closest('.js-plotly-plot').scrollIntoView()")
        page.screenshot(path=str(tmp_path / "lab_map.png"))
        plots = page.locator(widget_plots).count()
        widget_countries = page.evaluate(OUTLINED, f".jupyter-widgets {MAP_PATHS}")
        cell_countries = page.evaluate(
            OUTLINED, f".jp-Cell:not(:has(.jupyter-widgets)) {MAP_PATHS}"
        )
        hacked = page.evaluate("window.hacked === 1")
        shown = page.locator(".jupyter-widgets").all_inner_texts()
        browser.close()
    # every trend figure (the world map too) and the incident timeline
    assert plots == len(expected_titles()) + 2
    # the map has its country outlines although cdn.plot.ly is out of reach: in TrendsApp and
    # in a cell showing offline_figures (as notebook 02 does)
    assert widget_countries == expected_countries()
    assert cell_countries > 0
    assert all(any(title in text for text in shown) for title in expected_titles())
    assert not hacked
    assert any("<script>window.hacked = 1</script> Ltd" in text for text in shown)
    assert errors == []
