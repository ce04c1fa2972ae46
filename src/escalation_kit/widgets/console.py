"""The standalone console: the triage queue and the health panel, from files or the ledger.

``escalation-kit app`` serves a one-cell notebook that calls :func:`console_from_environment`;
the command passes its options as ``ESCALATION_KIT_APP_*`` variables. With ticket files, the
tickets are read, triaged (health first when a snapshot is given) and recorded in the ledger,
and the ledger's overrides count; without, the queue is the ledger's tickets and decisions.
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from escalation_kit.errors import EscalationKitError, InputError
from escalation_kit.health import load_snapshot
from escalation_kit.intake import read_customers, read_tickets
from escalation_kit.ledger import Ledger
from escalation_kit.triage.engine import triage_tickets
from escalation_kit.widgets import _actions
from escalation_kit.widgets._imports import ipywidgets
from escalation_kit.widgets.health_panel import HealthPanel
from escalation_kit.widgets.triage_app import TriageApp

if TYPE_CHECKING:
    from escalation_kit.health.snapshot import HealthSnapshot

__all__ = ["ENV", "Console", "console_from_environment", "show_console"]

ENV = {
    "tickets": "ESCALATION_KIT_APP_TICKETS",
    "customers": "ESCALATION_KIT_APP_CUSTOMERS",
    "health": "ESCALATION_KIT_APP_HEALTH",
    "out": "ESCALATION_KIT_APP_OUT",
}


class Console:
    """Tabs: *Queue* (:class:`TriageApp`) and *Health* (:class:`HealthPanel`)."""

    def __init__(self, triage: TriageApp, health: HealthPanel, *, title: str = "") -> None:
        w = ipywidgets()
        self.triage, self.health = triage, health
        self.tabs = w.Tab(children=[triage.widget, health.widget])
        self.tabs.set_title(0, "Queue")
        self.tabs.set_title(1, "Health")
        heading = w.HTML("<h2 style='margin:4px 0'>Escalation kit · triage console</h2>")
        note = w.HTML(f"<small>{title}</small>") if title else w.HTML()
        self.widget = w.VBox([heading, note, self.tabs], layout={"width": "100%"})

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def console_from_environment(environ: Mapping[str, str] | None = None) -> Console:
    """Build the console from ``ESCALATION_KIT_APP_*`` (files) or from the ledger."""
    env = os.environ if environ is None else environ
    paths = {key: env.get(name, "") for key, name in ENV.items()}
    out = Path(paths["out"] or "out")
    ledger = Ledger()
    health: HealthSnapshot | None = None
    if paths["tickets"]:
        decisions, tickets, customers, health, rejected = _from_files(ledger, paths)
        source = f"{len(decisions)} tickets from {Path(paths['tickets']).name}"
    else:
        decisions, tickets = ledger.decisions(), ledger.tickets()
        customers, rejected = ledger.customers(), 0
        if decisions.empty:
            raise InputError(
                "the ledger has no triage decisions: give --tickets (and --customers, --health)",
                field="tickets",
            )
        source = f"{len(decisions)} tickets from the ledger"
    result: Any = decisions
    triage = TriageApp(result, tickets, ledger=ledger, health=health, out_dir=out / "packages")
    triage.rejected = rejected
    triage._summarise()
    panel = HealthPanel(customers[["tenant_id", "name"]], ledger=ledger)
    return Console(triage, panel, title=f"{source} · ledger {ledger.url}")


def _from_files(
    ledger: Ledger, paths: Mapping[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, HealthSnapshot | None, int]:

    customers = read_customers(Path(paths["customers"])) if paths["customers"] else None
    accepted_customers = customers.accepted if customers is not None else None
    tickets = read_tickets(Path(paths["tickets"]), customers=accepted_customers)
    health = load_snapshot(Path(paths["health"])) if paths["health"] else None
    result = triage_tickets(tickets.accepted, accepted_customers, health=health)
    if accepted_customers is not None:
        ledger.upsert_customers(accepted_customers, progress=False)
    result.record(ledger)
    effective = ledger.decisions(ticket_ids=result.decisions["ticket_id"])
    overridden = effective.loc[effective["override_category"].fillna("") != "", "ticket_id"]
    decisions = _actions.with_effective(result.decisions, ledger, list(overridden))
    customer_frame = (
        accepted_customers
        if accepted_customers is not None
        else tickets.accepted[["tenant_id", "customer_name"]]
        .drop_duplicates("tenant_id")
        .rename(columns={"customer_name": "name"})
    )
    return decisions, tickets.accepted, customer_frame, health, len(tickets.rejected)


def show_console(environ: Mapping[str, str] | None = None) -> Console | None:
    """Display the console (the app's one cell); a bad input shows its message, not a traceback."""
    from IPython.display import HTML, display

    try:
        console = console_from_environment(environ)
    except EscalationKitError as exc:
        display(HTML(f"<p style='color:#cf222e'>error: {html.escape(str(exc))}</p>"))
        return None
    display(console)
    return console
