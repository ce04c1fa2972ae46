"""Tracking: find the requests analysts filed, link them, and keep their state in the ledger.

:func:`track` searches each customer's request list for titles carrying a draft's tracking
tag (``EK-XXXXX``) and links them (a second request with the same tag is reported as a
possible double filing, never linked); an analyst can also :func:`link` a request by id. Every
linked request is then synced: status and notes go into ``service_requests``, each change is
an event, and the escalation's status follows Microsoft's (open / attention_needed / closed).

Each request is synced in its own transaction and events are written only for differences
from the stored state, so a sync killed half-way and run again neither loses nor repeats
anything. A request's state only moves forward by ``lastModifiedDate``: a reply older than
what the ledger holds (a replayed write's stored response) changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row

from escalation_kit.errors import DuplicateEscalation, InvalidTransition, PartnerCenterError
from escalation_kit.escalation.keys import find_tags
from escalation_kit.escalation.lifecycle import check_transition, status_for
from escalation_kit.escalation.partner_center import PartnerCenterClient
from escalation_kit.escalation.service_request import ServiceRequest, ServiceRequestNote
from escalation_kit.ledger import Ledger
from escalation_kit.ledger import escalations as sql
from escalation_kit.ledger.types import utc_now
from escalation_kit.models import EscalationStatus

__all__ = ["EscalationSummary", "TrackReport", "link", "summaries", "sync_request", "track"]

log = logging.getLogger(__name__)

ACTIVE = ("draft", "open", "attention_needed")


@dataclass
class TrackReport:
    """What one tracking run did."""

    linked: list[tuple[str, str]] = field(default_factory=list)  # (escalation id, SR id)
    synced: list[str] = field(default_factory=list)  # escalation ids
    changes: list[str] = field(default_factory=list)  # human-readable lines
    attention_needed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # e.g. one problem filed twice
    errors: list[str] = field(default_factory=list)


def _note_key(note: ServiceRequestNote | dict[str, Any]) -> tuple[str, str, str]:
    if isinstance(note, ServiceRequestNote):
        note = note.to_dict()
    return (
        str(note.get("createdByName") or ""),
        str(note.get("createdDate") or ""),
        str(note.get("text") or ""),
    )


def link(
    ledger: Ledger,
    escalation_id: str,
    service_request_id: str,
    *,
    client: PartnerCenterClient | None = None,
    how: str = "analyst",
) -> list[str]:
    """Link a filed request to an escalation; with a client, check it exists first and sync it."""
    sr = client.get_service_request(service_request_id) if client is not None else None
    with ledger.transaction("link a service request") as conn:
        _link_in(ledger, conn, escalation_id, service_request_id, how=how)
    return [] if sr is None else sync_request(ledger, escalation_id, sr)


def _link_in(ledger: Ledger, conn: Connection, escalation_id: str, sr_id: str, *, how: str) -> bool:
    record = sql.get_escalation(conn, escalation_id)
    if record is None:
        raise InvalidTransition(f"no escalation {escalation_id} in the ledger")
    if record.service_request_id == sr_id:
        return False
    if record.service_request_id:
        raise InvalidTransition(
            f"{escalation_id} is already linked to request {record.service_request_id}"
        )
    owner = sql.escalation_by_service_request(conn, sr_id)
    if owner is not None:
        raise DuplicateEscalation(f"request {sr_id} is already linked to {owner.escalation_id}")
    check_transition(escalation_id, record.status, EscalationStatus.OPEN)
    now = utc_now()
    sql.update_escalation(
        conn,
        escalation_id,
        service_request_id=sr_id,
        status=EscalationStatus.OPEN.value,
        filed_at=now,
        updated_at=now,
    )
    ledger.append_event(
        conn,
        entity="escalation",
        entity_id=escalation_id,
        action="linked",
        detail={"service_request_id": sr_id, "how": how},
    )
    return True


def sync_request(ledger: Ledger, escalation_id: str, sr: ServiceRequest) -> list[str]:
    """Record a request's current state; returns the changes seen (also written as events)."""
    with ledger.transaction("sync a service request") as conn:
        record = sql.get_escalation(conn, escalation_id)
        if record is None:
            raise InvalidTransition(f"no escalation {escalation_id} in the ledger")
        row = sql.service_request_row(conn, sr.id)
        if _older_than_stored(sr, row):
            # A replayed write's stored reply, or a slow read overtaken by a newer one:
            # the ledger's state only moves forward by lastModifiedDate.
            log.info("request %s: ignoring a reply older than the ledger's state", sr.id)
            return []
        changes = _record_request(ledger, conn, record, sr, row)
        changes += _follow_status(ledger, conn, record, sr)
    return changes


def _older_than_stored(sr: ServiceRequest, row: Row[Any] | None) -> bool:
    """True when ``sr`` is older than the stored state (or cannot be shown to be newer)."""
    stored = row.last_modified_date if row is not None else None
    if stored is None:
        return False
    return sr.last_modified is None or sr.last_modified < stored


def _record_request(
    ledger: Ledger,
    conn: Connection,
    record: sql.EscalationRecord,
    sr: ServiceRequest,
    row: Row[Any] | None,
) -> list[str]:
    eid = record.escalation_id
    changes: list[str] = []
    if row is not None and row.status != sr.status.value:
        _event(ledger, conn, eid, "sr_status_changed", {"from": row.status, "to": sr.status.value})
        changes.append(f"{eid}: request {sr.id} status {row.status} → {sr.status.value}")
    seen = {_note_key(n) for n in (row.notes if row is not None else [])}
    for note in sr.notes:
        if _note_key(note) not in seen:
            detail = {"by": note.created_by, "created": note.to_dict()["createdDate"]}
            _event(ledger, conn, eid, "note_added", {**detail, "text": note.text[:500]})
            changes.append(f"{eid}: note from {note.created_by or 'unknown'}: {note.text[:80]}")
    sql.upsert_service_request(
        conn,
        {
            "service_request_id": sr.id,
            "escalation_id": eid,
            "tenant_id": sr.organization_id or record.tenant_id,
            "title": sr.title,
            "status": sr.status.value,
            "severity": sr.severity.value,
            "created_date": sr.created,
            "last_modified_date": sr.last_modified,
            "last_closed_date": sr.last_closed,
            "notes": [n.to_dict() for n in sr.notes],
            "synced_at": utc_now(),
        },
    )
    return changes


def _follow_status(
    ledger: Ledger, conn: Connection, record: sql.EscalationRecord, sr: ServiceRequest
) -> list[str]:
    target = status_for(sr.status)
    if record.status == target.value:
        return []
    check_transition(record.escalation_id, record.status, target)
    now = utc_now()
    resolved = (sr.last_closed or now) if target is EscalationStatus.CLOSED else None
    sql.update_escalation(
        conn, record.escalation_id, status=target.value, resolved_at=resolved, updated_at=now
    )
    _event(
        ledger,
        conn,
        record.escalation_id,
        "status_changed",
        {"from": record.status, "to": target.value},
    )
    return [f"{record.escalation_id}: {record.status} → {target.value}"]


def _event(ledger: Ledger, conn: Connection, eid: str, action: str, detail: dict[str, Any]) -> None:
    ledger.append_event(conn, entity="escalation", entity_id=eid, action=action, detail=detail)


def track(
    ledger: Ledger,
    client: PartnerCenterClient,
    *,
    customers: Iterable[str] | None = None,
    progress: bool = False,
) -> TrackReport:
    """Link filed drafts by their tag, then sync every linked, unfinished escalation."""
    from tqdm.auto import tqdm

    report = TrackReport()
    wanted = set(customers) if customers is not None else None
    with ledger.reading("read escalations to track") as conn:
        active = sql.list_escalations(conn, statuses=ACTIVE)
    for tenant in tqdm(
        _search_tenants(active, wanted), desc="search requests", disable=not progress
    ):
        _find_filed(ledger, client, tenant, report)
    with ledger.reading("read escalations to track") as conn:
        linked = [r for r in sql.list_escalations(conn, statuses=ACTIVE) if r.service_request_id]
    for record in tqdm(linked, desc="sync requests", disable=not progress):
        if wanted is not None and record.tenant_id not in wanted:
            continue
        _sync_one(ledger, client, record, report)
    return report


def _search_tenants(active: Sequence[sql.EscalationRecord], wanted: set[str] | None) -> list[str]:
    """Every tenant a request might be filed under (a cluster can be filed from any of them).

    Filed escalations are searched too, to notice a problem that was filed twice.
    """
    tenants: dict[str, None] = {}
    for record in active:
        for ticket in (record.package or {}).get("tickets", []) or [
            {"tenant_id": record.tenant_id}
        ]:
            tenants[str(ticket["tenant_id"])] = None
    return [t for t in tenants if wanted is None or t in wanted]


def _find_filed(
    ledger: Ledger, client: PartnerCenterClient, tenant: str, report: TrackReport
) -> None:
    try:
        requests = client.list_service_requests(tenant)
    except PartnerCenterError as exc:
        report.errors.append(f"tenant {tenant}: {exc}")
        return
    for sr in requests:
        for tag in find_tags(sr.title):
            _link_by_tag(ledger, tag, sr, report)


def _link_by_tag(ledger: Ledger, tag: str, sr: ServiceRequest, report: TrackReport) -> None:
    with ledger.transaction("link a service request by tag") as conn:
        record = sql.escalation_by_tag(conn, tag)
        if record is None or sql.escalation_by_service_request(conn, sr.id) is not None:
            return
        if record.service_request_id:
            report.warnings.append(
                f"{record.escalation_id}: request {sr.id} also carries {tag}, but the escalation "
                f"is linked to request {record.service_request_id}; was it filed twice?"
            )
            return
        _link_in(ledger, conn, record.escalation_id, sr.id, how=f"tag {tag}")
    report.linked.append((record.escalation_id, sr.id))
    report.changes.append(f"{record.escalation_id}: linked to request {sr.id} by tag {tag}")


def _sync_one(
    ledger: Ledger, client: PartnerCenterClient, record: sql.EscalationRecord, report: TrackReport
) -> None:
    sr_id = record.service_request_id or ""
    try:
        sr = client.get_service_request(sr_id)
        report.changes += sync_request(ledger, record.escalation_id, sr)
    except (PartnerCenterError, InvalidTransition) as exc:
        report.errors.append(f"{record.escalation_id} (request {sr_id}): {exc}")
        return
    report.synced.append(record.escalation_id)
    if sr.status.value == "attention_needed":
        report.attention_needed.append(record.escalation_id)


@dataclass(frozen=True, slots=True)
class EscalationSummary:
    """One escalation at a glance: status, age and time to resolve."""

    escalation_id: str
    tracking_tag: str
    status: str
    service_request_id: str | None
    title: str
    age: timedelta
    time_to_resolve: timedelta | None

    @property
    def needs_attention(self) -> bool:
        return self.status == EscalationStatus.ATTENTION_NEEDED.value


def summaries(ledger: Ledger, *, now: datetime | None = None) -> list[EscalationSummary]:
    """Every escalation with its age (since drafted) and time to resolve (filed → resolved)."""
    now = now or utc_now()
    with ledger.reading("read escalations") as conn:
        records = sql.list_escalations(conn)
    return [
        EscalationSummary(
            escalation_id=r.escalation_id,
            tracking_tag=r.tracking_tag,
            status=r.status,
            service_request_id=r.service_request_id,
            title=r.title,
            age=(r.resolved_at or now) - r.created_at,
            time_to_resolve=(r.resolved_at - (r.filed_at or r.created_at))
            if r.resolved_at
            else None,
        )
        for r in records
    ]
