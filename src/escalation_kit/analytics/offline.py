"""Figures shown in Jupyter with no network: world maps get the bundled topojson.

plotly.js draws a map's country outlines from a topojson it fetches from cdn.plot.ly at view
time, unless ``window.PlotlyGeoAssets`` already holds it. The HTML report inlines it
(:func:`~escalation_kit.analytics.report.geo_assets_script`); here the same script goes out as
an HTML output placed just before the first map, so the front end runs it before plotly.js
draws (JupyterLab runs scripts of trusted outputs: a cell's own outputs and a widget's).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

from escalation_kit.analytics.report import geo_assets_script

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["PLOTLY_MIME", "OfflineFigures", "figure_outputs", "offline_figures"]

PLOTLY_MIME = "application/vnd.plotly.v1+json"
_GEO_TRACES = frozenset({"choropleth", "scattergeo"})


def needs_geo_assets(figure: go.Figure) -> bool:
    """Whether plotly.js needs the world topojson to draw ``figure``."""
    return any(trace.type in _GEO_TRACES for trace in figure.data)


@cache
def geo_assets_output() -> dict[str, Any]:
    """One ``display_data`` output whose HTML hands plotly.js the bundled world topojson."""
    html = f'<script type="text/javascript">{geo_assets_script()}</script>'
    return {"output_type": "display_data", "data": {"text/html": html}, "metadata": {}}


def figure_output(figure: go.Figure) -> dict[str, Any]:
    """One ``display_data`` output holding ``figure`` as plotly's mime bundle."""
    import plotly.io as pio

    bundle = pio.renderers["plotly_mimetype"].to_mimebundle(figure.to_dict())
    return {"output_type": "display_data", "data": bundle, "metadata": {}}


def figure_outputs(figures: Iterable[go.Figure]) -> list[dict[str, Any]]:
    """The outputs that show ``figures`` offline: the topojson once, before the first map."""
    outputs: list[dict[str, Any]] = []
    geo_sent = False
    for figure in figures:
        if not geo_sent and needs_geo_assets(figure):
            outputs.append(geo_assets_output())
            geo_sent = True
        outputs.append(figure_output(figure))
    return outputs


class OfflineFigures:
    """Figures to ``display`` in a notebook; maps draw without fetching from a CDN."""

    def __init__(self, figures: Iterable[go.Figure]) -> None:
        self.figures = list(figures)

    @property
    def outputs(self) -> list[dict[str, Any]]:
        """The ``display_data`` outputs, in order (what a widget ``Output`` can be set to)."""
        return figure_outputs(self.figures)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        for output in self.outputs:
            display(output["data"], metadata=output["metadata"], raw=True)

    def __repr__(self) -> str:
        return f"OfflineFigures({len(self.figures)} figures)"


def offline_figures(*figures: go.Figure) -> OfflineFigures:
    """``figures`` ready to show in Jupyter with no internet (the world map included)."""
    return OfflineFigures(figures)
