"""IncidentApp: investigate a multi-tenant incident, by triage cluster or by service and window."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from escalation_kit.analytics.investigation import investigate
from escalation_kit.errors import EscalationKitError, InputError
from escalation_kit.triage.clusters import cluster_table
from escalation_kit.widgets import _html
from escalation_kit.widgets._figures import show_figures
from escalation_kit.widgets._imports import ipywidgets

if TYPE_CHECKING:
    from escalation_kit.analytics.investigation import Investigation
    from escalation_kit.health.snapshot import HealthSnapshot
    from escalation_kit.ledger import Ledger

CLUSTER, WINDOW = "triage cluster", "service and window"
ALL_REGIONS = "(every region)"
TICKET_COLUMNS = ["reported_at", "ticket_id", "customer_name", "region", "category", "title"]
LABEL = {"description_width": "6.5em"}  # wide enough for "From (UTC)": no label cut off
WIDE = {"width": "min(100%, 60em)"}  # a cluster's label is long: show it whole


class IncidentApp:
    """A thin view over :func:`escalation_kit.analytics.investigate`.

    ``tickets`` is intake's accepted frame and ``decisions`` the triage decisions (their
    ``cluster_id`` fill the cluster list, largest first). ``health`` adds the documented issue,
    ``ledger`` the linked support request. ``.value`` is the current :class:`Investigation`.
    """

    def __init__(
        self,
        tickets: pd.DataFrame,
        decisions: pd.DataFrame,
        *,
        health: HealthSnapshot | None = None,
        ledger: Ledger | None = None,
    ) -> None:
        w = ipywidgets()
        self.tickets, self.decisions = tickets, decisions
        self.health, self.ledger = health, ledger
        self.investigation: Investigation | None = None
        self.mode = w.ToggleButtons(
            options=[CLUSTER, WINDOW],
            value=CLUSTER,
            description="By",
            style={**LABEL, "button_width": "11em"},
        )
        self.cluster = w.Dropdown(
            options=cluster_options(decisions), description="Cluster", style=LABEL, layout=WIDE
        )
        self.service = w.Dropdown(
            options=_sorted_values(decisions["service"]), description="Service", style=LABEL
        )
        regions = [ALL_REGIONS, *_sorted_values(decisions["region"])]
        self.region = w.Dropdown(
            options=regions, value=ALL_REGIONS, description="Region", style=LABEL
        )
        self.start = w.Text(placeholder="2026-11-13 11:00", description="From (UTC)", style=LABEL)
        self.end = w.Text(placeholder="2026-11-13 16:00", description="To (UTC)", style=LABEL)
        self.run = w.Button(description="Investigate", button_style="primary")
        self.view = w.HTML()
        self.markdown = w.Textarea(
            description="Paste", style=LABEL, layout={"width": "min(100%, 60em)", "height": "12em"}
        )
        self.output = w.Output()
        self.run.on_click(self._investigate)
        # picking another cluster (or switching back to clusters) shows it at once; the window
        # mode waits for the button, since its times are typed
        self.cluster.observe(self._cluster_changed, names="value")
        self.mode.observe(self._cluster_changed, names="value")
        self.widget = w.VBox(
            [
                self.mode,
                self.cluster,
                w.HBox([self.service, self.region]),
                w.HBox([self.start, self.end]),
                self.run,
                self.view,
                self.output,
                self.markdown,
            ]
        )
        if self.cluster.options:
            self._investigate()

    @property
    def value(self) -> Investigation | None:
        """The investigation last shown (None before the first, or after an error)."""
        return self.investigation

    def _target(self) -> dict[str, Any]:
        """``investigate``'s cluster_id or window from the controls."""
        if self.mode.value == CLUSTER:
            if not self.cluster.value:
                raise InputError("no cluster to investigate: triage found none", field="cluster_id")
            return {"cluster_id": self.cluster.value}
        start, end = self.start.value.strip(), self.end.value.strip()
        if not start or not end:
            raise InputError("give the window's start and end (UTC)", field="window")
        region = None if self.region.value == ALL_REGIONS else self.region.value
        return {"window": (self.service.value, region, start, end)}

    def _cluster_changed(self, _change: Any = None) -> None:
        if self.mode.value == CLUSTER and self.cluster.value:
            self._investigate()

    def _investigate(self, _button: Any = None) -> None:

        try:
            found = investigate(
                self.tickets,
                self.decisions,
                health=self.health,
                ledger=self.ledger,
                **self._target(),
            )
        except EscalationKitError as exc:
            self.investigation = None
            self.view.value = _html.message(str(exc), ok=False)
            self.markdown.value = ""
            show_figures(self.output, [])
            return
        self.investigation = found
        tickets = found.tickets[TICKET_COLUMNS]
        self.view.value = found._repr_html_() + "<h4>Tickets</h4>" + _html.table(tickets)
        self.markdown.value = found.summary_markdown()
        show_figures(self.output, [found.timeline_figure()])

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def cluster_options(decisions: pd.DataFrame) -> list[tuple[str, str]]:
    """(label, cluster_id) for every cluster, the most tickets first."""
    return [
        (
            f"{row.Index} · {row.category} · {row.service} · {row.region} · {row.tickets} tickets",
            str(row.Index),
        )
        for row in cluster_table(decisions).itertuples()
    ]


def _sorted_values(column: pd.Series) -> list[str]:
    """The column's distinct non-empty values as sorted text."""
    values = column.dropna().astype(str)
    return sorted(set(values[values != ""]))
