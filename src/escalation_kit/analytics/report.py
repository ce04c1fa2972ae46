"""The self-contained HTML report of an escalation history, and the export of its tables.

One file, no network at view time: plotly.js is inlined once, the world map's topojson is
inlined as ``window.PlotlyGeoAssets`` (plotly.js would otherwise fetch it from a CDN), every
figure is a div with its JSON, styles are inline, fonts are the system's. All text that comes
from data (services, tenants, countries) is HTML-escaped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from html import escape
from importlib import resources
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

from escalation_kit.analytics.anomalies import readable_anomalies, weekly_anomalies
from escalation_kit.analytics.figures import main_figures
from escalation_kit.analytics.metrics import (
    HistorySource,
    _is_ledger,
    as_history,
    group_counts,
    repeat_customers,
    time_to_resolve,
    top_services,
)
from escalation_kit.analytics.names import customer_names, with_customer_names
from escalation_kit.analytics.palette import category_label, template_name
from escalation_kit.analytics.requests import request_tables
from escalation_kit.analytics.summary import Summary, summarize
from escalation_kit.errors import InputError
from escalation_kit.intake.writers import write_csv, write_xlsx
from escalation_kit.models import Instant, TimeBound

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

    from escalation_kit.ledger.core import Ledger

__all__ = ["PLOTLY_CONFIG", "Report", "build_report", "filter_period", "write_report"]

PLOTLY_CONFIG: dict[str, Any] = {"displaylogo": False, "responsive": True}
TABLE_ROWS = 25  # rows shown per table in the HTML (``export_tables`` writes them all)
_WIDE_FIGURES = frozenset({"volume"})  # across the whole page: a long time axis
_PERCENT = ("share", "rate")  # columns named so, or ending in _share / _rate, are fractions
_TABLE_TITLES = {
    "by_category_region": "Escalations by category and region",
    "time_to_resolve": "Time to resolve by category (hours)",
    "top_services": "Top services",
    "repeat_customers": "Customers with repeated escalations",
    "anomalies": "Unusual weeks",
    "first_response": "Microsoft's first response after filing (hours, by severity)",
    "request_aging": "Open requests by age",
    "known_issue_hit_rate": "Known-issue hit rate (share of tickets documented issues explain)",
}
# what a table's columns mean, for readers who never saw the code
_TABLE_NOTES = {
    "anomalies": "A week is unusual when a category's count this week is far above its usual "
    "level, the median of the 8 weeks before. How unusual: how many times the usual "
    "week-to-week spread it lies above that level (from 3 a week is listed).",
    "repeat_customers": "Customer names come from the customers file or the ledger; "
    "an empty name is a tenant they do not list.",
}


@dataclass(frozen=True, eq=False)
class Report:
    """A built report: its figures, tables and summary, and the HTML that shows them."""

    html: str = field(repr=False)
    figures: dict[str, go.Figure] = field(repr=False)
    tables: dict[str, pd.DataFrame] = field(repr=False)
    summary: Summary
    theme: str = "light"
    meta: dict[str, Any] = field(default_factory=dict)

    def write(self, path: str | Path) -> Path:
        """Write the HTML to ``path`` (UTF-8); InputError when the place cannot be written."""
        target = Path(path)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(self.html, encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write the report: {exc.strerror}", file=str(target)) from exc
        return target

    def export_tables(self, directory: str | Path) -> list[Path]:
        """Every table as ``<name>.csv`` plus one ``report_tables.xlsx`` with a sheet each."""
        folder = Path(directory)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot export the tables: {exc.strerror}", file=str(folder)) from exc
        written = [
            write_csv(table, folder / f"{name}.csv", what="table")
            for name, table in self.tables.items()
        ]
        written.append(write_xlsx(self.tables, folder / "report_tables.xlsx"))
        return written

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{escape(s)}</li>" for s in self.summary.sentences())
        return f"<ul>{items}</ul><p>{len(self.figures)} figures, {len(self.tables)} tables</p>"


def filter_period(
    history: HistorySource, since: TimeBound = None, until: TimeBound = None
) -> pd.DataFrame:
    """The escalations created in ``[since, until)`` (either bound optional; dates are UTC)."""
    import pandas as pd

    frame = as_history(history)
    keep = pd.Series(True, index=frame.index)
    for bound, after in ((since, True), (until, False)):
        if bound is None:
            continue
        try:
            stamp = pd.Timestamp(bound)
        except ValueError as exc:
            raise InputError(f"{bound!r} is not a date or ISO 8601 datetime") from exc
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        keep &= frame["created_at"] >= stamp if after else frame["created_at"] < stamp
    return frame[keep].reset_index(drop=True)


def report_tables(
    frame: pd.DataFrame, anomalies: pd.DataFrame, names: dict[str, str] | None = None
) -> dict[str, pd.DataFrame]:
    """The report's tables, by name (what ``--export-dir`` writes); ``names`` (tenant id →
    customer name) adds a ``customer`` column wherever a table lists tenants."""
    counts = group_counts({"category": frame["category"], "region": frame["region"]})
    matrix = counts.pivot_table(
        index="category", columns="region", values="count", aggfunc="sum", observed=True
    ).fillna(0)
    matrix = matrix.astype("int64")
    matrix.columns = [str(c) for c in matrix.columns]
    matrix["total"] = matrix.sum(axis=1)
    matrix = matrix.reset_index()
    matrix["category"] = matrix["category"].astype(str)
    return {
        "by_category_region": matrix,
        "time_to_resolve": time_to_resolve(frame, by=("category",)),
        "top_services": top_services(frame, n=10),
        "repeat_customers": with_customer_names(
            repeat_customers(frame, min_escalations=2), names or {}
        ),
        "anomalies": readable_anomalies(anomalies),
    }


def build_report(
    history: HistorySource,
    *,
    since: TimeBound = None,
    until: TimeBound = None,
    theme: str = "light",
    freq: str = "W",
    title: str = "Escalation report",
    customers: pd.DataFrame | Ledger | None = None,
) -> Report:
    """Build the report of ``history`` (a frame or a ledger) for escalations created in
    ``[since, until)``. ``customers`` (a customers frame or a ledger; by default the ledger
    when ``history`` is one) puts customer names next to tenant ids."""
    template_name(theme)  # refuse a bad theme before any work
    if customers is None and _is_ledger(history):
        customers = history
    names = customer_names(customers)
    full = as_history(history)
    frame = filter_period(full, since, until)
    anomalies = weekly_anomalies(frame) if not frame.empty else _no_anomalies()
    summary = summarize(frame, anomalies=anomalies)
    figures = main_figures(frame, freq=freq, theme=theme, backlog_from=full)
    tables = report_tables(frame, anomalies, names)
    if _is_ledger(history):  # these need what only the ledger keeps (requests, decisions)
        tables.update(request_tables(history))
    meta = {"since": since, "until": until, "rows": len(frame), "theme": theme}
    html = render_html(
        title=title,
        theme=theme,
        summary=summary,
        figures=figures,
        tables=tables,
        meta=_meta_line(summary, since, until),
    )
    return Report(
        html=html, figures=figures, tables=tables, summary=summary, theme=theme, meta=meta
    )


def _no_anomalies() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(columns=["week", "category", "count", "baseline", "mad", "ratio", "z"])


def _meta_line(summary: Summary, since: TimeBound, until: TimeBound) -> str:
    parts = [f"from {_bound_text(since)}"] if since is not None else []
    parts += [f"before {_bound_text(until)}"] if until is not None else []
    span = "Escalations created " + " and ".join(parts) if parts else "All escalations"
    return f"{span} · {summary.total:,} escalations"


def _bound_text(value: Instant) -> str:
    import pandas as pd

    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.strftime("%Y-%m-%d %H:%M UTC")


def write_report(history: HistorySource, out: str | Path, **options: Any) -> Report:
    """Build the report (see :func:`build_report` for ``options``) and write it to ``out``."""
    report = build_report(history, **options)
    report.write(out)
    return report


def render_html(
    *,
    title: str,
    theme: str,
    summary: Summary,
    figures: dict[str, go.Figure],
    tables: dict[str, pd.DataFrame],
    meta: str,
) -> str:
    """The report page: one plotly.js, the geo assets, the figures as divs, escaped tables."""
    from plotly.offline import get_plotlyjs

    page = Template(_asset_text("report.html"))
    return page.substitute(
        theme=escape(theme),
        title=escape(title),
        meta=escape(meta),
        summary="\n".join(f"<li>{escape(s)}</li>" for s in summary.sentences()),
        figures="\n".join(_figure_div(name, fig) for name, fig in figures.items()),
        tables="\n".join(_table_html(name, table) for name, table in tables.items()),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        geo_assets=geo_assets_script(),
        plotlyjs=get_plotlyjs(),
    )


def _figure_div(name: str, fig: go.Figure) -> str:
    body = fig.to_html(
        full_html=False, include_plotlyjs=False, div_id=f"figure-{name}", config=PLOTLY_CONFIG
    )
    wide = " wide" if name in _WIDE_FIGURES else ""
    return f'<div class="figure{wide}">{body}</div>'


def _table_html(name: str, table: pd.DataFrame) -> str:
    shown = _readable(table.head(TABLE_ROWS))
    note = f"<p class='meta'>{escape(_TABLE_NOTES[name])}</p>" if name in _TABLE_NOTES else ""
    if len(table) > TABLE_ROWS:
        note += f"<p class='meta'>The first {TABLE_ROWS} of {len(table):,} rows.</p>"
    shown.columns = [str(c).replace("_", " ") for c in shown.columns]
    body = shown.to_html(
        index=False, escape=True, border=0, na_rep="", float_format="{:,.1f}".format
    )
    if table.empty:
        body = "<p class='meta'>None.</p>"
    title = escape(_TABLE_TITLES.get(name, name))
    return f"<section><h3>{title}</h3>{note}<div class='scroll'>{body}</div></section>"


def _readable(table: pd.DataFrame) -> pd.DataFrame:
    """Category ids as labels, datetimes as UTC text and fractions as percentages, for people."""
    import pandas as pd

    out = table.copy()
    for column in out.columns:
        if column in ("category", "top_category"):
            out[column] = out[column].astype(str).map(category_label)
        elif isinstance(out[column].dtype, pd.DatetimeTZDtype):
            shown = "%Y-%m-%d" if column == "week" else "%Y-%m-%d %H:%M"  # a week: its Monday
            out[column] = out[column].dt.strftime(shown)
        elif _is_percent(str(column)) and pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].map(percent)
        elif column == "times usual":
            out[column] = out[column].map(lambda v: f"{v:.1f}×" if v == v else "")
    return out


def _is_percent(column: str) -> bool:
    return any(column == p or column.endswith(f"_{p}") for p in _PERCENT)


def percent(value: float) -> str:
    """A fraction as a percentage people read: 0.2 → 20%, 0.004 → 0.4%, NaN → empty."""
    if value != value:  # NaN
        return ""
    return f"{value:.0%}" if value == 0 or abs(value) >= 0.0095 else f"{value:.1%}"


@cache
def _asset_text(name: str) -> str:
    return (
        resources.files("escalation_kit.analytics")
        .joinpath(f"assets/{name}")
        .read_text(encoding="utf-8")
    )


def geo_assets_script() -> str:
    """JavaScript that hands plotly.js the bundled world topojson, so maps need no CDN."""
    topojson = _asset_text("world_110m.json")
    json.loads(topojson)  # a damaged asset must fail here, not silently in the browser
    safe = topojson.replace("</", "<\\/")
    return (
        "window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}};\n"
        f"window.PlotlyGeoAssets.topojson['world_110m'] = {safe};"
    )
