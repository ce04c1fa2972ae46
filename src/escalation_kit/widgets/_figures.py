"""Showing plotly figures in an ipywidgets ``Output`` (plotly 7 has no FigureWidget here).

The output's ``outputs`` are set directly to plotly's own mime bundles, the same a cell's
``display(fig)`` sends: no capture context, so it works the same in a kernel, in nbclient/nbval
and in tests without a kernel, and it never hangs waiting for a front end.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

PLOTLY_MIME = "application/vnd.plotly.v1+json"


def figure_output(figure: Any) -> dict[str, Any]:
    """One ``display_data`` output holding ``figure`` as plotly's mime bundle."""
    import plotly.io as pio

    bundle = pio.renderers["plotly_mimetype"].to_mimebundle(figure.to_dict())
    return {"output_type": "display_data", "data": bundle, "metadata": {}}


def show_figures(output: Any, figures: Iterable[Any]) -> None:
    """Replace what ``output`` shows with ``figures`` (none: the output is cleared)."""
    output.outputs = tuple(figure_output(figure) for figure in figures)
