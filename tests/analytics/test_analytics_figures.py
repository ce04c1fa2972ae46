"""Figures, checked through ``fig.to_dict()``: trace types, names, labels, colours, themes, size."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import plotly.io as pio
import pytest
from analytics_data import history

from ek_fixtures import SAMPLE_DATA, require
from escalation_kit.analytics.figures import (
    backlog_line,
    category_region_heatmap,
    country_map,
    europe_map,
    main_figures,
    resolve_time_box,
    top_services_bar,
    volume_area,
)
from escalation_kit.analytics.palette import CATEGORY_COLORS, template_name
from escalation_kit.analytics.synthetic import synthetic_history
from escalation_kit.errors import InputError
from escalation_kit.intake.history import load_history

LABEL_COLORS = {
    "Service not as described": CATEGORY_COLORS["service_not_as_described"],
    "Service unavailable": CATEGORY_COLORS["service_unavailable"],
    "Bug": CATEGORY_COLORS["bug"],
    "Network disruption": CATEGORY_COLORS["network_disruption"],
    "Regional multi-tenant": CATEGORY_COLORS["regional_multi_tenant"],
}


def values(encoded: Any) -> list[Any]:
    """An array from ``to_dict()``: plotly encodes numpy arrays as base64 ``bdata``."""
    if isinstance(encoded, dict) and "bdata" in encoded:
        flat = np.frombuffer(base64.b64decode(encoded["bdata"]), dtype=encoded["dtype"])
        shape = encoded.get("shape")
        if shape:
            dims = [int(n) for n in str(shape).split(",")]
            return list(flat.reshape(dims).tolist())
        return list(flat.tolist())
    return list(encoded)


def layout_text(fig: Any, key: str) -> str:
    return str(fig.to_dict()["layout"][key]["title"]["text"])


def test_volume_area_stacks_one_trace_per_category_in_its_colour() -> None:
    fig = volume_area(history(), freq="W")
    data = fig.to_dict()["data"]
    assert [t["type"] for t in data] == ["scatter"] * 3
    assert [t["name"] for t in data] == ["Service unavailable", "Bug", "Network disruption"]
    assert {t["stackgroup"] for t in data} == {"volume"}
    assert all(t["line"]["color"] == LABEL_COLORS[t["name"]] for t in data)
    bug = data[1]
    # every week of the span, zeros included: 2, 1, 0, 0, 1
    assert values(bug["y"]) == [2, 1, 0, 0, 1]
    assert fig.layout.title.text == "Escalations per week by category"
    assert layout_text(fig, "xaxis") == "Week"
    assert layout_text(fig, "yaxis") == "Escalations"
    assert "%{y}" in bug["hovertemplate"]


def test_heatmap_counts_categories_by_region() -> None:
    fig = category_region_heatmap(history())
    (trace,) = fig.to_dict()["data"]
    assert trace["type"] == "heatmap"
    assert list(trace["x"]) == ["Americas", "Europe", "Asia Pacific"]
    assert list(trace["y"]) == ["Service unavailable", "Bug", "Network disruption"]
    assert values(trace["z"]) == [[1, 0, 0], [1, 2, 1], [0, 1, 0]]
    assert layout_text(fig, "xaxis") == "Region"
    # every count written on its cell, in a colour chosen for that cell
    written = {(a.y, a.x): a.text for a in fig.layout.annotations}
    assert written[("Bug", "Europe")] == "2"
    assert len(written) == 9
    colours = {a.text: a.font.color for a in fig.layout.annotations}
    assert colours["2"] == "#ffffff" and colours["0"] == "#000000"  # darkest and palest cells


def test_europe_map_zooms_on_european_customers() -> None:
    fig = europe_map(history())
    (trace,) = fig.to_dict()["data"]
    assert dict(zip(trace["locations"], trace["z"], strict=True)) == {"DEU": 3}
    geo = fig.to_dict()["layout"]["geo"]
    assert geo["lonaxis"]["range"] == [-25, 45] and geo["lataxis"]["range"] == [34, 72]
    assert geo["resolution"] == 110  # the bundled world topojson: no download
    assert fig.layout.title.text == "Escalations by customer country: Europe"
    with pytest.raises(InputError, match="no map view for 'Mars'"):
        country_map(history(), region="Mars")


def test_country_map_uses_iso3_codes_and_counts_unknown_countries() -> None:
    frame = history()
    frame.loc[5, "country"] = "XX"
    fig = country_map(frame)
    (trace,) = fig.to_dict()["data"]
    assert trace["type"] == "choropleth"
    assert trace["locationmode"] == "ISO-3"
    assert dict(zip(trace["locations"], trace["z"], strict=True)) == {"DEU": 3, "JPN": 1, "USA": 1}
    assert "Germany" in list(trace["text"])
    assert "(1 without a known country not shown)" in fig.layout.title.text
    # the whole world, not a view fitted (and turned around) to the countries present
    geo = fig.to_dict()["layout"]["geo"]
    assert (geo["fitbounds"], geo["projection"]["rotation"]["lon"]) == (False, 0)


def test_resolve_box_ships_quantiles_not_points() -> None:
    fig = resolve_time_box(synthetic_history(5_000, seed=2))
    data = fig.to_dict()["data"]
    assert [t["type"] for t in data] == ["box"] * 5
    assert all("y" not in t for t in data)  # precomputed statistics only
    bug = next(t for t in data if t["name"] == "Bug")
    assert bug["marker"]["color"] == CATEGORY_COLORS["bug"]
    assert bug["lowerfence"][0] <= bug["q1"][0] <= bug["median"][0] <= bug["q3"][0]
    assert bug["q3"][0] <= bug["upperfence"][0]
    assert layout_text(fig, "yaxis") == "Hours to resolve"


def test_backlog_and_top_services() -> None:
    backlog = backlog_line(history()).to_dict()["data"][0]
    assert backlog["type"] == "scatter"
    assert values(backlog["y"]) == [0, 1, 1, 1, 2]
    fig = top_services_bar(history(), n=2)
    data = fig.to_dict()["data"]
    # SharePoint Online (the only network disruption) is not in the top 2
    assert [t["type"] for t in data] == ["bar"] * 2
    assert [t["name"] for t in data] == ["Service unavailable", "Bug"]
    # biggest service on top of a horizontal bar chart
    assert list(data[1]["y"]) == ["Microsoft Teams", "Exchange Online"]
    assert values(data[1]["x"]) == [1, 3]
    assert values(data[0]["x"]) == [1, 0]
    assert fig.layout.barmode == "stack"


def test_service_names_are_escaped() -> None:
    frame = history()
    frame.loc[0, "service"] = "<img src=x onerror=alert(1)>"
    fig = top_services_bar(frame, n=5)
    labels = [y for t in fig.to_dict()["data"] for y in t["y"]]
    assert "&lt;img src=x onerror=alert(1)&gt;" in labels
    assert not any("<img" in y for y in labels)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_themes_pick_plotly_templates_and_keep_colours(theme: str) -> None:
    figures = main_figures(history(), theme=theme)
    expected = {"light": "plotly_white", "dark": "plotly_dark"}[theme]
    for fig in figures.values():
        background = fig.layout.template.layout.paper_bgcolor
        assert background == pio.templates[expected].layout.paper_bgcolor
    colours = [t["line"]["color"] for t in figures["volume"].to_dict()["data"]]
    assert colours == [
        LABEL_COLORS[n] for n in ("Service unavailable", "Bug", "Network disruption")
    ]
    assert template_name(theme) == expected
    with pytest.raises(InputError, match="theme 'neon'"):
        volume_area(history(), theme="neon")


def test_figures_of_a_big_history_stay_small() -> None:
    figures = main_figures(synthetic_history(200_000, seed=4), freq="D")
    for name, fig in figures.items():
        data = fig.to_dict()["data"]
        points = sum(len(values(t["x"] if "x" in t else t.get("locations", []))) for t in data)
        assert points <= 10_000, name
        assert len(fig.to_json()) < 400_000, name


def test_figures_from_the_sample_history() -> None:
    path = SAMPLE_DATA / "escalation_history.csv"
    require(path.exists(), f"{path} is produced by the data work")
    figures = main_figures(load_history(path).accepted)
    assert list(figures) == [
        "volume",
        "heatmap",
        "map",
        "map_europe",
        "time_to_resolve",
        "backlog",
        "services",
    ]
    names = {t["name"] for t in figures["volume"].to_dict()["data"]}
    assert names <= set(LABEL_COLORS)
    assert len(figures["map"].to_dict()["data"][0]["locations"]) > 0
    europe = figures["map_europe"].to_dict()["data"][0]["locations"]
    assert {"DEU", "FRA", "GBR"} <= set(europe) and "USA" not in europe
