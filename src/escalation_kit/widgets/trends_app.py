"""TrendsApp: the escalation trends of a history, filtered by period, category and region."""

from __future__ import annotations

import html
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from escalation_kit.analytics.figures import main_figures
from escalation_kit.analytics.metrics import HistorySource, as_history
from escalation_kit.analytics.palette import CATEGORY_LABELS
from escalation_kit.analytics.report import build_report, filter_period
from escalation_kit.analytics.summary import summarize
from escalation_kit.errors import EscalationKitError
from escalation_kit.widgets import _html
from escalation_kit.widgets._figures import show_figures
from escalation_kit.widgets._imports import ipywidgets

if TYPE_CHECKING:
    import plotly.graph_objects as go

FREQ_OPTIONS = [("day", "D"), ("week", "W"), ("month", "M")]
LABEL = {"description_width": "7em"}  # every label the same width, none cut off
ROW = {"align_items": "center", "flex_flow": "row wrap"}


class TrendsApp:
    """A thin view over :mod:`escalation_kit.analytics`: every change re-renders the figures.

    ``history`` is a validated history frame (``load_history(...).accepted``) or a ledger.
    ``.value`` is the filtered frame; ``.figures`` the figures last drawn, by name.
    """

    def __init__(
        self,
        history: HistorySource,
        *,
        freq: str = "W",
        theme: str = "light",
        report_path: str | Path = "out/report.html",
    ) -> None:

        w = ipywidgets()
        self.history = as_history(history)
        first, last = _date_span(self.history)
        narrow = {"width": "19em"}  # the label and a whole date (mm/dd/yyyy and its button)
        self.since = w.DatePicker(value=first, description="From", style=LABEL, layout=narrow)
        self.until = w.DatePicker(value=last, description="To", style=LABEL, layout=narrow)
        self.freq = w.Dropdown(
            options=FREQ_OPTIONS, value=freq, description="Per", style=LABEL, layout=narrow
        )
        self.categories = _multi(w, self.history["category"], "Categories")
        self.regions = _multi(w, self.history["region"], "Regions")
        # buttons in one row, as tall as the inputs beside them
        self.theme = w.ToggleButtons(
            options=["light", "dark"],
            value=theme,
            description="Theme",
            style={**LABEL, "button_width": "5.5em"},
            layout={"width": "auto", "display": "flex", "flex_flow": "row nowrap"},
        )
        self.summary = w.HTML()
        self.output = w.Output()
        self.report_path = w.Text(
            value=str(report_path), description="Report", style=LABEL, layout={"width": "32em"}
        )
        self.write = w.Button(description="Write HTML report")  # no icon: its font is online
        self.status = w.HTML()
        self.figures: dict[str, go.Figure] = {}
        controls = (self.since, self.until, self.freq, self.categories, self.regions, self.theme)
        for control in controls:
            control.observe(self._render, names="value")
        self.write.on_click(self._write_report)
        self.widget = w.VBox(
            [
                w.HBox([self.since, self.until, self.freq, self.theme], layout=ROW),
                w.HBox([self.categories, self.regions], layout=ROW),
                self.summary,
                self.output,
                w.HBox([self.report_path, self.write, self.status], layout=ROW),
            ]
        )
        self._render()

    def _scoped(self) -> pd.DataFrame:
        """The history of the chosen categories and regions, every period (for the backlog)."""
        frame = self.history
        keep = frame["category"].astype(str).isin(self.categories.value)
        keep &= frame["region"].astype(str).isin(self.regions.value)
        return frame[keep].reset_index(drop=True)

    def _bounds(self) -> tuple[date | None, date | None]:
        """``[since, until)``: the To date is included, so the bound is the next day."""
        until = self.until.value + timedelta(days=1) if self.until.value else None
        return self.since.value, until

    @property
    def value(self) -> pd.DataFrame:
        """The escalations in the chosen period, categories and regions."""

        since, until = self._bounds()
        return filter_period(self._scoped(), since, until)

    def _render(self, _change: Any = None) -> None:

        try:
            frame = self.value
            sentences = summarize(frame).sentences()
            self.figures = (
                {}
                if frame.empty
                else main_figures(
                    frame, freq=self.freq.value, theme=self.theme.value, backlog_from=self._scoped()
                )
            )
        except EscalationKitError as exc:
            self.summary.value = _html.message(str(exc), ok=False)
            self.figures = {}
        else:
            items = "".join(f"<li>{html.escape(s)}</li>" for s in sentences)
            self.summary.value = f"<ul>{items}</ul>"
        show_figures(self.output, self.figures.values())

    def _write_report(self, _button: Any = None) -> None:
        """Write the HTML report of the current selection to the path in the Report box."""

        since, until = self._bounds()
        try:
            report = build_report(
                self._scoped(),
                since=since,
                until=until,
                theme=self.theme.value,
                freq=self.freq.value,
            )
            path = report.write(self.report_path.value.strip())
        except EscalationKitError as exc:
            self.status.value = _html.message(str(exc), ok=False)
            return
        self.status.value = _html.message(f"wrote {path}")

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def _date_span(history: pd.DataFrame) -> tuple[date | None, date | None]:
    """The first and last creation dates (UTC), or None for an empty history."""
    if history.empty:
        return None, None
    created = history["created_at"]
    return created.min().date(), created.max().date()


def _multi(w: Any, column: pd.Series, description: str) -> Any:
    """A multi-select of the column's values present in the data, all selected."""
    present = set(column.astype(str).unique())
    categorical = isinstance(column.dtype, pd.CategoricalDtype)
    order = [str(c) for c in column.cat.categories] if categorical else sorted(present)
    options = [value for value in order if value in present]
    return w.SelectMultiple(
        options=[(_option_label(value), value) for value in options],
        value=options,
        rows=min(max(len(options), 2), 7),
        description=description,
        style=LABEL,
        layout={"width": "26em"},
    )


def _option_label(value: str) -> str:
    """A category id as its label ("regional_multi_tenant" → "Regional multi-tenant")."""
    return CATEGORY_LABELS.get(value, value)
