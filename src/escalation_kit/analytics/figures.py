"""Plotly figures of an escalation history: trends, categories × regions, countries, time to
resolve, backlog and services.

Every figure aggregates first (no figure ships more than a few thousand points to the browser,
however long the history), uses one colour per category (:data:`CATEGORY_COLORS`), has a
title, axis titles and hover text, and comes in a light or dark theme. plotly is imported
inside the functions so that ``import escalation_kit`` stays fast.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from escalation_kit.analytics.countries import country_name, iso2_to_iso3
from escalation_kit.analytics.metrics import (
    HistorySource,
    as_history,
    backlog_over_time,
    categories_in_order,
    group_counts,
    resolve_quantiles,
    top_services,
    volume,
)
from escalation_kit.analytics.palette import (
    CATEGORY_COLORS,
    category_label,
    template_name,
    text_color_on,
)
from escalation_kit.analytics.periods import FREQUENCIES, period_range
from escalation_kit.errors import InputError
from escalation_kit.models import TimeBound

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = [
    "backlog_line",
    "category_region_heatmap",
    "country_map",
    "europe_map",
    "main_figures",
    "resolve_time_box",
    "top_services_bar",
    "volume_area",
]

_HEAT_SCALE = "Blues"
_MAP_SCALE = "YlOrRd"
# the map's land, borders and ocean per theme (plotly_dark draws land as dark as the ocean)
_GEO_COLORS = {
    "light": {"landcolor": "#eef1f5", "countrycolor": "#9aa4b0", "oceancolor": "#ffffff"},
    "dark": {"landcolor": "#2b2f36", "countrycolor": "#6e7681", "oceancolor": "#111111"},
}
# a map's view: the whole world, or a zoom on a region where countries are small
_MAP_VIEWS: dict[str, dict[str, Any]] = {
    "world": {},
    "Europe": {"lonaxis_range": [-25, 45], "lataxis_range": [34, 72]},
}


def _figure(title: str, x_title: str, y_title: str, theme: str) -> go.Figure:
    """An empty figure with the shared layout: template, titles, legend, margins."""
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.update_layout(
        template=template_name(theme),
        title={"text": escape(title), "x": 0.01, "xanchor": "left"},
        xaxis_title=x_title,
        yaxis_title=y_title,
        legend_title_text="Category",
        margin={"l": 60, "r": 20, "t": 60, "b": 50},
        hoverlabel={"namelength": -1},
    )
    # long category and service names push the margins instead of being cut off
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


def volume_area(history: HistorySource, *, freq: str = "W", theme: str = "light") -> go.Figure:
    """Stacked area of escalations per period, one band per category."""
    import plotly.graph_objects as go

    frame = as_history(history)
    unit = FREQUENCIES.get(freq, freq)
    fig = _figure(f"Escalations per {unit} by category", unit.capitalize(), "Escalations", theme)
    if frame.empty:
        return fig
    counts = volume(frame, by=("category",), freq=freq)
    table = counts.pivot_table(
        index="period", columns="category", values="count", aggfunc="sum", observed=True
    )
    periods = period_range(frame["created_at"].min(), frame["created_at"].max(), freq)
    table = table.reindex(periods).fillna(0).astype("int64")
    for category in categories_in_order(table.columns.astype(str)):
        label = category_label(category)
        fig.add_trace(
            go.Scatter(
                x=table.index,
                y=table[category],
                name=label,
                mode="lines",
                stackgroup="volume",
                line={"color": CATEGORY_COLORS.get(category, "#7f7f7f"), "width": 1},
                hovertemplate=f"{unit} of %{{x|%Y-%m-%d}}: %{{y}}<extra>{label}</extra>",
            )
        )
    return fig


def category_region_heatmap(history: HistorySource, *, theme: str = "light") -> go.Figure:
    """Escalations per category (rows) and region (columns), with the counts written in."""
    import plotly.graph_objects as go

    frame = as_history(history)
    fig = _figure("Escalations by category and region", "Region", "Category", theme)
    counts = group_counts({"category": frame["category"], "region": frame["region"]})
    table = counts.pivot_table(
        index="category", columns="region", values="count", aggfunc="sum", observed=True
    )
    rows = categories_in_order(table.index.astype(str))
    table = table.reindex(rows).fillna(0).astype("int64")
    columns, labels = [str(c) for c in table.columns], [category_label(c) for c in rows]
    z = table.to_numpy()
    low, high = (int(z.min()), int(z.max())) if z.size else (0, 1)
    fig.add_trace(
        go.Heatmap(
            z=z,
            x=columns,
            y=labels,
            zmin=low,
            zmax=max(high, low + 1),
            colorscale=_HEAT_SCALE,
            colorbar={"title": {"text": "Escalations"}},
            hovertemplate="%{y} in %{x}: %{z} escalations<extra></extra>",
        )
    )
    # each count in the text colour that reads on its own cell, in either theme (plotly.js
    # would pick white or grey itself, which fails on mid-blue cells)
    for i, label in enumerate(labels):
        for j, column in enumerate(columns):
            fill = cell_color(int(z[i, j]), low, max(high, low + 1))
            fig.add_annotation(
                x=column,
                y=label,
                text=f"{int(z[i, j]):,}",
                showarrow=False,
                font={"color": text_color_on(fill)},
            )
    fig.update_layout(legend_title_text="")
    return fig


def cell_color(value: float, low: float, high: float, scale: str = _HEAT_SCALE) -> str:
    """The ``rgb(...)`` colour plotly draws for ``value`` on ``scale`` from ``low`` to ``high``."""
    from plotly.colors import sample_colorscale  # plotly is heavy: imported when drawing

    fraction = min(max((value - low) / (high - low), 0.0), 1.0) if high > low else 0.0
    return str(sample_colorscale(scale, [fraction])[0])


def country_map(
    history: HistorySource, *, theme: str = "light", region: str = "world"
) -> go.Figure:
    """Map of escalations per customer country (countries without a code are counted in the
    title, not drawn): the whole world, or zoomed on ``region`` ("Europe"), counting only that
    region's escalations so that its colours spread over its own range."""
    import plotly.graph_objects as go

    if region not in _MAP_VIEWS:
        raise InputError(
            f"no map view for {region!r}; one of: {', '.join(_MAP_VIEWS)}", field="region"
        )
    frame = as_history(history)
    if region != "world":
        frame = frame[frame["region"].astype(str) == region]
    counts = group_counts({"country": frame["country"]})
    counts["iso3"] = [
        iso2_to_iso3(str(c)) if isinstance(c, str) else None for c in counts["country"]
    ]
    mapped = counts[counts["iso3"].notna()]
    unmapped = int(counts.loc[counts["iso3"].isna(), "count"].sum())
    title = "Escalations by customer country" + ("" if region == "world" else f": {region}")
    if unmapped:
        title += f" ({unmapped} without a known country not shown)"
    fig = _figure(title, "", "", theme)
    fig.add_trace(
        go.Choropleth(
            locations=mapped["iso3"].tolist(),
            locationmode="ISO-3",
            z=mapped["count"].tolist(),
            text=[country_name(str(c)) for c in mapped["country"]],
            colorscale=_MAP_SCALE,
            marker={"line": {"width": 0.4}},
            colorbar={"title": {"text": "Escalations"}},
            hovertemplate="%{text}: %{z} escalations<extra></extra>",
        )
    )
    # the whole world centred on Greenwich, or the region's box: plotly.js would otherwise fit
    # the view to the countries present, which turns the map around when they span the
    # antimeridian. Both views draw from the one bundled world topojson (110m).
    fig.update_geos(
        projection_type="natural earth",
        projection_rotation_lon=0,
        fitbounds=False,
        showframe=False,
        showcountries=True,
        showland=True,
        showocean=True,
        resolution=110,
        **_GEO_COLORS[theme],
        **_MAP_VIEWS[region],
    )
    fig.update_layout(margin={"l": 10, "r": 10, "t": 60, "b": 10})
    return fig


def europe_map(history: HistorySource, *, theme: str = "light") -> go.Figure:
    """The country map zoomed on Europe, where many small countries share the world map's
    smallest corner."""
    return country_map(history, theme=theme, region="Europe")


def resolve_time_box(history: HistorySource, *, theme: str = "light") -> go.Figure:
    """Hours to resolve per category as boxes drawn from precomputed quantiles (box: 25th–75th
    percentile, line: median, whiskers: 5th–95th percentile)."""
    import plotly.graph_objects as go

    fig = _figure(
        "Time to resolve by category (whiskers: 5th–95th percentile)",
        "Category",
        "Hours to resolve",
        theme,
    )
    stats = resolve_quantiles(history, by="category").set_index("category")
    for category in categories_in_order(stats.index.astype(str)):
        row = stats.loc[category].to_dict()
        label = category_label(category)
        fig.add_trace(
            go.Box(
                x=[label],
                name=label,
                q1=[row["q25"]],
                median=[row["q50"]],
                q3=[row["q75"]],
                lowerfence=[row["q05"]],
                upperfence=[row["q95"]],
                marker_color=CATEGORY_COLORS.get(category, "#7f7f7f"),
                hovertemplate=f"{label}: median %{{median:.1f}} h ({int(row['resolved'])} resolved)"
                "<extra></extra>",
            )
        )
    fig.update_layout(showlegend=False)
    return fig


def backlog_line(
    history: HistorySource,
    *,
    freq: str = "W",
    theme: str = "light",
    since: TimeBound = None,
    until: TimeBound = None,
) -> go.Figure:
    """Escalations still open at the end of each period (of ``[since, until)`` when given;
    pass the whole history so that older escalations still open are counted)."""
    import plotly.graph_objects as go

    unit = FREQUENCIES.get(freq, freq)
    fig = _figure(f"Open escalations at the end of each {unit}", "Date", "Open escalations", theme)
    backlog = backlog_over_time(history, freq=freq, since=since, until=until)
    fig.add_trace(
        go.Scatter(
            x=backlog["period_end"],
            y=backlog["open"],
            name="Open",
            mode="lines",
            hovertemplate="open on %{x|%Y-%m-%d}: %{y}<extra></extra>",
        )
    )
    fig.update_layout(showlegend=False)
    return fig


def top_services_bar(history: HistorySource, *, n: int = 10, theme: str = "light") -> go.Figure:
    """The ``n`` services with the most escalations, bars split by category."""
    import plotly.graph_objects as go

    frame = as_history(history)
    fig = _figure(f"Top {n} services by escalations", "Escalations", "Service", theme)
    top = top_services(frame, n=n)["service"].tolist()
    subset = frame[frame["service"].isin(top)]
    counts = group_counts({"service": subset["service"], "category": subset["category"]})
    order = list(reversed(top))  # horizontal bars: the biggest on top
    for category in categories_in_order(counts["category"].astype(str).unique()):
        part = counts[counts["category"].astype(str) == category].set_index("service")["count"]
        part = part.reindex(order).fillna(0).astype("int64")
        label = category_label(category)
        fig.add_trace(
            go.Bar(
                x=part.to_numpy(),
                y=[escape(s) for s in order],
                name=label,
                orientation="h",
                marker_color=CATEGORY_COLORS.get(category, "#7f7f7f"),
                hovertemplate=f"%{{y}}: %{{x}} {escape(label)}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack")
    return fig


def main_figures(
    history: HistorySource,
    *,
    freq: str = "W",
    theme: str = "light",
    backlog_from: HistorySource | None = None,
) -> dict[str, go.Figure]:
    """The report's figures, by name, in reading order.

    ``backlog_from`` is the whole history when ``history`` is a window of it: the backlog then
    also counts escalations opened before the window and still open in it.
    """
    import pandas as pd

    frame = as_history(history)
    backlog = {}
    if backlog_from is not None and not frame.empty:
        first, last = frame["created_at"].min(), frame["created_at"].max()
        backlog = {"since": first, "until": last + pd.Timedelta(microseconds=1)}
    return {
        "volume": volume_area(frame, freq=freq, theme=theme),
        "heatmap": category_region_heatmap(frame, theme=theme),
        "map": country_map(frame, theme=theme),
        "map_europe": europe_map(frame, theme=theme),
        "time_to_resolve": resolve_time_box(frame, theme=theme),
        "backlog": backlog_line(
            frame if backlog_from is None else backlog_from, freq=freq, theme=theme, **backlog
        ),
        "services": top_services_bar(frame, theme=theme),
    }
