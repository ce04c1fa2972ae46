"""Showing plotly figures in an ipywidgets ``Output`` (plotly 7 has no FigureWidget here).

The output's ``outputs`` are set directly to the mime bundles a cell's ``display`` of
:func:`~escalation_kit.analytics.offline.offline_figures` sends: no capture context, so it
works the same in a kernel, in nbclient/nbval and in tests without a kernel, and it never
hangs waiting for a front end. A world map comes with its topojson, so it draws offline.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from escalation_kit.analytics.offline import PLOTLY_MIME, figure_outputs

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["PLOTLY_MIME", "show_figures"]


def show_figures(output: Any, figures: Iterable[go.Figure]) -> None:
    """Replace what ``output`` shows with ``figures`` (none: the output is cleared)."""
    output.outputs = tuple(figure_outputs(figures))
