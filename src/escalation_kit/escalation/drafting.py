"""Drafting: escalated triage decisions → one filing package per problem, recorded in the ledger.

One problem, one package, never two, and never two problems in one:

- a cluster (tickets sharing ``cluster_id``) is exactly one package, whatever services its
  tickets name, filed as the partner's own request listing every tenant; a later cluster of the
  same category and region within ``link_window`` of an open cluster escalation joins it;
- outside a cluster, a package holds one tenant's tickets about the same problem: a ticket joins
  an open escalation only when it has the same tenant, service, category and a shared symptom,
  and every report stays within ``join_window`` (7 days); the reason is recorded in the event
  log. Anything else is its own package (``on_duplicate="raise"`` raises
  :class:`~escalation_kit.errors.DuplicateEscalation` instead of joining);
- health first: tickets whose ``health_checked`` is false are refused
  (:class:`~escalation_kit.errors.HealthNotChecked`) unless ``allow_unchecked``; decisions that
  need review are left out (:func:`awaiting_review`) until an analyst
  confirms or overrides them;
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

from escalation_kit.errors import (
    DuplicateEscalation,
    HealthNotChecked,
    InputError,
    InvalidTransition,
    LedgerError,
)
from escalation_kit.escalation.considered import issues_considered
from escalation_kit.escalation.evidence import symptom_mask
from escalation_kit.escalation.keys import content_key, escalation_id_for, tracking_tag
from escalation_kit.escalation.outbox import propose_write
from escalation_kit.escalation.packages import (
    EDITABLE_FIELDS,
    FilingPackage,
    PartnerContact,
    add_tickets,
    compose_package,
    edit_package,
    remove_tickets,
)
from escalation_kit.ledger import Ledger
from escalation_kit.ledger import escalations as sql
from escalation_kit.ledger.types import utc_now
from escalation_kit.models import (
    Category,
    EscalationStatus,
    HealthIssue,
    Ticket,
    TriageDecision,
)
from escalation_kit.triage.symptoms import load_symptoms

__all__ = [
    "DEFAULT_JOIN_WINDOW",
    "DEFAULT_LINK_WINDOW",
    "DraftOutcome",
    "Withdrawal",
    "awaiting_review",
    "check_drafting_allowed",
    "draft_escalations",
    "group_problems",
    "save_package_edit",
    "withdraw_overridden",
]

DEFAULT_LINK_WINDOW = timedelta(hours=4)
DEFAULT_JOIN_WINDOW = timedelta(days=7)
OPEN = (EscalationStatus.DRAFT, EscalationStatus.OPEN, EscalationStatus.ATTENTION_NEEDED)
Problem = tuple[str, list[TriageDecision]]
Issues = Mapping[str, Sequence[HealthIssue]]


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
        # A cluster is one problem whatever services its tickets name (network disruptions).
        service="" if decision.cluster_id else decision.service,
        cluster_id=decision.cluster_id,
        ticket_id="" if decision.cluster_id else decision.ticket_id,
    )


def awaiting_review(decisions: Iterable[TriageDecision]) -> list[str]:
    """The escalated tickets that need an analyst's review (not yet confirmed or overridden):
    nothing is drafted for them until an analyst decides."""
    return [d.ticket_id for d in decisions if d.escalate and d.needs_review and not d.overridden]


def check_drafting_allowed(
    decisions: Iterable[TriageDecision],
    tickets: Mapping[str, Ticket],
    *,
    allow_unchecked: bool = False,
) -> None:
    """Health first: refuse escalated decisions whose service health was not checked (unless
    ``allow_unchecked``). Decisions awaiting review are left out by the callers first."""
    escalated = [d for d in decisions if d.escalate]
    unchecked = [d for d in escalated if not d.health_checked]
    if unchecked and not allow_unchecked:
        tenants = list(
            dict.fromkeys(
                tickets[d.ticket_id].tenant_id if d.ticket_id in tickets else "?" for d in unchecked
            )
        )
        raise HealthNotChecked(
            f"service health was not checked for {len(unchecked)} escalated ticket(s) of "
            f"{len(tenants)} tenant(s): {', '.join(tenants[:10])}"
            f"{' ...' if len(tenants) > 10 else ''}. Check service health first: run "
            "`escalation-kit health sync`, then triage with --health; or pass --allow-unchecked "
            "(allow_unchecked=True) and their packages will say health was not checked"
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
    join_window: timedelta = DEFAULT_JOIN_WINDOW,
    on_duplicate: Literal["link", "raise"] = "link",
    allow_unchecked: bool = False,
    issues: Issues | None = None,
) -> list[DraftOutcome]:
    """Draft (or find, or link to) the escalation of every escalated problem; one per problem.

    ``health_checked_at`` is the snapshot's ``fetched_at`` (a package keeps it only when all its
    tickets were checked); ``issues`` (tenant id → documented issues of that snapshot) go into
    each package as the issues considered.
    """
    waiting = set(awaiting_review(decisions := list(decisions)))
    decisions = [d for d in decisions if d.ticket_id not in waiting]
    check_drafting_allowed(decisions, tickets, allow_unchecked=allow_unchecked)
    settings = _Settings(contact, health_checked_at, link_window, join_window, issues, set())
    outcomes: dict[str, DraftOutcome] = {}
    for key, members in group_problems(decisions, tickets):
        with ledger.transaction("draft an escalation") as conn:
            outcome = _draft_one(ledger, conn, key, members, tickets, settings, on_duplicate)
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


@dataclass(frozen=True, slots=True)
class _Settings:
    contact: PartnerContact
    health_checked_at: datetime | None
    link_window: timedelta
    join_window: timedelta
    issues: Issues | None
    drafted_now: set[str]  # escalations created by this call: another cluster never joins them


def _draft_one(
    ledger: Ledger,
    conn: Connection,
    key: str,
    members: list[TriageDecision],
    tickets: Mapping[str, Ticket],
    settings: _Settings,
    on_duplicate: str,
) -> DraftOutcome:
    existing = sql.escalation_by_key(conn, key)
    why = "same content key (a rerun)"
    if existing is None:
        existing, why = _covering_escalation(conn, members, tickets, settings)
    if existing is not None:
        if existing.content_key != key and on_duplicate == "raise":
            raise DuplicateEscalation(
                f"ticket(s) {', '.join(d.ticket_id for d in members)} are already covered by "
                f"{existing.escalation_id} ({existing.tracking_tag}); link them instead"
            )
        return _link_more(ledger, conn, existing, members, tickets, why)
    package = _new_package(conn, key, members, tickets, settings)
    now = utc_now()
    if not sql.insert_escalation(conn, _row_for(package, now)):
        raced = sql.escalation_by_key(conn, key)
        if raced is None:
            raise LedgerError(f"tracking tag {package.tracking_tag} was taken meanwhile; retry")
        return _link_more(ledger, conn, raced, members, tickets, "same content key (a race)")
    linked = _link(conn, package.package_id, members, tickets, now)
    settings.drafted_now.add(package.package_id)
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
    settings: _Settings,
) -> FilingPackage:
    lead = members[0]
    considered: tuple[str, ...] = ()
    if settings.issues is not None:
        considered = issues_considered(
            settings.issues, [tickets[d.ticket_id] for d in members], lead.service
        )
    return compose_package(
        package_id=escalation_id_for(key),
        content_key=key,
        tracking_tag=tracking_tag(key, is_taken=lambda tag: sql.tag_taken(conn, tag, key)),
        decisions=members,
        tickets=tickets,
        contact=settings.contact,
        health_checked_at=settings.health_checked_at,
        issues_considered=considered,
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
    why: str,
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
    values: dict[str, object] = {"package": package.to_dict(), "updated_at": now}
    if status is EscalationStatus.WITHDRAWN:  # the analyst escalates it again
        values["status"] = status = EscalationStatus.DRAFT
    sql.update_escalation(conn, record.escalation_id, **values)
    ledger.append_event(
        conn,
        entity="escalation",
        entity_id=record.escalation_id,
        action="tickets_linked",
        detail={
            "ticket_ids": list(linked),
            "new_tenant_ids": new_tenants,
            "filed": status is not EscalationStatus.DRAFT,
            "reason": why,
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
    settings: _Settings,
) -> tuple[sql.EscalationRecord | None, str]:
    """An open (or withdrawn) escalation these tickets belong to, and why; (None, "") if none."""
    links = sql.linked_tickets(conn)
    for decision in members:
        if decision.ticket_id in links:
            found = sql.get_escalation(conn, links[decision.ticket_id])
            if found is not None and found.status in (*OPEN, EscalationStatus.WITHDRAWN):
                return found, f"ticket {decision.ticket_id} is already linked to it"
    lead = members[0]
    if lead.cluster_id:
        return _covering_cluster(conn, members, tickets, settings)
    return _covering_problem(conn, lead, tickets[lead.ticket_id], settings.join_window)


def _covering_cluster(
    conn: Connection,
    members: Sequence[TriageDecision],
    tickets: Mapping[str, Ticket],
    settings: _Settings,
) -> tuple[sql.EscalationRecord | None, str]:
    """A cluster from a later run joins an open cluster escalation of the same category and
    region (and service, unless a network disruption) when its reports fall within
    ``link_window`` of that escalation's reports. Clusters of one run stay apart: triage
    already decided they are different problems."""
    lead = members[0]
    window = settings.link_window
    network = lead.category is Category.NETWORK_DISRUPTION
    candidates = sql.list_escalations(
        conn,
        statuses=OPEN,
        region=lead.region,
        category=lead.category.value,
        service=None if network else lead.service,
    )
    reported = [tickets[d.ticket_id].reported_at for d in members]
    for record in candidates:
        if record.escalation_id in settings.drafted_now:
            continue
        if record.cluster_id and _within(record, reported, window):
            return record, (
                f"cluster {lead.cluster_id}: same category ({lead.category.value}) and region "
                f"({lead.region}), reported within {window} of the open cluster escalation"
            )
    return None, ""


def _covering_problem(
    conn: Connection, lead: TriageDecision, ticket: Ticket, window: timedelta
) -> tuple[sql.EscalationRecord | None, str]:
    """An open one-tenant escalation about the same problem: same tenant, service, category and
    a shared symptom, every report within ``window``. Nothing else joins."""
    mine = symptom_mask(f"{ticket.title}\n{ticket.description}")
    if not mine:
        return None, ""
    candidates = sql.list_escalations(
        conn, statuses=OPEN, service=lead.service, category=lead.category.value
    )
    for record in candidates:
        package = record.package or {}
        rows = package.get("tickets", [])
        if record.cluster_id or {str(r.get("tenant_id")) for r in rows} != {ticket.tenant_id}:
            continue
        times = [datetime.fromisoformat(str(r["reported_at"])) for r in rows]
        if not times or max(abs(ticket.reported_at - t) for t in times) > window:
            continue
        theirs = 0
        for row in rows:
            theirs |= symptom_mask(f"{row.get('title') or ''}\n{row.get('description') or ''}")
        shared = mine & theirs
        if shared:
            words = ", ".join(load_symptoms().describe(shared))
            return record, (
                f"same tenant {ticket.tenant_id}, service {lead.service}, category "
                f"{lead.category.value} and symptom ({words}), reported within {window} of "
                "every ticket already in it"
            )
    return None, ""


def _within(record: sql.EscalationRecord, reported: list[datetime], window: timedelta) -> bool:
    """True when any of ``reported`` is within ``window`` of the escalation's reports."""
    times = [
        datetime.fromisoformat(str(t["reported_at"]))
        for t in (record.package or {}).get("tickets", [])
    ]
    return any(abs(r - t) <= window for r in reported for t in times)


@dataclass(frozen=True, slots=True)
class Withdrawal:
    """A ticket overridden away from escalation, taken out of its escalation."""

    ticket_id: str
    escalation_id: str
    tracking_tag: str
    status: EscalationStatus  # the escalation's status after the withdrawal
    filed: bool  # already filed at Microsoft: the analyst must update or close the request
    service_request_id: str | None = None

    def describe(self) -> str:
        if self.filed:
            return (
                f"{self.ticket_id} no longer escalates, but {self.escalation_id} "
                f"({self.tracking_tag}) is already filed as Microsoft request "
                f"{self.service_request_id or '(not linked yet)'}: add a note or close it "
                "(escalation-kit note / close)"
            )
        if self.status is EscalationStatus.WITHDRAWN:
            return f"{self.ticket_id}: draft {self.escalation_id} ({self.tracking_tag}) withdrawn"
        return (
            f"{self.ticket_id} removed from draft {self.escalation_id} ({self.tracking_tag}); "
            "its other tickets stay"
        )


def withdraw_overridden(ledger: Ledger, decisions: Iterable[TriageDecision]) -> list[Withdrawal]:
    """Take tickets whose (effective) decision no longer escalates out of their escalations.

    A draft loses the ticket (and is ``withdrawn`` when none is left); a request already filed
    is left alone and reported, so the analyst can tell Microsoft.
    """
    leaving = [d.ticket_id for d in decisions if not d.escalate]
    if not leaving:
        return []
    done: list[Withdrawal] = []
    with ledger.transaction("withdraw overridden tickets") as conn:
        links = sql.linked_tickets(conn)
        for ticket_id in leaving:
            if ticket_id not in links:
                continue
            record = sql.get_escalation(conn, links[ticket_id])
            if record is None:
                continue
            done.append(_withdraw_one(ledger, conn, record, ticket_id))
    return done


def _withdraw_one(
    ledger: Ledger, conn: Connection, record: sql.EscalationRecord, ticket_id: str
) -> Withdrawal:
    status = EscalationStatus(record.status)
    if status is not EscalationStatus.DRAFT:
        _withdrawal_event(ledger, conn, record, "withdrawal_needs_analyst", ticket_id, status)
        return Withdrawal(
            ticket_id,
            record.escalation_id,
            record.tracking_tag,
            status,
            filed=status is not EscalationStatus.WITHDRAWN,
            service_request_id=record.service_request_id,
        )
    package = FilingPackage.from_dict(record.package or {}, source=record.escalation_id)
    remaining = remove_tickets(package, [ticket_id])
    sql.unlink_tickets(conn, record.escalation_id, [ticket_id])
    now = utc_now()
    if remaining is None:
        status = EscalationStatus.WITHDRAWN
        sql.update_escalation(conn, record.escalation_id, status=status.value, updated_at=now)
    else:
        sql.update_escalation(
            conn,
            record.escalation_id,
            package=remaining.to_dict(),
            title=remaining.title,
            updated_at=now,
        )
    _withdrawal_event(ledger, conn, record, "ticket_withdrawn", ticket_id, status)
    return Withdrawal(ticket_id, record.escalation_id, record.tracking_tag, status, filed=False)


def _withdrawal_event(
    ledger: Ledger,
    conn: Connection,
    record: sql.EscalationRecord,
    action: str,
    ticket_id: str,
    status: EscalationStatus,
) -> None:
    """The escalation's event for a ticket leaving it (or needing an analyst to take it out)."""
    detail = {"ticket_id": ticket_id, "status": status.value}
    ledger.append_event(
        conn, entity="escalation", entity_id=record.escalation_id, action=action, detail=detail
    )


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
