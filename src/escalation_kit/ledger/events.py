"""The append-only event log: who did what to which record, and when.

There is deliberately no update or delete here: a correction is a new event.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Connection, Row, insert, select

from escalation_kit.errors import LedgerError
from escalation_kit.ledger.schema import events as events_table
from escalation_kit.ledger.types import utc_now

__all__ = ["Event", "insert_event", "select_events"]


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of the event log."""

    id: int
    at: datetime
    actor: str
    entity: str
    entity_id: str
    action: str
    detail: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: Row[Any]) -> Event:
        return cls(
            id=row.id,
            at=row.at,
            actor=row.actor,
            entity=row.entity,
            entity_id=row.entity_id,
            action=row.action,
            detail=dict(row.detail or {}),
        )


def insert_event(
    conn: Connection,
    *,
    entity: str,
    entity_id: str,
    action: str,
    detail: Mapping[str, Any],
    actor: str,
) -> int:
    """Write one event on ``conn`` (the caller's transaction) and return its id."""
    if not entity or not action:
        raise LedgerError("an event needs an entity and an action")
    result = conn.execute(
        insert(events_table)
        .values(
            at=utc_now(),
            actor=actor,
            entity=entity,
            entity_id=str(entity_id),
            action=action,
            detail=_jsonable(detail),
        )
        .returning(events_table.c.id)
    )
    return int(result.scalar_one())


def _jsonable(detail: Mapping[str, Any]) -> dict[str, Any]:
    """``detail`` as plain JSON values: datetimes as ISO 8601 text, enums as their values."""
    try:
        return dict(json.loads(json.dumps(dict(detail), default=_encode)))
    except (TypeError, ValueError) as err:
        raise LedgerError(f"an event's detail must be JSON-serializable: {err}") from err


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON-serializable")


def select_events(
    conn: Connection,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    action: str | None = None,
) -> list[Event]:
    """Events matching every filter given, oldest first."""
    query = select(events_table).order_by(events_table.c.id)
    if entity is not None:
        query = query.where(events_table.c.entity == entity)
    if entity_id is not None:
        query = query.where(events_table.c.entity_id == str(entity_id))
    if action is not None:
        query = query.where(events_table.c.action == action)
    return [Event.from_row(row) for row in conn.execute(query)]
