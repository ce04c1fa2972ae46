"""Writes to Partner Center (notes, closing) through an outbox: never twice, never unasked.

A write is recorded in the ledger with its ``MS-RequestId`` *before* it is sent, and marked
applied after. A crash, a timeout or a kill in between leaves it ``pending``; the next flush
re-sends it with the same ``MS-RequestId``, which Partner Center treats as the same write.

Nothing reaches Microsoft without the analyst's explicit choice: a write the toolkit suggests
(e.g. "two more tenants joined") is only ``proposed``; :func:`flush_outbox` sends pending
writes (and approves proposed ones) only with ``confirm=True``.

States: ``proposed`` → ``pending`` → ``applied`` | ``failed``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Literal

from sqlalchemy import Connection

from escalation_kit.errors import InvalidTransition, PartnerCenterError
from escalation_kit.escalation.partner_center import PartnerCenterClient
from escalation_kit.escalation.service_request import ServiceRequest
from escalation_kit.ledger import Ledger
from escalation_kit.ledger import escalations as sql
from escalation_kit.ledger.types import utc_now

__all__ = [
    "FlushReport",
    "content_key",
    "flush_outbox",
    "propose_write",
    "queue_write",
]

log = logging.getLogger(__name__)

Kind = Literal["note", "close"]
Sync = Callable[[Ledger, str, ServiceRequest], list[str]]
# Errors that a later retry cannot fix: the write is marked failed instead of pending forever.
PERMANENT_STATUSES = frozenset({400, 401, 403, 404, 409, 417})


@dataclass
class FlushReport:
    """What a flush did: writes sent, still pending (with why), failed for good."""

    applied: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _body(kind: Kind, text: str) -> dict[str, object]:
    body: dict[str, object] = {"NewNote": {"Text": text}}
    if kind == "close":
        body["Status"] = "closed"
    return body


def _record(
    ledger: Ledger,
    conn: Connection,
    *,
    escalation_id: str,
    kind: Kind,
    text: str,
    state: str,
) -> sql.OutboxEntry:
    # Locked (PostgreSQL): two processes queueing the same note take turns, so one finds the
    # other's row. SQLite's write transaction already serializes them.
    record = sql.get_escalation(conn, escalation_id, for_update=True)
    if record is None:
        raise InvalidTransition(f"no escalation {escalation_id} in the ledger")
    if not record.service_request_id:
        raise InvalidTransition(
            f"{escalation_id} is not linked to a Partner Center request yet; file it and run "
            "`escalation-kit track` (or `escalation-kit link`) first"
        )
    if not text.strip():
        raise InvalidTransition(f"{escalation_id}: a note cannot be empty")
    body = _body(kind, text.strip())
    key = content_key(kind, text)
    waiting = _waiting(conn, record.service_request_id, key)
    if waiting is not None:
        return waiting  # the same write is already waiting or sent: never queue it twice
    entry = sql.OutboxEntry(
        request_id=str(uuid.uuid4()),
        service_request_id=record.service_request_id,
        escalation_id=escalation_id,
        kind=kind,
        body=body,
        state=state,
        created_at=utc_now(),
        applied_at=None,
        created_by=ledger.actor,
        content_key=key,
    )
    sql.insert_outbox(conn, asdict(entry))
    ledger.append_event(
        conn,
        entity="escalation",
        entity_id=escalation_id,
        action="write_proposed" if state == "proposed" else "write_queued",
        detail={"request_id": entry.request_id, "kind": kind},
    )
    return entry


def content_key(kind: str, text: str) -> str:
    """A write's identity: its kind and its text with whitespace collapsed, hashed.

    (Migration 0002 keeps a frozen copy of this to fill the key of older rows.)
    """
    payload = json.dumps([kind, " ".join(text.split())], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _waiting(conn: Connection, service_request_id: str, key: str) -> sql.OutboxEntry | None:
    """The same write (same kind and content) already waiting or sent for the request.

    Applied writes count too: re-running ``note ... --yes`` after a crash (or twice) must not
    send the note again. Only a write that failed for good may be queued anew.
    """
    for entry in sql.outbox_by_content(conn, service_request_id, key):
        if entry.state != "failed":
            return entry
    return None


def queue_write(
    ledger: Ledger, escalation_id: str, text: str, *, kind: Kind = "note"
) -> sql.OutboxEntry:
    """Record a note (or a closing note) the analyst chose to send; sent by the next flush."""
    with ledger.transaction("queue a Partner Center write") as conn:
        return _record(
            ledger, conn, escalation_id=escalation_id, kind=kind, text=text, state="pending"
        )


def propose_write(
    ledger: Ledger, conn: Connection, escalation_id: str, text: str
) -> sql.OutboxEntry:
    """Suggest a note inside the caller's transaction; it waits for the analyst's approval."""
    return _record(
        ledger, conn, escalation_id=escalation_id, kind="note", text=text, state="proposed"
    )


def _approve_proposed(ledger: Ledger) -> None:
    with ledger.transaction("approve proposed writes") as conn:
        for entry in sql.list_outbox(conn, state="proposed"):
            sql.set_outbox_state(conn, entry.request_id, old="proposed", new="pending")
            ledger.append_event(
                conn,
                entity="escalation",
                entity_id=entry.escalation_id or "",
                action="write_approved",
                detail={"request_id": entry.request_id, "kind": entry.kind},
            )


def flush_outbox(
    ledger: Ledger,
    client: PartnerCenterClient,
    *,
    confirm: bool,
    approve_proposed: bool = False,
    sync: Sync | None = None,
) -> FlushReport:
    """Send every pending write — only when ``confirm`` (and proposed ones if approved).

    Without ``confirm`` nothing is sent; the report lists what is waiting. ``sync`` records
    the request returned by Partner Center (tracking passes its own sync function).
    """
    report = FlushReport()
    if not confirm:
        with ledger.reading("read the outbox") as conn:
            waiting = sql.list_outbox(conn, state="pending") + sql.list_outbox(
                conn, state="proposed"
            )
        report.pending = [entry.request_id for entry in waiting]
        return report
    if approve_proposed:
        _approve_proposed(ledger)
    with ledger.reading("read the outbox") as conn:
        pending = sql.list_outbox(conn, state="pending")
    for entry in pending:
        _send_one(ledger, client, entry, report, sync)
    return report


def _send_one(
    ledger: Ledger,
    client: PartnerCenterClient,
    entry: sql.OutboxEntry,
    report: FlushReport,
    sync: Sync | None,
) -> None:
    try:
        result = client.update(
            entry.service_request_id, dict(entry.body), request_id=entry.request_id
        )
    except PartnerCenterError as exc:
        permanent = exc.status_code in PERMANENT_STATUSES and not exc.throttled
        report.errors.append(f"{entry.escalation_id} ({entry.kind}): {exc}")
        if permanent:
            _finish(ledger, entry, "failed", {"error": str(exc), "status": exc.status_code})
            report.failed.append(entry.request_id)
        else:  # a timeout or an outage: stays pending, re-sent with the same MS-RequestId
            report.pending.append(entry.request_id)
        return
    _finish(ledger, entry, "applied", {})
    report.applied.append(entry.request_id)
    if sync is not None and entry.escalation_id:
        sync(ledger, entry.escalation_id, result)


def _finish(ledger: Ledger, entry: sql.OutboxEntry, state: str, detail: dict[str, object]) -> None:
    with ledger.transaction("record a Partner Center write") as conn:
        applied_at = utc_now() if state == "applied" else None
        if sql.mark_outbox(conn, entry.request_id, state=state, applied_at=applied_at):
            ledger.append_event(
                conn,
                entity="escalation",
                entity_id=entry.escalation_id or "",
                action="write_applied" if state == "applied" else "write_failed",
                detail={"request_id": entry.request_id, "kind": entry.kind, **detail},
            )
