"""The SQL of the escalation workflow: escalations, ticket links, tracked requests, outbox, notices.

Every function runs on the caller's connection (inside :meth:`Ledger.transaction`), so a state
change and its event commit together. Inserts that must be idempotent under races use
``INSERT ... ON CONFLICT DO NOTHING`` (SQLite and PostgreSQL) and report whether they inserted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self

from sqlalchemy import Connection, Row, Table, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from escalation_kit.ledger.limits import check_values
from escalation_kit.ledger.schema import (
    escalation_links,
    escalations,
    incident_reports,
    notices,
    outbox,
    service_requests,
    tickets,
)

__all__ = [
    "EscalationRecord",
    "NoticeRecord",
    "OutboxEntry",
    "escalation_by_key",
    "escalation_by_service_request",
    "escalation_by_tag",
    "get_escalation",
    "incident_report",
    "insert_escalation",
    "insert_incident_report",
    "insert_notice",
    "insert_outbox",
    "link_ticket",
    "linked_tickets",
    "list_escalations",
    "list_notices",
    "list_outbox",
    "mark_notice_sent",
    "mark_outbox",
    "outbox_by_content",
    "outbox_has_text",
    "service_request_row",
    "set_outbox_state",
    "tag_taken",
    "ticket_row",
    "ticket_text",
    "unlink_tickets",
    "update_escalation",
    "upsert_service_request",
]

OPEN_STATUSES = ("draft", "open", "attention_needed")


class _Record:
    """A record whose fields are the columns of the same names in a row."""

    __slots__ = ()

    @classmethod
    def from_row(cls, row: Row[Any]) -> Self:
        names: tuple[str, ...] = cls.__slots__  # a slotted dataclass: its fields
        return cls(**{name: getattr(row, name) for name in names})


@dataclass(frozen=True, slots=True)
class EscalationRecord(_Record):
    """One row of ``escalations``."""

    escalation_id: str
    content_key: str
    tracking_tag: str
    category: str
    severity: str
    status: str
    title: str
    service: str
    region: str
    tenant_id: str
    country: str | None
    cluster_id: str
    package: Mapping[str, Any] | None
    service_request_id: str | None
    created_at: datetime
    updated_at: datetime
    filed_at: datetime | None
    resolved_at: datetime | None
    customer_notified_at: datetime | None


@dataclass(frozen=True, slots=True)
class OutboxEntry(_Record):
    """A write to Partner Center, recorded before it is sent."""

    request_id: str
    service_request_id: str
    escalation_id: str | None
    kind: str
    body: Mapping[str, Any]
    state: str
    created_at: datetime
    applied_at: datetime | None
    created_by: str
    content_key: str | None = None  # the write's kind and text, hashed (see outbox.py)


@dataclass(frozen=True, slots=True)
class NoticeRecord(_Record):
    """A customer notice, drafted and (once the analyst confirms) sent."""

    notice_id: str
    escalation_id: str | None
    ticket_id: str
    tenant_id: str
    language: str
    subject: str
    text: str
    html: str
    drafted_at: datetime
    sent_at: datetime | None
    sent_by: str | None


def _insert_ignoring_conflicts(conn: Connection, table: Table, values: Mapping[str, Any]) -> bool:
    """``INSERT ... ON CONFLICT DO NOTHING``; True when the row was inserted."""
    check_values(values, table, what=f"{table.name} row")
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(table)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(*table.primary_key.columns)  # rowcount is -1 here with psycopg 3
    )
    return conn.execute(statement).first() is not None


# -- escalations ---------------------------------------------------------------------------


def insert_escalation(conn: Connection, values: Mapping[str, Any]) -> bool:
    """Insert a draft unless its content key (or tag) exists; True when inserted."""
    return _insert_ignoring_conflicts(conn, escalations, values)


def escalation_by_key(conn: Connection, content_key: str) -> EscalationRecord | None:
    row = conn.execute(select(escalations).where(escalations.c.content_key == content_key)).first()
    return EscalationRecord.from_row(row) if row else None


def escalation_by_tag(conn: Connection, tag: str) -> EscalationRecord | None:
    row = conn.execute(select(escalations).where(escalations.c.tracking_tag == tag.upper())).first()
    return EscalationRecord.from_row(row) if row else None


def escalation_by_service_request(
    conn: Connection, service_request_id: str
) -> EscalationRecord | None:
    row = conn.execute(
        select(escalations).where(escalations.c.service_request_id == service_request_id)
    ).first()
    return EscalationRecord.from_row(row) if row else None


def tag_taken(conn: Connection, tag: str, content_key: str) -> bool:
    """True when ``tag`` belongs to a different problem."""
    found = escalation_by_tag(conn, tag)
    return found is not None and found.content_key != content_key


def get_escalation(
    conn: Connection, escalation_id: str, *, for_update: bool = False
) -> EscalationRecord | None:
    """One escalation; ``for_update`` locks its row until the transaction ends (PostgreSQL)."""
    query = select(escalations).where(escalations.c.escalation_id == escalation_id)
    if for_update:
        query = query.with_for_update()  # SQLite ignores it: its writers are serialized
    row = conn.execute(query).first()
    return EscalationRecord.from_row(row) if row else None


def list_escalations(
    conn: Connection,
    *,
    statuses: Iterable[str] | None = None,
    service: str | None = None,
    region: str | None = None,
    category: str | None = None,
) -> list[EscalationRecord]:
    """Escalations matching every filter given, oldest first (imported history excluded)."""
    query = select(escalations).where(~escalations.c.content_key.startswith("history:"))
    if statuses is not None:
        query = query.where(escalations.c.status.in_(list(statuses)))
    for column, value in (("service", service), ("region", region), ("category", category)):
        if value is not None:
            query = query.where(escalations.c[column] == value)
    query = query.order_by(escalations.c.created_at, escalations.c.escalation_id)
    return [EscalationRecord.from_row(row) for row in conn.execute(query)]


def update_escalation(conn: Connection, escalation_id: str, **values: Any) -> None:
    """Set columns of one escalation (the caller records the matching event)."""
    check_values(values, escalations, what=f"escalation {escalation_id}")
    conn.execute(
        update(escalations).where(escalations.c.escalation_id == escalation_id).values(**values)
    )


# -- ticket links --------------------------------------------------------------------------


def link_ticket(
    conn: Connection, *, escalation_id: str, ticket_id: str, tenant_id: str, at: datetime
) -> bool:
    """Link a ticket to an escalation; False when the ticket was already linked (anywhere)."""
    values = {
        "escalation_id": escalation_id,
        "ticket_id": ticket_id,
        "tenant_id": tenant_id,
        "linked_at": at,
    }
    return _insert_ignoring_conflicts(conn, escalation_links, values)


def unlink_tickets(conn: Connection, escalation_id: str, ticket_ids: Iterable[str]) -> int:
    """Remove tickets from an escalation (a withdrawn draft); returns how many were linked."""
    ids = list(ticket_ids)
    if not ids:
        return 0
    result = conn.execute(
        delete(escalation_links).where(
            escalation_links.c.escalation_id == escalation_id,
            escalation_links.c.ticket_id.in_(ids),
        )
    )
    return int(result.rowcount or 0)


def linked_tickets(conn: Connection, escalation_id: str | None = None) -> dict[str, str]:
    """``ticket_id -> escalation_id`` for one escalation, or for all when ``None``."""
    query = select(escalation_links.c.ticket_id, escalation_links.c.escalation_id)
    if escalation_id is not None:
        query = query.where(escalation_links.c.escalation_id == escalation_id)
    return {row.ticket_id: row.escalation_id for row in conn.execute(query)}


# -- tracked service requests --------------------------------------------------------------


def service_request_row(conn: Connection, service_request_id: str) -> Row[Any] | None:
    return conn.execute(
        select(service_requests).where(service_requests.c.service_request_id == service_request_id)
    ).first()


def upsert_service_request(conn: Connection, values: Mapping[str, Any]) -> None:
    """Insert or replace the last known state of a request."""
    key = values["service_request_id"]
    check_values(values, service_requests, what=f"request {key}")
    if service_request_row(conn, key) is None:
        conn.execute(service_requests.insert().values(**values))
    else:
        conn.execute(
            update(service_requests)
            .where(service_requests.c.service_request_id == key)
            .values(**values)
        )


# -- outbox --------------------------------------------------------------------------------


def insert_outbox(conn: Connection, values: Mapping[str, Any]) -> None:
    check_values(values, outbox, what="outbox entry")
    conn.execute(outbox.insert().values(**values))


def list_outbox(
    conn: Connection, *, state: str | None = None, service_request_id: str | None = None
) -> list[OutboxEntry]:
    """Outbox entries, oldest first."""
    query = select(outbox).order_by(outbox.c.created_at, outbox.c.request_id)
    if state is not None:
        query = query.where(outbox.c.state == state)
    if service_request_id is not None:
        query = query.where(outbox.c.service_request_id == service_request_id)
    return [OutboxEntry.from_row(row) for row in conn.execute(query)]


def outbox_by_content(
    conn: Connection, service_request_id: str, content_key: str
) -> list[OutboxEntry]:
    """Entries of the request with this content key, oldest first."""
    query = (
        select(outbox)
        .where(
            outbox.c.service_request_id == service_request_id,
            outbox.c.content_key == content_key,
        )
        .order_by(outbox.c.created_at, outbox.c.request_id)
    )
    return [OutboxEntry.from_row(row) for row in conn.execute(query)]


def set_outbox_state(conn: Connection, request_id: str, *, old: str, new: str) -> bool:
    """Move an entry from ``old`` to ``new`` state; False when it was not in ``old``."""
    result = conn.execute(
        update(outbox)
        .where(outbox.c.request_id == request_id, outbox.c.state == old)
        .values(state=new)
    )
    return result.rowcount == 1


def mark_outbox(
    conn: Connection, request_id: str, *, state: str, applied_at: datetime | None = None
) -> bool:
    """Move a pending entry to ``state``; False when it was not pending (already handled)."""
    result = conn.execute(
        update(outbox)
        .where(outbox.c.request_id == request_id, outbox.c.state == "pending")
        .values(state=state, applied_at=applied_at)
    )
    return result.rowcount == 1


def outbox_has_text(conn: Connection, service_request_id: str, text: str) -> bool:
    """True when a note with exactly ``text`` was queued for the request (and did not fail)."""
    for entry in list_outbox(conn, service_request_id=service_request_id):
        note = entry.body.get("NewNote") or {}
        if entry.state != "failed" and isinstance(note, Mapping) and note.get("Text") == text:
            return True
    return False


# -- notices -------------------------------------------------------------------------------


def insert_notice(conn: Connection, values: Mapping[str, Any]) -> bool:
    """Insert a drafted notice unless one with its id exists; True when inserted."""
    return _insert_ignoring_conflicts(conn, notices, values)


def list_notices(
    conn: Connection, *, escalation_id: str | None = None, unsent_only: bool = False
) -> list[NoticeRecord]:
    query = select(notices).order_by(notices.c.drafted_at, notices.c.notice_id)
    if escalation_id is not None:
        query = query.where(notices.c.escalation_id == escalation_id)
    if unsent_only:
        query = query.where(notices.c.sent_at.is_(None))
    return [NoticeRecord.from_row(row) for row in conn.execute(query)]


def insert_incident_report(conn: Connection, values: Mapping[str, Any]) -> bool:
    """Store a post-incident review; False when it was already stored."""
    return _insert_ignoring_conflicts(conn, incident_reports, values)


def incident_report(conn: Connection, tenant_id: str, issue_id: str) -> Row[Any] | None:
    """The stored post-incident review of one tenant's issue, if any."""
    return conn.execute(
        select(incident_reports).where(
            incident_reports.c.tenant_id == tenant_id, incident_reports.c.issue_id == issue_id
        )
    ).first()


def ticket_row(conn: Connection, ticket_id: str) -> Row[Any] | None:
    """A ticket as the ledger keeps it (customer name, country, text), if it was stored."""
    return conn.execute(select(tickets).where(tickets.c.ticket_id == ticket_id)).first()


def ticket_text(conn: Connection, ticket_id: str) -> str | None:
    """A ticket's title and description from the ledger's tickets, if it was imported."""
    row = conn.execute(
        select(tickets.c.title, tickets.c.description).where(tickets.c.ticket_id == ticket_id)
    ).first()
    return f"{row.title}\n{row.description}" if row else None


def mark_notice_sent(conn: Connection, notice_id: str, *, at: datetime, by: str) -> bool:
    """Record that the analyst sent a notice; False when unknown or already sent."""
    result = conn.execute(
        update(notices)
        .where(notices.c.notice_id == notice_id, notices.c.sent_at.is_(None))
        .values(sent_at=at, sent_by=by)
    )
    return result.rowcount == 1
