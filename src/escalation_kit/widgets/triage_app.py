"""TriageApp: the analyst's triage console — a keyboard-first queue, review, and actions in place.

The queue (:mod:`escalation_kit.widgets.queue`) is a sortable, filterable grid of every ticket,
newest first, drawn as real table cells (:class:`~escalation_kit.widgets._anywidgets.QueueGrid`).
Review state (accepted / overridden, by whom, when) lives in the ledger; the actions (draft the
filing package, link a filed request, add a note, draft the customer notice) call the library.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from escalation_kit.config import Settings
from escalation_kit.errors import EscalationKitError
from escalation_kit.escalation.overrides import record_override
from escalation_kit.models import Category
from escalation_kit.widgets import _actions, _html
from escalation_kit.widgets._imports import ipywidgets
from escalation_kit.widgets.queue import (
    STATUSES,
    VIEWS,
    Filters,
    filter_queue,
    grid_rows,
    queue_frame,
    sort_queue,
)

if TYPE_CHECKING:
    from escalation_kit.health.snapshot import HealthSnapshot
    from escalation_kit.ledger import Ledger
    from escalation_kit.triage.engine import TriageResult

ALL = ""
KEYS_HELP = (
    "Keys in the queue: <b>j</b>/<b>k</b> or arrows move · <b>x</b>/space select · "
    "<b>a</b> accept · <b>o</b> override · <b>e</b> draft the package · <b>Enter</b> open"
)


class TriageApp:
    """The triage console over a triage run (``TriageResult`` or a decisions frame).

    ``tickets`` (intake's accepted frame) gives titles, descriptions, customers and times;
    ``ledger`` holds review state and enables the actions (the run must be recorded there);
    ``analyst`` defaults to ``ESCALATION_KIT_ANALYST`` and is otherwise asked once;
    ``health`` adds documented-issue candidates; packages are written under ``out_dir``.
    """

    def __init__(
        self,
        result: TriageResult | pd.DataFrame,
        tickets: pd.DataFrame | None = None,
        *,
        ledger: Ledger | None = None,
        analyst: str | None = None,
        health: HealthSnapshot | None = None,
        out_dir: str | Path = "out/packages",
    ) -> None:
        from escalation_kit.widgets._anywidgets import CopyText, QueueGrid

        w = ipywidgets()
        self.result = result
        decisions = result if isinstance(result, pd.DataFrame) else result.decisions
        self.rejected = 0 if isinstance(result, pd.DataFrame) else len(result.rejected)
        self.decisions = decisions.reset_index(drop=True)
        if tickets is None and ledger is not None:
            tickets = ledger.tickets(self.decisions["ticket_id"])
        self.tickets = tickets
        self.ledger, self.health, self.out_dir = ledger, health, Path(out_dir)
        self.messages: dict[str, str] = {}  # ticket id -> its last message (HTML)
        self.escalations: dict[str, Any] = {}
        self.queue = pd.DataFrame()
        name = analyst if analyst is not None else Settings.from_env().analyst
        self.analyst = w.Text(value=name, placeholder="your name", description="Analyst")

        # filters
        self.view = w.ToggleButtons(options=VIEWS, value=VIEWS[0], description="View")
        self.category = self._choice(w, "Category", self.decisions.get("category"))
        self.service = self._choice(w, "Service", self.decisions.get("service"))
        self.region = self._choice(w, "Region", self.decisions.get("region"))
        self.severity = self._choice(w, "Severity", self.decisions.get("severity"))
        self.status_filter = w.Dropdown(
            options=[("(all)", ALL), *[(s, s) for s in STATUSES]], value=ALL, description="Status"
        )
        self.search = w.Text(placeholder="title, description or customer", description="Search")
        self.grid = QueueGrid()

        # review
        categories = [c.value for c in Category]
        self.override_category = w.Dropdown(options=categories, description="Category")
        self.reason = w.Text(placeholder="why the category is wrong", description="Reason")
        self.accept = w.Button(description="Accept (a)", button_style="success", icon="check")
        self.record = w.Button(description="Override (o)", button_style="warning")
        self.summary = w.HTML()
        self.status = w.HTML()  # the current ticket's message
        self.bulk_status = w.HTML()

        # detail and actions
        self.detail = w.HTML()
        self.draft = w.Button(description="Draft package (e)", icon="file-text")
        self.package = CopyText(label="Filing package")
        self.request_id = w.Text(placeholder="Partner Center request id", description="Request")
        self.link = w.Button(description="Link request")
        self.note = w.Textarea(placeholder="note for Microsoft", layout={"width": "40em"})
        self.confirm_note = w.Checkbox(
            value=False, description="I confirm: send this note to Microsoft on the next track"
        )
        self.add_note = w.Button(description="Add note")
        self.draft_notice = w.Button(description="Draft customer notice")
        self.notice = CopyText(label="Customer notice")
        self.tabs = w.Tab(
            children=[
                self.detail,
                w.VBox([self.draft, self.package, w.HBox([self.request_id, self.link])]),
                w.VBox([self.note, self.confirm_note, self.add_note]),
                w.VBox([self.draft_notice, self.notice]),
            ]
        )
        for index, title in enumerate(["Detail", "Package", "Note", "Notice"]):
            self.tabs.set_title(index, title)

        for control in (
            self.view,
            self.category,
            self.service,
            self.region,
            self.severity,
            self.status_filter,
            self.search,
        ):
            control.observe(self._refresh, names="value")
        self.grid.observe(self._resort, names=["sort_by", "sort_desc"])
        self.grid.observe(self._show_current, names="cursor")
        self.grid.observe(self._show_selection, names="selected")
        self.grid.on_action(self._key)
        self.accept.on_click(lambda _b: self.accept_targets())
        self.record.on_click(lambda _b: self.override_targets())
        self.draft.on_click(lambda _b: self.draft_package())
        self.link.on_click(lambda _b: self.link_request())
        self.add_note.on_click(lambda _b: self.queue_note())
        self.draft_notice.on_click(lambda _b: self.compose_notice())
        for button in (self.accept, self.record, self.draft, self.link, self.add_note):
            button.disabled = ledger is None
        self.reason.observe(self._reason_changed, names="value")
        self._reason_changed()

        self.widget = w.VBox(
            [
                self.summary,
                self.view,
                w.HBox([self.category, self.service, self.region]),
                w.HBox([self.severity, self.status_filter, self.search]),
                w.HTML(f"<small>{KEYS_HELP}</small>"),
                self.grid,
                w.HBox([self.analyst, self.accept]),
                w.HBox([self.override_category, self.reason, self.record]),
                self.bulk_status,
                self.status,
                self.tabs,
            ],
            layout={"width": "100%"},
        )
        self.widget.add_class("ek-triage-console")
        for control, name in (
            (self.view, "ek-view"),
            (self.search, "ek-search"),
            (self.analyst, "ek-analyst"),
            (self.override_category, "ek-override-category"),
            (self.reason, "ek-reason"),
            (self.accept, "ek-accept"),
            (self.record, "ek-override"),
            (self.status, "ek-status"),
            (self.bulk_status, "ek-bulk-status"),
            (self.detail, "ek-detail-pane"),
            (self.draft, "ek-draft"),
            (self.tabs, "ek-tabs"),
        ):
            control.add_class(name)
        self._reload()

    @staticmethod
    def _choice(w: Any, description: str, column: pd.Series | None) -> Any:
        values = [] if column is None else sorted(set(column.dropna().astype(str)) - {""})
        options = [("(all)", ALL), *[(v, v) for v in values]]
        return w.Dropdown(options=options, value=ALL, description=description)

    # -- the queue -----------------------------------------------------------------------------

    @property
    def filters(self) -> Filters:
        return Filters(
            view=self.view.value,
            category=self.category.value,
            service=self.service.value,
            region=self.region.value,
            severity=self.severity.value,
            status=self.status_filter.value,
            search=self.search.value,
            analyst=self.analyst.value,
        )

    @property
    def value(self) -> pd.DataFrame:
        """The queue rows shown (after every filter), in the grid's order."""
        shown = filter_queue(self.queue, self.filters)
        return sort_queue(shown, self.grid.sort_by, descending=self.grid.sort_desc)

    @property
    def current(self) -> str | None:
        """The ticket under the cursor (None when the queue shown is empty)."""
        return self.grid.cursor or None

    def _reload(self) -> None:
        """Read review and escalation state from the ledger and redraw the queue."""
        reviews = None
        if self.ledger is not None:
            reviews = _actions.reviews(self.ledger)
            self.escalations = _actions.escalations_by_ticket(self.ledger)
        states = {t: _actions.escalation_state(r) for t, r in self.escalations.items()}
        self.queue = queue_frame(
            self.decisions, self.tickets, reviews=reviews, escalation_status=states
        )
        self._refresh()

    def _refresh(self, _change: Any = None) -> None:
        shown = self.value
        ids = list(shown["ticket_id"])
        self.grid.rows = grid_rows(shown)
        self.grid.selected = [t for t in self.grid.selected if t in set(ids)]
        total = len(self.queue)
        self.grid.caption = f"{len(ids)} of {total} tickets shown"
        if self.grid.cursor not in set(ids):
            self.grid.cursor = ids[0] if ids else ""
        else:
            self._show_current()
        self._summarise()

    def _resort(self, _change: Any = None) -> None:
        self.grid.rows = grid_rows(self.value)

    def _summarise(self) -> None:
        queue = self.queue
        counts = queue["status"].value_counts() if len(queue) else pd.Series(dtype=int)
        parts = [f"{int(counts.get(s, 0))} {s}" for s in STATUSES]
        review = (
            int((queue["needs_review"] & (queue["status"] == "new")).sum()) if len(queue) else 0
        )
        escalate = int(queue["escalate"].sum()) if len(queue) else 0
        self.summary.value = (
            f"<b>{len(queue)} tickets</b> ({self.rejected} rejected at intake): "
            + html.escape(", ".join(parts))
            + f" · {escalate} to escalate · {review} need review"
        )

    def _reason_changed(self, _change: Any = None) -> None:
        """Override is possible once there is a reason (and a ledger)."""
        self.record.disabled = self.ledger is None or not self.reason.value.strip()

    def _show_selection(self, _change: Any = None) -> None:
        count = len(self.grid.selected)
        self.accept.description = f"Accept {count} selected (a)" if count else "Accept (a)"
        self.record.description = f"Override {count} selected (o)" if count else "Override (o)"

    def _show_current(self, _change: Any = None) -> None:
        ticket_id = self.current
        self.status.value = self.messages.get(ticket_id or "", "")
        self.reason.value = ""
        self.package.text, self.notice.text = "", ""
        if ticket_id is None or ticket_id not in set(self.queue["ticket_id"]):
            self.detail.value = ""
            return
        row = self._row(ticket_id)
        if row["category"] in self.override_category.options:
            self.override_category.value = row["category"]
        self.detail.value = _actions.detail_html(
            ticket_id,
            row,
            self.queue,
            health=self.health,
            escalation=self.escalations.get(ticket_id),
        )

    def _row(self, ticket_id: str) -> pd.Series:
        """The queue row of one ticket."""
        return self.queue.loc[self.queue["ticket_id"] == ticket_id].iloc[0]

    def _say(self, ticket_id: str, text: str, *, ok: bool = True) -> None:
        """A message that belongs to ``ticket_id``: shown with that ticket only."""
        self.messages[ticket_id] = _html.message(text, ok=ok)
        if ticket_id == self.current:
            self.status.value = self.messages[ticket_id]

    def _targets(self) -> list[str]:
        """The selected tickets, or the current one when none is selected."""
        if self.grid.selected:
            order = list(self.queue["ticket_id"])
            chosen = set(self.grid.selected)
            return [t for t in order if t in chosen]
        return [self.current] if self.current else []

    def _key(self, action: str, ticket_id: str) -> None:
        if ticket_id and ticket_id != self.grid.cursor:
            self.grid.cursor = ticket_id
        if action == "accept":
            self.accept_targets()
        elif action == "override":
            if self.reason.value.strip():
                self.override_targets()
            else:
                self.reason.focus()
        elif action == "escalate":
            self.draft_package()
        elif action == "open":
            self.tabs.selected_index = 0

    def _analyst(self, ticket_id: str) -> str | None:
        name = self.analyst.value.strip()
        if not name:
            message = (
                "enter your name in Analyst first (asked once; ESCALATION_KIT_ANALYST sets it)"
            )
            self._say(ticket_id, message, ok=False)
            self.bulk_status.value = _html.message(message, ok=False)
            self.analyst.focus()
            return None
        return name

    # -- review ------------------------------------------------------------------------------

    def accept_targets(self) -> list[str]:
        """Accept the selected decisions (or the current one); returns the ticket ids."""
        targets = self._targets()
        if not targets:
            return []
        if self.ledger is None:
            self._say(targets[0], "accepting needs a ledger", ok=False)
            return []
        who = self._analyst(targets[0])
        if who is None:
            return []
        try:
            accepted = _actions.accept(self.ledger, targets, actor=who)
        except EscalationKitError as exc:
            self._say(targets[0], str(exc), ok=False)
            return []
        for ticket_id in accepted:
            self._say(ticket_id, f"{ticket_id}: decision accepted by {who}")
        self.grid.selected = []
        self._reload()
        bulk = f"accepted {len(accepted)} decision(s)" if len(accepted) > 1 else ""
        self.bulk_status.value = _html.message(bulk) if bulk else ""
        self.grid.focus_grid()  # back to the queue: the next key acts there
        return accepted

    def override_targets(self) -> list[str]:
        """Record the chosen category with the reason for the selected tickets (or the current)."""
        targets = self._targets()
        if not targets:
            self.status.value = _html.message("choose a ticket first", ok=False)
            return []
        if self.ledger is None:
            self._say(targets[0], "overriding needs a ledger", ok=False)
            return []
        who = self._analyst(targets[0])
        if who is None:
            return []
        reason = self.reason.value.strip()
        if not reason:
            self._say(targets[0], "an override needs a reason", ok=False)
            self.reason.focus()
            return []
        category = self.override_category.value
        try:  # the CLI's rule: severity and next step recomputed, drafts withdrawn
            done = [
                (t, record_override(self.ledger, t, category=category, reason=reason, actor=who))
                for t in targets
            ]
        except EscalationKitError as exc:
            self._say(targets[0], str(exc), ok=False)
            return []
        changed = [t for t, _ in done]
        self.decisions = _actions.with_effective(self.decisions, self.ledger, changed)
        for ticket_id, outcome in done:
            withdrawn = "; its draft was withdrawn" if outcome.withdrawals else ""
            self._say(
                ticket_id,
                f"{ticket_id}: override to {category} recorded (decision {outcome.decision_id}); "
                f"the automatic decision is kept{withdrawn}",
            )
        self.grid.selected = []
        self._reload()
        bulk = f"overrode {len(changed)} ticket(s) to {category}" if len(changed) > 1 else ""
        self.bulk_status.value = _html.message(bulk) if bulk else ""
        self.reason.value = ""
        self.grid.focus_grid()
        return changed

    def reviewed_decisions(self) -> pd.DataFrame:
        """The decisions reviewed in the console (accepted or overridden), as triage rows with
        the analyst's category: what the notebook drafts packages from."""
        return _actions.reviewed_rows(self.decisions, self.queue, self.queue["ticket_id"])

    # -- actions in place ------------------------------------------------------------------------

    def draft_package(self) -> str:
        """Draft (or redraft) the current ticket's filing package; returns its text."""
        ticket_id = self.current
        if ticket_id is None or self.ledger is None:
            return ""
        try:
            package = _actions.draft_for(
                self.ledger,
                ticket_id,
                self.decisions,
                self.queue,
                self.tickets,
                self.out_dir,
                health_checked_at=self.health.fetched_at if self.health is not None else None,
            )
        except EscalationKitError as exc:
            self._say(ticket_id, str(exc), ok=False)
            self.tabs.selected_index = 1
            return ""
        from escalation_kit.escalation.render import render_text

        text = render_text(package)
        self._reload()
        self.grid.cursor = ticket_id
        self.package.text = text
        self.package.filename = f"{package.package_id}.txt"
        self.package.label = f"{package.package_id} ({package.tracking_tag})"
        self._say(ticket_id, f"{ticket_id}: package {package.package_id} drafted in {self.out_dir}")
        self.tabs.selected_index = 1
        return text

    def link_request(self) -> None:
        ticket_id, request = self.current, self.request_id.value.strip()
        if ticket_id is None or self.ledger is None:
            return
        try:
            escalation_id = _actions.escalation_id_for(self.escalations, ticket_id)
            _actions.link_request(self.ledger, escalation_id, request)
        except EscalationKitError as exc:
            self._say(ticket_id, str(exc), ok=False)
            return
        self._reload()
        self.grid.cursor = ticket_id
        self._say(ticket_id, f"{ticket_id}: {escalation_id} linked to request {request}")
        self.request_id.value = ""

    def queue_note(self) -> None:
        ticket_id = self.current
        if ticket_id is None or self.ledger is None:
            return
        if not self.confirm_note.value:
            self._say(ticket_id, "tick the confirmation to add the note", ok=False)
            return
        try:
            escalation_id = _actions.escalation_id_for(self.escalations, ticket_id)
            _actions.queue_note(self.ledger, escalation_id, self.note.value)
        except EscalationKitError as exc:
            self._say(ticket_id, str(exc), ok=False)
            return
        self._say(
            ticket_id,
            f"{ticket_id}: note queued for {escalation_id}; `escalation-kit track --yes` sends it",
        )
        self.note.value, self.confirm_note.value = "", False

    def compose_notice(self) -> str:
        """Draft the customer notice for the current ticket (not sent); returns its text."""
        ticket_id = self.current
        if ticket_id is None:
            return ""
        row = self._row(ticket_id)
        draft = _actions.notice_for(ticket_id, row, self.escalations.get(ticket_id))
        self.notice.text = f"Subject: {draft.subject}\n\n{draft.text}"
        self.notice.filename = f"notice-{ticket_id}.txt"
        self.tabs.selected_index = 3
        return self.notice.text

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
