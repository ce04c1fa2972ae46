"""Drafting: escalated triage decisions → one filing package per problem, recorded in the ledger.

One problem, one request, never two:

- a cluster (tickets sharing ``cluster_id``) is one problem with all its tenants linked;
- a lone ticket is its own problem, unless an open escalation already covers it (same tenant
  and service, or same service + region + category within ``link_window``): then it is linked
  to that escalation instead of drafted again (``on_duplicate="raise"`` raises
  :class:`~escalation_kit.errors.DuplicateEscalation` instead);
- the content key is unique in the ledger and inserts ignore conflicts, so reruns and
  concurrent runs converge on the same rows, ids and tags.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Connection

from escalation_kit.errors import DuplicateEscalation, InputError, InvalidTransition, LedgerError
from escalation_kit.escalation.keys import content_key, escalation_id_for, tracking_tag
from escalation_kit.escalation.outbox import propose_write
from escalation_kit.escalation.packages import (
    EDITABLE_FIELDS,
    FilingPackage,
    PartnerContact,
    add_tickets,
    compose_package,
    edit_package,
)
from escalation_kit.ledger import Ledger
from escalation_kit.ledger import escalations as sql
from escalation_kit.ledger.types import utc_now
from escalation_kit.models import EscalationStatus, Ticket, TriageDecision

__all__ = [
    "DEFAULT_LINK_WINDOW",
    "DraftOutcome",
    "draft_escalations",
    "group_problems",
    "save_package_edit",
]

DEFAULT_LINK_WINDOW = timedelta(hours=4)
OPEN = (EscalationStatus.DRAFT, EscalationStatus.OPEN, EscalationStatus.ATTENTION_NEEDED)
Problem = tuple[str, list[TriageDecision]]


@dataclass(frozen=True, slots=True)
class DraftOutcome:
    """What drafting did for one problem: ``created`` a draft, or linked tickets to one."""

    package: FilingPackage
    status: EscalationStatus
    created: bool
    newly_linked: tuple[str, ...] = ()


def _key_for(decision: TriageDecision, tickets: Mapping[str, Ticket]) -> str:
    ticket = tickets[decision.ticket_id]
    return content_key(
        category=decision.category.value,
        tenant_id=ticket.tenant_id,
        service=decision.service,
        cluster_id=decision.cluster_id,
        ticket_id="" if decision.cluster_id else decision.ticket_id,
    )


def group_problems(
    decisions: Iterable[TriageDecision], tickets: Mapping[str, Ticket]
) -> list[Problem]:
    """Escalated decisions grouped by content key, in a stable order (earliest report first)."""
    groups: dict[str, list[TriageDecision]] = defaultdict(list)
    for decision in decisions:
        if not decision.escalate:
            continue
        if decision.ticket_id not in tickets:
            raise InputError(
                f"ticket {decision.ticket_id!r} is in the triage output, not in the tickets file",
                field="ticket_id",
            )
        groups[_key_for(decision, tickets)].append(decision)
    for members in groups.values():
        members.sort(key=lambda d: (tickets[d.ticket_id].reported_at, d.ticket_id))
    return sorted(
        groups.items(), key=lambda item: (tickets[item[1][0].ticket_id].reported_at, item[0])
    )


def draft_escalations(
    ledger: Ledger,
    decisions: Iterable[TriageDecision],
    tickets: Mapping[str, Ticket],
    *,
    contact: PartnerContact,
    health_checked_at: datetime | None = None,
    link_window: timedelta = DEFAULT_LINK_WINDOW,
    on_duplicate: Literal["link", "raise"] = "link",
) -> list[DraftOutcome]:
    """Draft (or find, or link to) the escalation of every escalated problem; one per problem."""
    outcomes: dict[str, DraftOutcome] = {}
    for key, members in group_problems(decisions, tickets):
        with ledger.transaction("draft an escalation") as conn:
            outcome = _draft_one(
                ledger,
                conn,
                key,
                members,
                tickets,
                contact=contact,
                health_checked_at=health_checked_at,
                link_window=link_window,
                on_duplicate=on_duplicate,
            )
        previous = outcomes.get(outcome.package.package_id)
        if previous is not None:  # two groups landed on one escalation: merge the report
            outcome = DraftOutcome(
                outcome.package,
                outcome.status,
                previous.created or outcome.created,
                previous.newly_linked + outcome.newly_linked,
            )
        outcomes[outcome.package.package_id] = outcome
    return list(outcomes.values())


def _draft_one(
    ledger: Ledger,
    conn: Connection,
    key: str,
    members: list[TriageDecision],
    tickets: Mapping[str, Ticket],
    *,
    contact: PartnerContact,
    health_checked_at: datetime | None,
    link_window: timedelta,
    on_duplicate: str,
) -> DraftOutcome:
    existing = sql.escalation_by_key(conn, key) or _covering_escalation(
        conn, members, tickets, link_window
    )
    if existing is not None:
        if existing.content_key != key and on_duplicate == "raise":
            raise DuplicateEscalation(
                f"ticket(s) {', '.join(d.ticket_id for d in members)} are already covered by "
                f"{existing.escalation_id} ({existing.tracking_tag}); link them instead"
            )
        return _link_more(ledger, conn, existing, members, tickets)
    package = _new_package(conn, key, members, tickets, contact, health_checked_at)
    now = utc_now()
    if not sql.insert_escalation(conn, _row_for(package, now)):
        raced = sql.escalation_by_key(conn, key)
        if raced is None:
            raise LedgerError(f"tracking tag {package.tracking_tag} was taken meanwhile; retry")
        return _link_more(ledger, conn, raced, members, tickets)
    linked = _link(conn, package.package_id, members, tickets, now)
    ledger.append_event(
        conn,
        entity="escalation",
        entity_id=package.package_id,
        action="drafted",
        detail={
            "tracking_tag": package.tracking_tag,
            "category": package.category.value,
            "ticket_ids": list(linked),
            "tenant_ids": list(package.tenant_ids),
        },
    )
    return DraftOutcome(package, EscalationStatus.DRAFT, True, linked)


def _new_package(
    conn: Connection,
    key: str,
    members: Sequence[TriageDecision],
    tickets: Mapping[str, Ticket],
    contact: PartnerContact,
    health_checked_at: datetime | None,
) -> FilingPackage:
    return compose_package(
        package_id=escalation_id_for(key),
        content_key=key,
        tracking_tag=tracking_tag(key, is_taken=lambda tag: sql.tag_taken(conn, tag, key)),
        decisions=members,
        tickets=tickets,
        contact=contact,
        health_checked_at=health_checked_at,
    )


def _row_for(package: FilingPackage, now: datetime) -> dict[str, object]:
    first = package.tickets[0]
    return {
        "escalation_id": package.package_id,
        "content_key": package.content_key,
        "tracking_tag": package.tracking_tag,
        "category": package.category.value,
        "severity": package.severity.value,
        "status": EscalationStatus.DRAFT.value,
        "title": package.title,
        "service": package.service,
        "region": package.region,
        "tenant_id": first.tenant_id,
        "country": first.country or None,
        "cluster_id": package.cluster_id,
        "package": package.to_dict(),
        "created_at": now,
        "updated_at": now,
    }


def _link(
    conn: Connection,
    escalation_id: str,
    members: Sequence[TriageDecision],
    tickets: Mapping[str, Ticket],
    now: datetime,
) -> tuple[str, ...]:
    """Link the tickets not yet linked anywhere; returns the ones linked now."""
    return tuple(
        d.ticket_id
        for d in members
        if sql.link_ticket(
            conn,
            escalation_id=escalation_id,
            ticket_id=d.ticket_id,
            tenant_id=tickets[d.ticket_id].tenant_id,
            at=now,
        )
    )


def _link_more(
    ledger: Ledger,
    conn: Connection,
    record: sql.EscalationRecord,
    members: Sequence[TriageDecision],
    tickets: Mapping[str, Ticket],
) -> DraftOutcome:
    """Link new tickets to an existing escalation and grow its package; no-op on a rerun."""
    # Re-read under a row lock (PostgreSQL): two runs growing one package never lose a ticket.
    record = sql.get_escalation(conn, record.escalation_id, for_update=True) or record
    package = FilingPackage.from_dict(record.package or {}, source=record.escalation_id)
    already = sql.linked_tickets(conn)
    fresh = [d for d in members if d.ticket_id not in already]
    status = EscalationStatus(record.status)
    if not fresh:
        return DraftOutcome(package, status, False)
    now = utc_now()
    linked = _link(conn, record.escalation_id, fresh, tickets, now)
    known_tenants = set(package.tenant_ids)
    package = add_tickets(package, fresh, tickets)
    new_tenants = [t for t in package.tenant_ids if t not in known_tenants]
    sql.update_escalation(conn, record.escalation_id, package=package.to_dict(), updated_at=now)
    ledger.append_event(
        conn,
        entity="escalation",
        entity_id=record.escalation_id,
        action="tickets_linked",
        detail={
            "ticket_ids": list(linked),
            "new_tenant_ids": new_tenants,
            "filed": status is not EscalationStatus.DRAFT,
        },
    )
    if record.service_request_id and new_tenants:
        propose_write(ledger, conn, record.escalation_id, _joined_note(package, new_tenants))
    return DraftOutcome(package, status, False, linked)


def _joined_note(package: FilingPackage, new_tenants: Sequence[str]) -> str:
    """The note suggested to Microsoft when more tenants report the same problem."""
    rows = [t for t in package.tickets if t.tenant_id in new_tenants]
    lines = [
        f"Update from the partner ({package.tracking_tag}): {len(new_tenants)} more customer "
        f"tenant(s) now report this problem; {len(package.tenant_ids)} tenant(s) in total.",
        *(
            f"- tenant {t.tenant_id} ({t.country or '??'}, {t.region}), reported "
            f"{t.reported_at.isoformat()}"
            for t in rows
        ),
    ]
    return "\n".join(lines)


def _covering_escalation(
    conn: Connection,
    members: Sequence[TriageDecision],
    tickets: Mapping[str, Ticket],
    window: timedelta,
) -> sql.EscalationRecord | None:
    """An open escalation that already covers these tickets, if any."""
    links = sql.linked_tickets(conn)
    for decision in members:
        if decision.ticket_id in links:
            found = sql.get_escalation(conn, links[decision.ticket_id])
            if found is not None and found.status in OPEN:
                return found
    lead = members[0]
    candidates = sql.list_escalations(conn, statuses=OPEN, service=lead.service)
    tenants = {tickets[d.ticket_id].tenant_id for d in members}
    reported = [tickets[d.ticket_id].reported_at for d in members]
    for record in candidates:
        if not lead.cluster_id and tenants & _package_tenants(record):
            return record  # same tenant + service, still open
        if (record.region, record.category) == (lead.region, lead.category.value) and _within(
            record, reported, window
        ):
            return record
    return None


def _package_tenants(record: sql.EscalationRecord) -> set[str]:
    return {str(t.get("tenant_id")) for t in (record.package or {}).get("tickets", [])}


def _within(record: sql.EscalationRecord, reported: list[datetime], window: timedelta) -> bool:
    """True when any of ``reported`` is within ``window`` of the escalation's reports."""
    times = [
        datetime.fromisoformat(str(t["reported_at"]))
        for t in (record.package or {}).get("tickets", [])
    ]
    return any(abs(r - t) <= window for r in reported for t in times)


def _edits(stored: FilingPackage, edited: FilingPackage) -> dict[str, object]:
    """The editable fields that differ; a change to anything else is an ``InputError``."""
    fixed = [
        name
        for name in ("content_key", "tracking_tag", "category", "cluster_id", "tickets")
        if getattr(stored, name) != getattr(edited, name)
    ]
    if fixed:
        raise InputError(
            f"{', '.join(fixed)} cannot be edited (only {', '.join(sorted(EDITABLE_FIELDS))})",
            field=fixed[0],
        )
    return {
        name: getattr(edited, name)
        for name in sorted(EDITABLE_FIELDS)
        if getattr(stored, name) != getattr(edited, name)
    }


def save_package_edit(ledger: Ledger, edited: FilingPackage) -> FilingPackage:
    """Record the analyst's edited package (e.g. a hand-edited ``package.json``) as the draft.

    Only :data:`EDITABLE_FIELDS` may differ from the recorded draft; the evidence, ids and tag
    cannot be edited. Returns the package as recorded.
    """
    with ledger.transaction("record an edited package") as conn:
        record = sql.get_escalation(conn, edited.package_id)
        if record is None:
            raise InputError(f"no draft {edited.package_id} in the ledger", field="package_id")
        if record.status != EscalationStatus.DRAFT.value:
            raise InvalidTransition(
                f"{edited.package_id} is {record.status}: only a draft can be edited"
            )
        stored = FilingPackage.from_dict(record.package or {}, source=record.escalation_id)
        changes = _edits(stored, edited)
        if not changes:
            return stored
        package = edit_package(stored, **changes)
        sql.update_escalation(
            conn,
            package.package_id,
            package=package.to_dict(),
            title=package.title,
            severity=package.severity.value,
            updated_at=utc_now(),
        )
        ledger.append_event(
            conn,
            entity="escalation",
            entity_id=package.package_id,
            action="package_edited",
            detail={"fields": sorted(changes)},
        )
    return package
