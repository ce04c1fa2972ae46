"""Triage decisions in the ledger: recorded per run, overridden by analysts, never changed.

An automatic decision is one row per (ticket, run): recording a run again inserts nothing. An
analyst's override is a new row (``is_override``) pointing at the automatic decision it
overrides. The *effective* decision of a ticket is its latest override, else its latest
automatic decision.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Select, false, func, insert, select, true
from sqlalchemy.dialects import postgresql, sqlite

from escalation_kit.errors import InputError, LedgerError
from escalation_kit.intake.triage_output import validate_triage_output
from escalation_kit.ledger._frames import chunks, frame_records, rows_frame, table_frame
from escalation_kit.ledger.limits import check_frame
from escalation_kit.ledger.records import BATCH_SIZE, write_batch
from escalation_kit.ledger.schema import triage_decisions as decisions_table
from escalation_kit.ledger.types import utc_now
from escalation_kit.models import ID_LENGTH, TRIAGE_OUTPUT_COLUMNS, Category, Severity

__all__ = [
    "DECISION_COLUMNS",
    "EFFECTIVE_COLUMNS",
    "Override",
    "check_decisions",
    "decision_rows",
    "insert_decisions",
    "insert_override",
    "select_decision_rows",
    "select_effective",
]

# The triage output contract's columns the ledger stores, in its order. ``health_checked`` and
# ``needs_review`` describe one triage run's inputs, not the decision: they stay in its output.
RUN_ONLY_COLUMNS = ("health_checked", "needs_review")
DECISION_COLUMNS = [c for c in TRIAGE_OUTPUT_COLUMNS if c not in RUN_ONLY_COLUMNS]
EFFECTIVE_COLUMNS = [
    *DECISION_COLUMNS,
    "run_id",
    "decided_at",
    "decided_by",
    "automatic_category",
    "override_category",
    "overridden_by",
    "override_reason",
]
_SOURCE = "<decisions frame>"


def decision_rows(frame: pd.DataFrame, *, run_id: str, actor: str) -> list[dict[str, Any]]:
    """Validated ledger rows for a triage output frame (one run)."""
    if not run_id or len(run_id) > ID_LENGTH:
        raise InputError(f"run_id must be 1 to {ID_LENGTH} characters", field="run_id")
    frame = validate_triage_output(frame, source=_SOURCE)  # the one validator of this contract
    check_frame(frame, decisions_table, source=_SOURCE)
    frame["run_id"], frame["decided_at"], frame["decided_by"] = run_id, utc_now(), actor
    frame["is_override"], frame["override_reason"] = False, ""
    columns = [
        *DECISION_COLUMNS,
        "run_id",
        "decided_at",
        "decided_by",
        "is_override",
        "override_reason",
    ]
    return frame_records(frame, columns)


def check_decisions(frame: pd.DataFrame) -> None:
    """Raise :class:`InputError` for anything the ledger would refuse in ``frame``.

    Call it before writing the decisions anywhere else (triage's CSV), so a run that cannot
    be recorded fails before any file is written.
    """
    decision_rows(frame, run_id="check", actor="check")


def insert_decisions(conn: Connection, rows: Sequence[dict[str, Any]], *, run_id: str) -> int:
    """Insert the rows not already recorded for ``run_id``; returns how many were new."""
    automatic = decisions_table.c.is_override == false()
    query = select(decisions_table.c.ticket_id).where(automatic, decisions_table.c.run_id == run_id)
    known = set(conn.execute(query).scalars())
    new = [row for row in rows if row["ticket_id"] not in known]
    dialect_insert = sqlite.insert if conn.dialect.name == "sqlite" else postgresql.insert
    # A concurrent recording of the same run is absorbed by the partial unique index.
    stmt = dialect_insert(decisions_table).on_conflict_do_nothing(
        index_elements=["ticket_id", "run_id"], index_where=automatic
    )
    pg_conflict = "(ticket_id, run_id) WHERE is_override = false DO NOTHING"
    for batch in chunks(new, BATCH_SIZE):
        write_batch(conn, stmt, decisions_table, batch, pg_conflict=pg_conflict)
    return len(new)


@dataclass(frozen=True, slots=True)
class Override:
    """An analyst's category for a ticket, as asked: checked when it is recorded."""

    ticket_id: str
    category: str
    reason: str
    actor: str
    severity: str | None = None  # default: the automatic decision's, else moderate
    recommended_action: str | None = None  # default: the automatic decision's


def insert_override(conn: Connection, override: Override) -> tuple[int, dict[str, Any]]:
    """Add an override of the latest automatic decision; returns (new id, the automatic row)."""
    chosen = _valid_category(override.category)
    reason, actor = override.reason.strip(), override.actor.strip()
    if not reason:
        raise InputError("an override needs a reason (why the category is wrong)", field="reason")
    if not actor:
        raise InputError("an override needs the analyst's name", field="actor")
    automatic = _latest_automatic(conn, override.ticket_id)
    row = {name: automatic[name] for name in DECISION_COLUMNS}
    action = override.recommended_action
    row.update(
        category=chosen.value,
        escalate=chosen.escalate,
        severity=_override_severity(chosen, override.severity, automatic["severity"]),
        confidence=1.0,
        reasons=f"analyst override: {reason}",
        recommended_action=action.strip() if action else automatic["recommended_action"],
        run_id=automatic["run_id"],
        decided_at=utc_now(),
        decided_by=actor,
        is_override=True,
        overrides_id=automatic["id"],
        override_reason=reason,
    )
    new_id = conn.execute(insert(decisions_table).values(row).returning(decisions_table.c.id))
    return int(new_id.scalar_one()), automatic


def _valid_category(category: str) -> Category:
    try:
        return Category(category)
    except ValueError:
        expected = ", ".join(c.value for c in Category)
        raise InputError(
            f"unknown category {category!r}; expected one of {expected}", field="category"
        ) from None


def _override_severity(chosen: Category, given: str | None, automatic: str) -> str:
    if not chosen.escalate:
        return ""
    value = given or automatic or Severity.MODERATE.value
    try:
        return Severity(value).value
    except ValueError:
        raise InputError(f"unknown severity {value!r}", field="severity") from None


def _latest_automatic(conn: Connection, ticket_id: str) -> dict[str, Any]:
    query = (
        select(decisions_table)
        .where(decisions_table.c.ticket_id == ticket_id, decisions_table.c.is_override == false())
        .order_by(decisions_table.c.id.desc())
        .limit(1)
    )
    found = conn.execute(query).mappings().first()
    if found is None:
        raise LedgerError(
            f"no triage decision is recorded for ticket {ticket_id!r}: "
            "check the ticket id, or triage the ticket first"
        )
    return dict(found)


def _effective_query() -> Select[Any]:
    auto, over = decisions_table.alias("auto"), decisions_table.alias("over")
    latest_auto = (
        select(func.max(decisions_table.c.id).label("id"))
        .where(decisions_table.c.is_override == false())
        .group_by(decisions_table.c.ticket_id)
        .subquery()
    )
    latest_over = (
        select(decisions_table.c.ticket_id, func.max(decisions_table.c.id).label("id"))
        .where(decisions_table.c.is_override == true())
        .group_by(decisions_table.c.ticket_id)
        .subquery()
    )
    chosen = [
        func.coalesce(over.c[name], auto.c[name]).label(name)
        for name in [*DECISION_COLUMNS[1:], "run_id", "decided_at", "decided_by"]
    ]
    return (
        select(
            auto.c.ticket_id,
            *chosen,
            auto.c.category.label("automatic_category"),
            func.coalesce(over.c.category, "").label("override_category"),
            func.coalesce(over.c.decided_by, "").label("overridden_by"),
            func.coalesce(over.c.override_reason, "").label("override_reason"),
            auto.c.id.label("_order"),
        )
        .join(latest_auto, auto.c.id == latest_auto.c.id)
        .outerjoin(latest_over, latest_over.c.ticket_id == auto.c.ticket_id)
        .outerjoin(over, over.c.id == latest_over.c.id)
        .order_by(auto.c.id)
    )


def select_effective(conn: Connection, ticket_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Each ticket's effective decision, in the order the automatic decisions were recorded."""
    query = _effective_query()
    rows = _rows_for(conn, query, query.selected_columns.ticket_id, ticket_ids)
    frame = rows_frame(rows, [*EFFECTIVE_COLUMNS, "_order"], datetimes=["decided_at"])
    frame = frame.sort_values("_order", kind="stable").drop(columns="_order")
    return _typed(frame.reset_index(drop=True))


def select_decision_rows(conn: Connection, ticket_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Every decision row, automatic and override, in the order they were recorded."""
    query = select(decisions_table).order_by(decisions_table.c.id)
    rows = _rows_for(conn, query, decisions_table.c.ticket_id, ticket_ids)
    frame = table_frame(rows, decisions_table)
    frame = frame.sort_values("id", kind="stable").reset_index(drop=True)
    frame["is_override"] = frame["is_override"].astype(bool)
    return _typed(frame.rename(columns={"id": "decision_id"}))


def _rows_for(
    conn: Connection, query: Select[Any], key: Any, ticket_ids: Iterable[str] | None
) -> list[Any]:
    if ticket_ids is None:
        return list(conn.execute(query).all())
    rows: list[Any] = []
    for batch in chunks(list(dict.fromkeys(str(t) for t in ticket_ids)), BATCH_SIZE):
        rows.extend(conn.execute(query.where(key.in_(batch))).all())
    return rows


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame["escalate"] = frame["escalate"].astype(bool)
    frame["confidence"] = frame["confidence"].astype(float)
    return frame
