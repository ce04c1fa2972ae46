"""TrendsApp without a kernel: filters re-render the figures from the filtered escalations."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.io as pio
import pytest
from widget_data import SCRIPT

from escalation_kit.analytics import synthetic_history
from escalation_kit.widgets._figures import PLOTLY_MIME
from escalation_kit.widgets.trends_app import TrendsApp

FIGURES = ["volume", "heatmap", "map", "map_europe", "time_to_resolve", "backlog", "services"]


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return synthetic_history(1500, days=120, tenants=40, spike_week=8)


def volume_total(app: TrendsApp) -> int:
    return int(sum(sum(trace.y) for trace in app.figures["volume"].data))


def shown_volume_total(app: TrendsApp) -> int:
    """The same total, read from what the Output widget shows (plotly's mime bundle)."""
    shown = app.output.outputs[0]["data"][PLOTLY_MIME]["data"]
    return int(sum(_decoded(trace["y"]).sum() for trace in shown))


def _decoded(values: Any) -> np.ndarray:
    """Plotly's JSON arrays: a list, or a typed array ``{"dtype", "bdata": base64}``."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return np.asarray(values)


def test_starts_with_every_escalation_drawn(history: pd.DataFrame) -> None:
    app = TrendsApp(history)
    assert len(app.value) == len(history)
    assert list(app.figures) == FIGURES
    assert volume_total(app) == len(history)
    shown = [output["data"] for output in app.output.outputs]
    plotted = [data for data in shown if PLOTLY_MIME in data]
    assert len(plotted) == len(FIGURES)
    # the world topojson goes out (once) just before the map, so the map draws offline
    kinds = [next(iter(data)) for data in shown]
    assert kinds == [PLOTLY_MIME] * 2 + ["text/html"] + [PLOTLY_MIME] * 5
    assert "window.PlotlyGeoAssets.topojson['world_110m'] = {" in shown[2]["text/html"]
    assert plotted[2][PLOTLY_MIME]["data"][0]["type"] == "choropleth"
    assert shown_volume_total(app) == len(history)
    assert f"{len(history):,} escalations" in app.summary.value


def test_category_and_region_filters_redraw_the_figures(history: pd.DataFrame) -> None:
    app = TrendsApp(history)
    category = str(history["category"].iloc[0])
    region = str(history["region"].iloc[0])
    app.categories.value = (category,)
    app.regions.value = (region,)
    expected = history[(history["category"] == category) & (history["region"] == region)]
    assert set(app.value["escalation_id"]) == set(expected["escalation_id"])
    assert volume_total(app) == len(expected)
    assert shown_volume_total(app) == len(expected)
    assert len(app.figures["volume"].data) == 1


def test_period_keeps_both_days(history: pd.DataFrame) -> None:
    app = TrendsApp(history)
    app.since.value = dt.date(2024, 1, 1)
    app.until.value = dt.date(2024, 1, 31)
    days = history["created_at"].dt.date
    expected = history[(days >= dt.date(2024, 1, 1)) & (days <= dt.date(2024, 1, 31))]
    assert len(expected) > 0
    assert set(app.value["escalation_id"]) == set(expected["escalation_id"])
    assert volume_total(app) == len(expected)


def test_theme_and_frequency_redraw(history: pd.DataFrame) -> None:
    app = TrendsApp(history)
    weekly_points = len(app.figures["volume"].data[0].x)
    app.theme.value = "dark"
    dark = pio.templates["plotly_dark"].layout.paper_bgcolor
    for name in FIGURES:
        assert app.figures[name].layout.template.layout.paper_bgcolor == dark
    app.freq.value = "M"
    assert len(app.figures["volume"].data[0].x) < weekly_points
    assert volume_total(app) == len(history)


def test_nothing_selected_draws_nothing(history: pd.DataFrame) -> None:
    app = TrendsApp(history)
    app.categories.value = ()
    assert app.value.empty
    assert app.figures == {}
    assert app.output.outputs == ()
    assert "No escalations in this period." in app.summary.value


def test_write_report_of_the_selection(history: pd.DataFrame, tmp_path: Path) -> None:
    app = TrendsApp(history, report_path=tmp_path / "sub" / "report.html")
    app.regions.value = (str(history["region"].iloc[0]),)
    app.write.click()
    written = tmp_path / "sub" / "report.html"
    assert "wrote" in app.status.value
    text = written.read_text(encoding="utf-8")
    assert f"{len(app.value):,} escalations" in text


def test_write_report_to_an_unwritable_place_says_so(history: pd.DataFrame, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    app = TrendsApp(history, report_path=blocker / "report.html")
    app.write.click()
    assert "cannot write the report" in app.status.value


def test_customer_text_in_the_history_is_escaped(history: pd.DataFrame, tmp_path: Path) -> None:
    hostile = history.copy()
    hostile["service"] = hostile["service"].where(hostile.index % 2 == 0, SCRIPT)
    app = TrendsApp(hostile, report_path=tmp_path / "report.html")
    labels = [str(label) for trace in app.figures["services"].data for label in trace.y]
    assert SCRIPT not in labels
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in labels
    app.write.click()
    assert SCRIPT not in (tmp_path / "report.html").read_text(encoding="utf-8")
