"""offline_figures: what a notebook is sent so that the world map draws with no internet."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.display import display

from escalation_kit.analytics import synthetic_history
from escalation_kit.analytics.figures import country_map, top_services_bar, volume_area
from escalation_kit.analytics.offline import PLOTLY_MIME, figure_outputs, offline_figures

TOPOJSON = re.compile(
    r"^<script type=\"text/javascript\">window\.PlotlyGeoAssets = .*?;\n"
    r"window\.PlotlyGeoAssets\.topojson\['world_110m'\] = (\{.*\});</script>$",
    re.DOTALL,
)


@pytest.fixture(scope="module")
def history() -> Any:
    return synthetic_history(300, days=60, tenants=20)


def test_the_topojson_goes_out_once_just_before_the_first_map(history: Any) -> None:
    figures = [volume_area(history), country_map(history), country_map(history)]
    outputs = figure_outputs(figures)
    kinds = [list(output["data"]) for output in outputs]
    assert kinds == [[PLOTLY_MIME], ["text/html"], [PLOTLY_MIME], [PLOTLY_MIME]]
    found = TOPOJSON.match(outputs[1]["data"]["text/html"])
    assert found is not None
    topojson = json.loads(found.group(1))
    countries = {shape.get("id") for shape in topojson["objects"]["countries"]["geometries"]}
    assert {"DEU", "USA", "BRA"} <= countries
    assert outputs[2]["data"][PLOTLY_MIME]["data"][0]["type"] == "choropleth"


def test_figures_without_a_map_need_no_topojson(history: Any) -> None:
    outputs = figure_outputs([volume_area(history), top_services_bar(history)])
    assert [list(output["data"]) for output in outputs] == [[PLOTLY_MIME], [PLOTLY_MIME]]
    assert figure_outputs([]) == []


def test_displaying_sends_the_same_outputs_in_order(history: Any) -> None:
    shown = offline_figures(country_map(history))
    sent: list[dict[str, Any]] = []
    shell = InteractiveShell.instance()
    publish = shell.display_pub.publish
    shell.display_pub.publish = lambda data, *_, **__: sent.append(data)  # type: ignore[method-assign]
    try:
        display(shown)
    finally:
        shell.display_pub.publish = publish  # type: ignore[method-assign]
    assert sent == [output["data"] for output in shown.outputs]
    assert list(sent[0]) == ["text/html"]
    assert repr(shown) == "OfflineFigures(1 figures)"
