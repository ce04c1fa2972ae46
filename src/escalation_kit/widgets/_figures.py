"""Showing plotly figures inside an ipywidgets ``Output`` (plotly 7 has no FigureWidget here)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def show_figures(output: Any, figures: Iterable[Any]) -> None:
    """Replace what ``output`` shows with ``figures``; without a front end there is nothing to
    draw, so the output is only cleared (the figures stay available on the app)."""
    from IPython import get_ipython
    from IPython.display import display

    if get_ipython() is None:
        return
    output.clear_output(wait=True)
    with output:
        for figure in figures:
            display(figure)
