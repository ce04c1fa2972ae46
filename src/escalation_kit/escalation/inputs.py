"""Reading the triage output CSV (contract columns) into :class:`TriageDecision` records.

Escalation trusts no file: an unknown category, a bad severity or a missing ticket id is an
:class:`InputError` naming the file, the row (1 = header) and the field.
"""

from __future__ import annotations

import csv
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from escalation_kit.errors import InputError, MissingColumnsError
from escalation_kit.models import (
    TRIAGE_OUTPUT_COLUMNS,
    Category,
    Region,
    Severity,
    Ticket,
    TriageDecision,
)

__all__ = ["TRIAGE_COLUMNS", "decisions_from_frame", "read_triage_output", "tickets_from_frame"]

_NA = pd.NA

TRIAGE_COLUMNS = TRIAGE_OUTPUT_COLUMNS
REQUIRED = ("ticket_id", "category", "cluster_id", "region", "service", "severity")


def read_triage_output(path: str | Path) -> list[TriageDecision]:
    """Every row of a triage output file, in file order."""
    source = str(path)
    try:
        with Path(path).open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
            if missing:
                raise MissingColumnsError(
                    f"missing column(s) {', '.join(missing)}; expected the triage output "
                    f"columns {', '.join(TRIAGE_COLUMNS)}",
                    file=source,
                )
            return [_decision(row, number, source) for number, row in enumerate(reader, start=2)]
    except FileNotFoundError as exc:
        raise InputError("file not found", file=source) from exc
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"cannot read the triage output: {exc}", file=source) from exc


def decisions_from_frame(frame: Any, *, source: str = "ledger") -> list[TriageDecision]:
    """Decisions from a frame with the triage output columns (e.g. ``Ledger.decisions()``)."""
    return [
        _decision({k: _clean(v) for k, v in row.items()}, number, source)
        for number, row in enumerate(frame.to_dict("records"), start=1)
    ]


def _decision(row: dict[str, Any], number: int, source: str) -> TriageDecision:
    def text(name: str) -> str:
        return (row.get(name) or "").strip()

    ticket_id = text("ticket_id")
    if not ticket_id:
        raise InputError("ticket_id is empty", file=source, row=number, field="ticket_id")
    try:
        category = Category(text("category"))
    except ValueError as exc:
        known = ", ".join(c.value for c in Category)
        raise InputError(
            f"unknown category {text('category')!r} (one of {known})",
            file=source,
            row=number,
            field="category",
        ) from exc
    return TriageDecision(
        ticket_id=ticket_id,
        category=category,
        region=text("region") or "Unknown",
        service=text("service"),
        confidence=_confidence(text("confidence"), number, source),
        reasons=text("reasons"),
        recommended_action=text("recommended_action"),
        matched_issue_id=text("matched_issue_id"),
        cluster_id=text("cluster_id"),
        severity=_severity(text("severity"), category, number, source),
        health_checked=_flag(row.get("health_checked"), "health_checked", number, source),
        needs_review=_flag(row.get("needs_review"), "needs_review", number, source),
    )


_FLAGS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False, "": False}


def _flag(raw: Any, name: str, number: int, source: str) -> bool:
    """``true``/``false`` (a missing column or an empty cell is false: not checked, no review)."""
    if isinstance(raw, bool):
        return raw
    value = _FLAGS.get(("" if _missing(raw) else str(raw)).strip().lower())
    if value is None:
        raise InputError(
            f"{name} must be true or false, not {raw!r}", file=source, row=number, field=name
        )
    return value


def _severity(raw: str, category: Category, number: int, source: str) -> Severity | None:
    if not raw:
        return Severity.MODERATE if category.escalate else None
    try:
        severity = Severity(raw.lower())
    except ValueError:
        severity = Severity.UNKNOWN
    if severity is Severity.UNKNOWN:
        raise InputError(
            f"severity must be critical, moderate or minimal, not {raw!r}",
            file=source,
            row=number,
            field="severity",
        )
    return severity


def _confidence(raw: str, number: int, source: str) -> float:
    if not raw:
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise InputError(
            f"confidence must be a number between 0 and 1, not {raw!r}",
            file=source,
            row=number,
            field="confidence",
        )
    return value


def tickets_from_frame(frame: Any) -> dict[str, Ticket]:
    """Tickets from intake's accepted frame (contract columns, plus region/normalized service)."""
    tickets: dict[str, Ticket] = {}
    for row in frame.to_dict("records"):
        reported = row.get("reported_at")
        if hasattr(reported, "to_pydatetime"):
            reported = reported.to_pydatetime()
        elif isinstance(reported, str):
            reported = datetime.fromisoformat(reported)
        users = row.get("users_affected")
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


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is _NA


def _clean(value: Any) -> str:
    return "" if _missing(value) else str(value).strip()


def _region(value: Any) -> Region:
    try:
        return Region(_clean(value))
    except ValueError:
        return Region.UNKNOWN
