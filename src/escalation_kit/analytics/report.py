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

from escalation_kit.analytics.anomalies import weekly_anomalies
from escalation_kit.analytics.figures import main_figures
from escalation_kit.analytics.metrics import (
    _is_ledger,
    as_history,
    group_counts,
    repeat_customers,
    time_to_resolve,
    top_services,
)
from escalation_kit.analytics.palette import category_label, template_name
from escalation_kit.analytics.requests import request_tables
from escalation_kit.analytics.summary import Summary, summarize
from escalation_kit.errors import InputError

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

__all__ = ["PLOTLY_CONFIG", "Report", "build_report", "filter_period", "write_report"]

PLOTLY_CONFIG: dict[str, Any] = {"displaylogo": False, "responsive": True}
_FORMULA_START = r"[=+\-@\t\r]"
TABLE_ROWS = 25  # rows shown per table in the HTML; the export has them all
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
        import pandas as pd

        folder = Path(directory)
        written: list[Path] = []
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for name, table in self.tables.items():
                written.append(folder / f"{name}.csv")
                _plain(table).to_csv(written[-1], index=False)
            workbook = folder / "report_tables.xlsx"
            with pd.ExcelWriter(workbook, engine="openpyxl") as excel:
                for name, table in self.tables.items():
                    _plain(table).to_excel(excel, sheet_name=name[:31], index=False)
            written.append(workbook)
        except OSError as exc:
            raise InputError(f"cannot export the tables: {exc.strerror}", file=str(folder)) from exc
        return written

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{escape(s)}</li>" for s in self.summary.sentences())
        return f"<ul>{items}</ul><p>{len(self.figures)} figures, {len(self.tables)} tables</p>"


def _plain(table: pd.DataFrame) -> pd.DataFrame:
    """A copy safe to open in Excel: time zones dropped from datetimes (the values are UTC),
    and text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR)
    prefixed with an apostrophe: history text comes from outside and is not trusted."""
    import pandas as pd

    out = table.copy()
    for column in out.columns:
        values = out[column]
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            out[column] = values.dt.tz_localize(None)
        elif pd.api.types.is_string_dtype(values) or isinstance(values.dtype, pd.CategoricalDtype):
            text = values.astype("str")
            risky = text.str.match(_FORMULA_START, na=False)
            out[column] = text.where(~risky, "'" + text) if risky.any() else values
    return out


def filter_period(history: Any, since: Any = None, until: Any = None) -> pd.DataFrame:
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


def report_tables(frame: pd.DataFrame, anomalies: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The report's tables, by name (what ``--export-dir`` writes)."""
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
        "repeat_customers": repeat_customers(frame, min_escalations=2),
        "anomalies": anomalies,
    }


def build_report(
    history: Any,
    *,
    since: Any = None,
    until: Any = None,
    theme: str = "light",
    freq: str = "W",
    title: str = "Escalation report",
) -> Report:
    """Build the report of ``history`` (a frame or a ledger) for escalations created in
    ``[since, until)``."""
    template_name(theme)  # refuse a bad theme before any work
    full = as_history(history)
    frame = filter_period(full, since, until)
    anomalies = weekly_anomalies(frame) if not frame.empty else _no_anomalies()
    summary = summarize(frame, anomalies=anomalies)
    figures = main_figures(frame, freq=freq, theme=theme, backlog_from=full)
    tables = report_tables(frame, anomalies)
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


def _meta_line(summary: Summary, since: Any, until: Any) -> str:
    parts = [f"from {_bound_text(since)}"] if since is not None else []
    parts += [f"before {_bound_text(until)}"] if until is not None else []
    span = "Escalations created " + " and ".join(parts) if parts else "All escalations"
    return f"{span} · {summary.total:,} escalations"


def _bound_text(value: Any) -> str:
    import pandas as pd

    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.strftime("%Y-%m-%d %H:%M UTC")


def write_report(history: Any, out: str | Path, **options: Any) -> Report:
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
    return f'<div class="figure">{body}</div>'


def _table_html(name: str, table: pd.DataFrame) -> str:
    shown = _readable(table.head(TABLE_ROWS))
    note = ""
    if len(table) > TABLE_ROWS:
        note = f"<p class='meta'>First {TABLE_ROWS} of {len(table):,} rows; export has all.</p>"
    body = shown.to_html(
        index=False, escape=True, border=0, na_rep="", float_format="{:.2f}".format
    )
    if table.empty:
        body = "<p class='meta'>None.</p>"
    title = escape(_TABLE_TITLES.get(name, name))
    return f"<h3>{title}</h3>{note}<div class='scroll'>{body}</div>"


def _readable(table: pd.DataFrame) -> pd.DataFrame:
    """Category ids as labels and datetimes as UTC text, for people."""
    import pandas as pd

    out = table.copy()
    for column in out.columns:
        if column in ("category", "top_category"):
            out[column] = out[column].astype(str).map(category_label)
        elif isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = out[column].dt.strftime("%Y-%m-%d %H:%M")
    return out


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
