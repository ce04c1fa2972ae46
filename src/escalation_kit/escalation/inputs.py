"""Escalation's inputs: the triage output (read and validated by intake, the one parser of that
file) as :class:`TriageDecision` records, and intake's tickets as :class:`Ticket` records.

Escalation trusts no file: an unknown category, a bad severity or a missing ticket id is an
:class:`InputError` naming the file, the row (1 = header) and the field.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import pandas as pd

from escalation_kit.intake.triage_output import (
    TRIAGE_COLUMNS,
    decisions_from_frame,
    read_triage_output,
)
from escalation_kit.models import Region, Ticket

__all__ = ["TRIAGE_COLUMNS", "decisions_from_frame", "read_triage_output", "tickets_from_frame"]

_NA = pd.NA


def tickets_from_frame(frame: pd.DataFrame) -> dict[str, Ticket]:
    """Tickets from intake's accepted frame (contract columns, plus region/normalized service)."""
    tickets: dict[str, Ticket] = {}
    for row in frame.to_dict("records"):
        reported: Any = row.get("reported_at")  # intake's accepted rows always hold it
        if isinstance(reported, pd.Timestamp):
            reported = reported.to_pydatetime()
        elif isinstance(reported, str):
            reported = datetime.fromisoformat(reported)
        users: Any = row.get("users_affected")
        ticket = Ticket(
            ticket_id=str(row["ticket_id"]),
            tenant_id=str(row["tenant_id"]),
            title=str(row.get("title") or ""),
            reported_at=reported,
            customer_name=_clean(row.get("customer_name")),
            country=_clean(row.get("country")) or None,
            service=_clean(row.get("service")),
            description=_clean(row.get("description")),
            users_affected=None if _missing(users) else int(users),
            region=_region(row.get("region")),
            normalized_service=_clean(row.get("normalized_service")) or None,
        )
        tickets[ticket.ticket_id] = ticket
    return tickets


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is _NA


def _clean(value: object) -> str:
    return "" if _missing(value) else str(value).strip()


def _region(value: object) -> Region:
    try:
        return Region(_clean(value))
    except ValueError:
        return Region.UNKNOWN
