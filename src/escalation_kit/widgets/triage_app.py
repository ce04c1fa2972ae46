"""TriageApp: browse a triage run, read each decision's reasons, record an analyst override."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from escalation_kit.errors import EscalationKitError
from escalation_kit.escalation.overrides import record_override
from escalation_kit.models import Category
from escalation_kit.widgets import _html
from escalation_kit.widgets._imports import ipywidgets

if TYPE_CHECKING:
    from escalation_kit.ledger import Ledger
    from escalation_kit.triage.engine import TriageResult

ALL = "(all)"


class TriageApp:
    """A thin view over a :class:`TriageResult`; overrides go to the ledger, never elsewhere.

    ``tickets`` (the accepted intake frame) supplies each ticket's title and description for the
    detail pane; ``ledger`` enables the override form (the run must be recorded there).
    """

    def __init__(
        self,
        result: TriageResult,
        tickets: pd.DataFrame | None = None,
        *,
        ledger: Ledger | None = None,
        analyst: str = "",
    ) -> None:
        w = ipywidgets()
        self.result = result
        self.tickets = tickets.set_index("ticket_id") if tickets is not None else None
        self.ledger = ledger
        categories = [c.value for c in Category]
        self.category = w.Dropdown(options=[ALL, *categories], value=ALL, description="Category")
        self.search = w.Text(placeholder="words in title or reasons", description="Search")
        self.ticket = w.Select(options=[], rows=12, description="Ticket", layout={"width": "32em"})
        self.summary = w.HTML()
        self.detail = w.HTML()
        self.override_category = w.Dropdown(options=categories, description="New category")
        self.analyst = w.Text(value=analyst, description="Analyst")
        self.reason = w.Textarea(placeholder="why the category is wrong", description="Reason")
        self.record = w.Button(description="Record override", button_style="warning")
        self.status = w.HTML()
        self.record.disabled = ledger is None
        self.category.observe(self._refresh, names="value")
        self.search.observe(self._refresh, names="value")
        self.ticket.observe(self._show_detail, names="value")
        self.record.on_click(self._record_override)
        override = w.VBox(
            [self.override_category, self.analyst, self.reason, self.record, self.status]
        )
        self.widget = w.VBox(
            [
                self.summary,
                w.HBox([self.category, self.search]),
                w.HBox([self.ticket, w.VBox([self.detail, override])]),
            ]
        )
        self._refresh()

    @property
    def value(self) -> pd.DataFrame:
        """The decisions currently listed (after the category filter and the search)."""
        frame = self.result.decisions
        if self.category.value != ALL:
            frame = frame[frame["category"] == self.category.value]
        words = self.search.value.strip().lower()
        if words:
            text = frame["reasons"].str.lower() + " " + frame["ticket_id"].str.lower()
            if self.tickets is not None:
                titles = self.tickets["title"].reindex(frame["ticket_id"]).fillna("")
                text = text + " " + titles.str.lower().to_numpy()
            frame = frame[text.str.contains(words, regex=False)]
        return frame

    def _refresh(self, _change: Any = None) -> None:
        shown = self.value
        counts = self.result.decisions["category"].value_counts()
        self.summary.value = (
            f"<b>{len(self.result.decisions)} tickets triaged</b>, "
            f"{int(self.result.decisions['escalate'].sum())} to escalate, "
            f"{len(self.result.rejected)} rejected at intake"
            + _html.table(counts.rename_axis("category").reset_index(name="tickets"))
        )
        self.ticket.options = [
            (f"{row.ticket_id} · {row.category}", row.ticket_id) for row in shown.itertuples()
        ]

    def _show_detail(self, _change: Any = None) -> None:
        ticket_id = self.ticket.value
        if ticket_id is None:
            self.detail.value = ""
            return
        row = self.result.decisions.set_index("ticket_id").loc[ticket_id]
        items: dict[str, object] = {"ticket": ticket_id}
        if self.tickets is not None and ticket_id in self.tickets.index:
            source = self.tickets.loc[ticket_id]
            items |= {"title": source["title"], "description": source["description"]}
        items |= {k: row[k] for k in ("category", "region", "service", "severity", "confidence")}
        items |= {
            "documented issue": row["matched_issue_id"],
            "cluster": row["cluster_id"],
            "reasons": row["reasons"],
            "next step": row["recommended_action"],
        }
        self.detail.value = _html.definition_list(items)

    def _record_override(self, _button: Any = None) -> None:
        if self.ledger is None or self.ticket.value is None:
            self.status.value = _html.message("choose a ticket first", ok=False)
            return
        try:  # the same rule as the CLI: severity/next step recomputed, drafts withdrawn
            outcome = record_override(
                self.ledger,
                self.ticket.value,
                category=self.override_category.value,
                reason=self.reason.value,
                actor=self.analyst.value,
            )
        except EscalationKitError as exc:
            self.status.value = _html.message(str(exc), ok=False)
            return
        notes = "; ".join(outcome.describe()[1:])
        self.status.value = _html.message(
            f"override recorded (decision {outcome.decision_id}); the automatic decision is kept"
            + (f"; {notes}" if notes else "")
        )
        self.reason.value = ""

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
