"""Closing the loop: tell the customer, close the case, leave a final note for Microsoft.

1. :func:`draft_notices` drafts one notice per affected ticket when an escalation's request
   is closed, and :func:`draft_known_issue_notices` when the documented issue behind a
   ``known_issue`` ticket is resolved (in a fresh snapshot, or in the ledger's health cache:
   :func:`known_issue_notices_from_ledger`). Drafting is idempotent (deterministic notice ids).
2. :func:`confirm_sent` records a notice as sent — only the analyst knows it was; once every
   notice of an escalation is sent, the customer counts as notified.
3. :func:`close_loop` queues the closing note to Microsoft for notified escalations and
   flushes the outbox, only with ``confirm=True``. :func:`close_escalation` closes a request
   that is still open (the customer confirmed the fix), also only with ``confirm=True``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from escalation_kit.errors import InputError, InvalidTransition
from escalation_kit.escalation.inputs import decisions_from_frame, tickets_from_frame
from escalation_kit.escalation.notify import NoticeDraft, NoticeFacts, notice_for, notice_language
from escalation_kit.escalation.outbox import FlushReport, flush_outbox, queue_write
from escalation_kit.escalation.partner_center import PartnerCenterClient
from escalation_kit.escalation.reviews import has_review, report_file_name
from escalation_kit.escalation.tracking import sync_request
from escalation_kit.health.parse import parse_issue, post_text
from escalation_kit.ledger import Ledger
from escalation_kit.ledger import escalations as sql
from escalation_kit.ledger.types import utc_now
from escalation_kit.models import Category, EscalationStatus, HealthIssue, Ticket, TriageDecision

__all__ = [
    "CloseLoopReport",
    "close_escalation",
    "close_loop",
    "closing_note",
    "confirm_sent",
    "draft_known_issue_notices",
    "draft_notices",
    "known_issue_notices_from_ledger",
]


@dataclass
class CloseLoopReport:
    """What a close-loop run did."""

    drafted: list[str] = field(default_factory=list)  # notice ids
    confirmed: list[str] = field(default_factory=list)
    notified: list[str] = field(default_factory=list)  # escalation ids
    closing_notes: list[str] = field(default_factory=list)  # escalation ids queued
    awaiting_confirmation: list[str] = field(default_factory=list)  # what --yes would send
    flush: FlushReport | None = None


def _notice_id(*parts: str) -> str:
    return "N-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:12].upper()


def _microsoft_action(conn: Connection, sr_id: str) -> str:
    """Microsoft's last note on the request (notes the partner sent are skipped); "" if none."""
    row = sql.service_request_row(conn, sr_id)
    ours = {
        str((entry.body.get("NewNote") or {}).get("Text") or "")
        for entry in sql.list_outbox(conn, service_request_id=sr_id)
    }
    notes = [n for n in (row.notes if row is not None else []) if n.get("text") not in ours]
    if notes:
        return str(notes[-1].get("text") or "")
    return ""


def _customer(conn: Connection, ticket: Mapping[str, Any]) -> tuple[str, str]:
    """(customer name, notice language) of a ticket: the ledger's copy of the ticket first
    (every path stores it), then what the package holds."""
    row = sql.ticket_row(conn, str(ticket["ticket_id"]))
    title = str(ticket.get("title") or "")
    if row is not None:
        name = row.customer_name or str(ticket.get("customer_name") or "")
        return name, notice_language(f"{row.title}\n{row.description}")
    text = f"{title}\n{ticket.get('description') or ''}"
    return str(ticket.get("customer_name") or ""), notice_language(text)


def draft_notices(ledger: Ledger) -> list[str]:
    """Draft notices for every closed escalation whose customers were not yet notified."""
    drafted: list[str] = []
    with ledger.reading("find closed escalations") as conn:
        closed = [
            r
            for r in sql.list_escalations(conn, statuses=[EscalationStatus.CLOSED.value])
            if r.customer_notified_at is None and r.service_request_id
        ]
    for record in closed:
        with ledger.transaction("draft customer notices") as conn:
            drafted += _draft_for_escalation(ledger, conn, record)
    return drafted


def _draft_for_escalation(
    ledger: Ledger, conn: Connection, record: sql.EscalationRecord
) -> list[str]:
    sr_id = record.service_request_id or ""
    action = _microsoft_action(conn, sr_id)
    drafted = []
    for ticket in (record.package or {}).get("tickets", []):
        customer, language = _customer(conn, ticket)
        facts = NoticeFacts(
            ticket_id=str(ticket["ticket_id"]),
            ticket_title=str(ticket.get("title") or ""),
            service=record.service,
            customer=customer,
            reported=str(ticket.get("reported_at") or "")[:10],
            request=sr_id,
            tag=record.tracking_tag,
            microsoft_note=action,
        )
        draft = notice_for(facts, language)
        notice_id = _notice_id(record.escalation_id, str(ticket["ticket_id"]))
        if _store(ledger, conn, notice_id, draft, record.escalation_id, ticket):
            drafted.append(notice_id)
    return drafted


def _store(
    ledger: Ledger,
    conn: Connection,
    notice_id: str,
    draft: NoticeDraft,
    escalation_id: str | None,
    ticket: Mapping[str, Any],
) -> bool:
    inserted = sql.insert_notice(
        conn,
        {
            "notice_id": notice_id,
            "escalation_id": escalation_id,
            "ticket_id": str(ticket["ticket_id"]),
            "tenant_id": str(ticket["tenant_id"]),
            "language": draft.language,
            "subject": draft.subject,
            "text": draft.text,
            "html": draft.html,
            "drafted_at": utc_now(),
        },
    )
    if inserted:
        entity, entity_id = (
            ("escalation", escalation_id) if escalation_id else ("ticket", str(ticket["ticket_id"]))
        )
        ledger.append_event(
            conn,
            entity=entity,
            entity_id=entity_id,
            action="notice_drafted",
            detail={
                "notice_id": notice_id,
                "ticket_id": ticket["ticket_id"],
                "language": draft.language,
            },
        )
    return inserted


def draft_known_issue_notices(
    ledger: Ledger,
    decisions: Iterable[TriageDecision],
    tickets: Mapping[str, Ticket],
    issues: Iterable[HealthIssue],
) -> list[str]:
    """Draft notices for ``known_issue`` tickets whose documented issue is now resolved."""
    resolved = {(i.tenant_id, i.id): i for i in issues if i.is_resolved}
    drafted: list[str] = []
    with ledger.transaction("draft known-issue notices") as conn:
        for decision in decisions:
            if decision.category is not Category.KNOWN_ISSUE or decision.ticket_id not in tickets:
                continue
            ticket = tickets[decision.ticket_id]
            issue = resolved.get((ticket.tenant_id, decision.matched_issue_id))
            if issue is None:
                continue
            report = (
                sql.incident_report(conn, ticket.tenant_id, issue.id) if has_review(issue) else None
            )
            stored = sql.ticket_row(conn, ticket.ticket_id)
            facts = NoticeFacts(
                ticket_id=ticket.ticket_id,
                ticket_title=ticket.title,
                service=issue.service,
                customer=ticket.customer_name or (stored.customer_name if stored else ""),
                reported=ticket.reported_at.date().isoformat(),
                issue_id=issue.id,
                issue_title=issue.title,
                microsoft_note=_issue_action(issue),
                review_file=(
                    report_file_name(issue.id, report.content_type, bytes(report.content))
                    if report is not None
                    else ""
                ),
            )
            draft = notice_for(facts, notice_language(f"{ticket.title}\n{ticket.description}"))
            notice_id = _notice_id("known", ticket.ticket_id, issue.id)
            row = {"ticket_id": ticket.ticket_id, "tenant_id": ticket.tenant_id}
            if _store(ledger, conn, notice_id, draft, None, row):
                drafted.append(notice_id)
    return drafted


def known_issue_notices_from_ledger(ledger: Ledger) -> list[str]:
    """:func:`draft_known_issue_notices` from what the ledger holds: the effective triage
    decisions, the imported tickets and the cached health issues (from ``health sync``)."""

    frame = ledger.decisions()
    if frame.empty:
        return []
    known = frame[(frame["category"] == "known_issue") & (frame["matched_issue_id"] != "")]
    if known.empty:
        return []
    decisions = decisions_from_frame(known)
    tickets = tickets_from_frame(ledger.tickets([d.ticket_id for d in decisions]))
    tenants = {t.tenant_id for t in tickets.values()}
    issues = [
        parse_issue(raw, tenant)
        for tenant in sorted(tenants)
        for raw in ledger.health_issues(tenant)
    ]
    return draft_known_issue_notices(ledger, decisions, tickets, issues)


def _issue_action(issue: HealthIssue) -> str:

    if issue.posts:
        latest = max(issue.posts, key=lambda p: p.created or issue.start or utc_now())
        text = post_text(latest)
        if text:
            return text
    return ""


def confirm_sent(ledger: Ledger, notice_ids: Sequence[str], *, by: str | None = None) -> list[str]:
    """Record notices as sent by the analyst; returns escalations whose customers are all told."""
    notified: list[str] = []
    with ledger.transaction("record sent notices") as conn:
        known = {n.notice_id: n for n in sql.list_notices(conn)}
        missing = [n for n in notice_ids if n not in known]
        if missing:
            raise InputError(f"unknown notice id(s): {', '.join(missing)}", field="notice_id")
        now = utc_now()
        for notice_id in notice_ids:
            notice = known[notice_id]
            if not sql.mark_notice_sent(conn, notice_id, at=now, by=by or ledger.actor):
                continue  # already recorded as sent
            entity, entity_id = (
                ("escalation", notice.escalation_id)
                if notice.escalation_id
                else ("ticket", notice.ticket_id)
            )
            ledger.append_event(
                conn,
                entity=entity,
                entity_id=entity_id,
                action="notice_sent",
                detail={"notice_id": notice_id, "ticket_id": notice.ticket_id},
            )
        for escalation_id in {known[n].escalation_id for n in notice_ids} - {None}:
            if _mark_notified(ledger, conn, str(escalation_id)):
                notified.append(str(escalation_id))
    return sorted(notified)


def _mark_notified(ledger: Ledger, conn: Connection, escalation_id: str) -> bool:
    record = sql.get_escalation(conn, escalation_id)
    if record is None or record.customer_notified_at is not None:
        return False
    if any(n.sent_at is None for n in sql.list_notices(conn, escalation_id=escalation_id)):
        return False
    if record.status != EscalationStatus.CLOSED.value:
        raise InvalidTransition(
            f"{escalation_id} is {record.status}; notices go out once it is closed"
        )
    sql.update_escalation(conn, escalation_id, customer_notified_at=utc_now(), updated_at=utc_now())
    ledger.append_event(
        conn, entity="escalation", entity_id=escalation_id, action="customer_notified", detail={}
    )
    return True


def closing_note(record: sql.EscalationRecord) -> str:
    """The final note for Microsoft once the customers were told (deterministic text)."""
    when = (
        record.customer_notified_at.date().isoformat() if record.customer_notified_at else "today"
    )
    return (
        f"{record.tracking_tag}: the affected customer(s) were informed of the resolution on "
        f"{when}. Closing on the partner's side; thank you."
    )


def close_loop(
    ledger: Ledger,
    client: PartnerCenterClient | None,
    *,
    confirm_sent_ids: Sequence[str] = (),
    confirm: bool = False,
) -> CloseLoopReport:
    """Draft notices, record the ones the analyst sent, and (with ``confirm``) note Microsoft."""
    report = CloseLoopReport(
        drafted=draft_notices(ledger) + known_issue_notices_from_ledger(ledger)
    )
    if confirm_sent_ids:
        report.notified = confirm_sent(ledger, confirm_sent_ids)
        report.confirmed = list(confirm_sent_ids)
    with ledger.reading("find notified escalations") as conn:
        ready = [
            r
            for r in sql.list_escalations(conn, statuses=[EscalationStatus.CLOSED.value])
            if r.customer_notified_at is not None
            and r.service_request_id
            and not sql.outbox_has_text(conn, r.service_request_id, closing_note(r))
        ]
    if not confirm:
        report.awaiting_confirmation = [r.escalation_id for r in ready]
        return report
    for record in ready:
        queue_write(ledger, record.escalation_id, closing_note(record), kind="note")
        report.closing_notes.append(record.escalation_id)
    if client is not None:
        report.flush = flush_outbox(ledger, client, confirm=True, sync=sync_request)
    return report


def close_escalation(
    ledger: Ledger,
    client: PartnerCenterClient,
    escalation_id: str,
    note: str,
    *,
    confirm: bool,
) -> FlushReport:
    """Close a request that is still open at Microsoft, with a final note (needs ``confirm``)."""
    with ledger.reading("read the escalation") as conn:
        record = sql.get_escalation(conn, escalation_id)
    if record is None:
        raise InvalidTransition(f"no escalation {escalation_id} in the ledger")
    if record.status not in (EscalationStatus.OPEN.value, EscalationStatus.ATTENTION_NEEDED.value):
        raise InvalidTransition(
            f"{escalation_id} is {record.status}; only a filed, open one can be closed"
        )
    if not confirm:
        raise InputError(
            f"nothing sent to Microsoft: closing {escalation_id} needs an explicit confirm=True "
            "(--yes on the command line)",
            field="confirm",
        )
    queue_write(ledger, escalation_id, note, kind="close")
    return flush_outbox(ledger, client, confirm=True, sync=sync_request)
