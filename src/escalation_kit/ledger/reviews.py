"""Review state: which decisions an analyst has looked at, by whom and when.

Kept in the event log (no new table): accepting a decision is a ``decision_accepted`` event on
the ticket; an override (``Ledger.override_decision``) is already a ``decision_overridden``
event. A ticket's review is its latest such event.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from escalation_kit.errors import InputError
from escalation_kit.ledger import decisions as _decisions
from escalation_kit.ledger.core import Ledger
from escalation_kit.ledger.events import select_events

__all__ = ["REVIEW_ACTIONS", "REVIEW_COLUMNS", "accept_decisions", "review_states"]

ACCEPTED, OVERRIDDEN = "decision_accepted", "decision_overridden"
REVIEW_ACTIONS = {ACCEPTED: "accepted", OVERRIDDEN: "overridden"}
REVIEW_COLUMNS = ["ticket_id", "review", "reviewed_by", "reviewed_at"]


def accept_decisions(ledger: Ledger, ticket_ids: Iterable[str], *, actor: str) -> list[str]:
    """Record that ``actor`` accepted each ticket's effective decision; returns the ticket ids.

    All are recorded together or none. A ticket without a recorded decision is refused.
    """
    who = actor.strip()
    if not who:
        raise InputError("an accepted decision needs the analyst's name", field="analyst")
    wanted = list(dict.fromkeys(str(t) for t in ticket_ids))
    if not wanted:
        return []
    with ledger.transaction("accept decisions") as conn:
        effective = _decisions.select_effective(conn, wanted).set_index("ticket_id")
        missing = [t for t in wanted if t not in effective.index]
        if missing:
            raise InputError(
                f"no triage decision recorded for {', '.join(missing[:5])}", field="ticket_id"
            )
        for ticket_id in wanted:
            row = effective.loc[ticket_id]
            ledger.append_event(
                conn,
                entity="ticket",
                entity_id=ticket_id,
                action=ACCEPTED,
                detail={"category": str(row["category"]), "run_id": str(row["run_id"])},
                actor=who,
            )
    return wanted


def review_states(ledger: Ledger) -> pd.DataFrame:
    """Each reviewed ticket's latest review (``accepted``/``overridden``), who and when (UTC)."""
    with ledger.reading("read review states") as conn:
        events = [
            event
            for action in REVIEW_ACTIONS
            for event in select_events(conn, entity="ticket", action=action)
        ]
    events.sort(key=lambda e: e.id)
    latest = {e.entity_id: e for e in events}
    frame = pd.DataFrame(
        [
            {
                "ticket_id": e.entity_id,
                "review": REVIEW_ACTIONS[e.action],
                "reviewed_by": e.actor,
                "reviewed_at": e.at,
            }
            for e in latest.values()
        ],
        columns=REVIEW_COLUMNS,
    )
    frame["reviewed_at"] = pd.to_datetime(frame["reviewed_at"], utc=True)
    return frame
