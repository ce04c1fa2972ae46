"""Every figure, in the light and the dark theme: every piece of text reads on what is under it.

The colours are resolved as plotly.js resolves them: a figure's own setting, else its template's;
a heatmap count drawn by plotly.js itself (``texttemplate`` without a colour) gets white or
grey by plotly's own rule, which is emulated here. The bar is WCAG AA for text (4.5:1).
"""

from __future__ import annotations

from typing import Any

import plotly.io as pio
import pytest
from plotly.colors import sample_colorscale

from ek_fixtures import SAMPLE_DATA
from escalation_kit.analytics.figures import main_figures
from escalation_kit.analytics.investigation import investigate
from escalation_kit.analytics.palette import contrast_ratio, rgb
from escalation_kit.analytics.synthetic import synthetic_history
from escalation_kit.intake.history import load_history
from widgets.widget_data import accepted_tickets, cluster_decisions

AA = 4.5
THEMES = ["light", "dark"]


def _from_template(fig: Any, path: str) -> Any:
    """``layout.<path>`` of the figure, else of its template (plotly's own default last)."""
    for layout in (fig.layout, fig.layout.template.layout):
        value: Any = layout
        for part in path.split("."):
            value = getattr(value, part, None) if value is not None else None
        if value is not None:
            return value
    return {"font.color": "#444", "paper_bgcolor": "#fff", "plot_bgcolor": "#fff"}.get(path)


def plotly_auto_text(fill: str) -> str:
    """plotly.js's ``Color.contrast``: white on a dark fill (brightness < 128), else #444."""
    r, g, b = rgb(fill)
    return "#ffffff" if (r * 299 + g * 587 + b * 114) / 1000 < 128 else "#444444"


def cell_fill(trace: Any, value: float) -> str:
    """The colour plotly draws for ``value`` in a heatmap trace."""
    z = [v for row in trace.z for v in row]
    low = trace.zmin if trace.zmin is not None else min(z)
    high = trace.zmax if trace.zmax is not None else max(z)
    fraction = (value - low) / (high - low) if high > low else 0.0
    scale = [[position, colour] for position, colour in trace.colorscale]
    return str(sample_colorscale(scale, [min(max(fraction, 0.0), 1.0)])[0])


def text_on_background(fig: Any) -> list[tuple[str, str, str]]:
    """(what, text colour, background colour) for every piece of text of ``fig``."""
    font = str(_from_template(fig, "font.color"))
    paper = str(_from_template(fig, "paper_bgcolor"))
    plot = str(_from_template(fig, "plot_bgcolor"))
    pairs = [("title", str(fig.layout.title.font.color or font), paper)]
    for axis in ("xaxis", "yaxis"):
        tick = getattr(fig.layout, axis).tickfont.color or font
        pairs.append((f"{axis} labels", str(tick), paper))
    pairs.append(("legend", str(fig.layout.legend.font.color or font), paper))
    for trace in fig.data:
        colorbar = getattr(trace, "colorbar", None)
        if colorbar is not None and trace.showscale is not False:
            pairs.append(("colorbar", str(colorbar.tickfont.color or font), paper))
        if trace.type == "heatmap" and trace.texttemplate:
            own = trace.textfont.color
            for row, y in zip(trace.z, trace.y, strict=True):
                for value, x in zip(row, trace.x, strict=True):
                    fill = cell_fill(trace, value)
                    colour = own if own and own != "auto" else plotly_auto_text(fill)
                    pairs.append((f"cell {y} / {x}", str(colour), fill))
    heatmaps = [t for t in fig.data if t.type == "heatmap"]
    for note in fig.layout.annotations:
        background = plot
        if heatmaps and note.xref in (None, "x") and note.yref in (None, "y"):
            trace = heatmaps[0]
            row = list(trace.y).index(note.y)
            column = list(trace.x).index(note.x)
            background = cell_fill(trace, trace.z[row][column])
        pairs.append((f"annotation {note.text}", str(note.font.color or font), background))
    return pairs


def all_figures(theme: str) -> dict[str, Any]:
    """The report's figures of the sample history (or a synthetic one), and the incident
    timeline."""
    path = SAMPLE_DATA / "escalation_history.csv"
    source = load_history(path).accepted if path.exists() else synthetic_history(20_000, seed=3)
    figures = main_figures(source, theme=theme)
    found = investigate(accepted_tickets(), cluster_decisions(), cluster_id="C-shp")
    figures["incident_timeline"] = found.timeline_figure(theme=theme)
    return figures


@pytest.mark.parametrize("theme", THEMES)
def test_every_label_of_every_figure_reads_on_its_background(theme: str) -> None:
    expected_paper = pio.templates[{"light": "plotly_white", "dark": "plotly_dark"}[theme]]
    failures = []
    for name, fig in all_figures(theme).items():
        assert fig.layout.template.layout.paper_bgcolor == expected_paper.layout.paper_bgcolor
        pairs = text_on_background(fig)
        assert len(pairs) >= 4, name
        failures += [
            f"{name}: {what} {fg} on {bg} ({contrast_ratio(fg, bg):.1f}:1)"
            for what, fg, bg in pairs
            if contrast_ratio(fg, bg) < AA
        ]
    assert failures == []


def test_the_heatmap_has_a_label_per_cell_in_both_themes() -> None:
    for theme in THEMES:
        fig = all_figures(theme)["heatmap"]
        (trace,) = fig.data
        cells = sum(len(row) for row in trace.z)
        assert len(fig.layout.annotations) == cells
        shown = {a.text for a in fig.layout.annotations}
        assert {f"{int(v):,}" for row in trace.z for v in row} == shown


def test_the_check_catches_plotlys_own_heatmap_text() -> None:
    """What the heatmap did before: plotly.js picked white on mid-blue cells (about 3:1)."""
    fig = all_figures("dark")["heatmap"]
    fig.layout.annotations = ()
    fig.data[0].texttemplate = "%{z}"
    low = [c for what, fg, bg in text_on_background(fig) if (c := contrast_ratio(fg, bg)) < AA]
    assert low, "plotly's own white-or-grey rule should fail on some Blues cells"
