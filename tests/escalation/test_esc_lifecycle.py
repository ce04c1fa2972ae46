"""The whole escalation lifecycle over real sockets, on both ledger backends."""

from __future__ import annotations

from esc_helpers import CONTACT, T2, T3, make_ticket
from sqlalchemy import select

from escalation_kit.escalation.drafting import draft_escalations
from escalation_kit.escalation.outbox import flush_outbox, queue_write
from escalation_kit.escalation.partner_center import PartnerCenterClient
from escalation_kit.escalation.tracking import summaries, sync_request, track
from escalation_kit.escalation.workflow import close_loop, confirm_sent
from escalation_kit.ledger import Ledger
from escalation_kit.ledger import escalations as sql
from escalation_kit.ledger.schema import notices
from escalation_kit.models import Ticket, TriageDecision
from escalation_kit.sandbox import Sandbox
from escalation_kit.sandbox.partner_center import (
    file_service_request,
    list_all_service_requests,
    microsoft_update,
)


def test_triage_to_closed_case(
    ledger: Ledger,
    sandbox: Sandbox,
    pc_client: PartnerCenterClient,
    cluster_case: tuple[list[TriageDecision], dict[str, Ticket]],
) -> None:
    decisions, tickets = cluster_case
    tickets["T-2"] = make_ticket(
        "T-2",
        T2,
        10,
        title="E-Mails kommen nicht an",
        description="Seit heute können wir keine E-Mails empfangen, die Benutzer sind nicht "
        "erreichbar.",
    )
    tickets["T-3"] = make_ticket(
        "T-3", T3, 11, title="Почта не приходит", description="Пользователи не получают письма."
    )
    outcomes = draft_escalations(ledger, decisions, tickets, contact=CONTACT)
    package = next(o.package for o in outcomes if o.package.cluster_id)
    eid = package.package_id

    # A person files the package in the Partner Center web UI.
    sr_id = file_service_request(
        sandbox.base_url,
        customer_tenant_id=package.primary_tenant_id,
        title=package.title,
        description=package.description,
        severity=package.severity.value,
    )["id"]

    report = track(ledger, pc_client)
    assert report.linked == [(eid, sr_id)] and report.errors == []
    # Someone files the same package a second time: reported, never linked.
    twice = file_service_request(
        sandbox.base_url, customer_tenant_id=package.primary_tenant_id, title=package.title
    )["id"]
    report = track(ledger, pc_client)
    assert (
        report.linked == [] and twice in report.warnings[0] and "filed twice" in report.warnings[0]
    )

    microsoft_update(
        sandbox.base_url, sr_id, status="attention_needed", note="Please send message traces."
    )
    report = track(ledger, pc_client)
    assert report.attention_needed == [eid]

    queue_write(ledger, eid, "Message traces attached for all three tenants.")
    flushed = flush_outbox(ledger, pc_client, confirm=True, sync=sync_request)
    assert len(flushed.applied) == 1 and flushed.errors == []
    microsoft_update(sandbox.base_url, sr_id, status="open")
    assert track(ledger, pc_client).attention_needed == []
    microsoft_update(
        sandbox.base_url, sr_id, status="closed", note="A faulty transport rule was rolled back."
    )
    track(ledger, pc_client)

    loop = close_loop(ledger, pc_client)
    assert len(loop.drafted) == 3 and loop.awaiting_confirmation == []
    with ledger.reading() as conn:
        drafted = {n.ticket_id: n for n in sql.list_notices(conn, escalation_id=eid)}
    assert {t: n.language for t, n in drafted.items()} == {"T-1": "en", "T-2": "de", "T-3": "ru"}
    assert "A faulty transport rule was rolled back." in drafted["T-1"].text
    assert "Was Microsoft getan hat" in drafted["T-2"].text
    assert close_loop(ledger, pc_client).drafted == []  # drafting is idempotent

    assert confirm_sent(ledger, [drafted["T-1"].notice_id]) == []  # two customers still to tell
    loop = close_loop(ledger, pc_client, confirm_sent_ids=[n.notice_id for n in drafted.values()])
    assert loop.notified == [eid] and loop.awaiting_confirmation == [eid]  # not without confirm
    loop = close_loop(ledger, pc_client, confirm=True)
    assert loop.closing_notes == [eid] and loop.flush is not None and len(loop.flush.applied) == 1
    assert close_loop(ledger, pc_client, confirm=True).closing_notes == []  # never twice

    (sr,) = [s for s in list_all_service_requests(sandbox.base_url) if s["id"] == sr_id]
    assert [n["createdByName"] for n in sr["notes"]] == [
        "Microsoft Support",
        "Partner",
        "Microsoft Support",
        "Partner",
    ]
    assert sr["status"] == "closed"
    (summary,) = [s for s in summaries(ledger) if s.escalation_id == eid]
    assert summary.status == "closed" and summary.time_to_resolve is not None
    with ledger.reading() as conn:
        sent = conn.execute(select(notices.c.sent_at).where(notices.c.escalation_id == eid)).all()
    assert all(row.sent_at is not None for row in sent)

    actions = [(e.action, dict(e.detail).get("to")) for e in ledger.events(entity_id=eid)]
    assert actions == [
        ("drafted", None),
        ("linked", None),
        ("sr_status_changed", "attention_needed"),
        ("note_added", None),
        ("status_changed", "attention_needed"),
        ("write_queued", None),
        ("write_applied", None),
        ("note_added", None),  # our own note, as Partner Center now lists it
        ("sr_status_changed", "open"),
        ("status_changed", "open"),
        ("sr_status_changed", "closed"),
        ("note_added", None),
        ("status_changed", "closed"),
        ("notice_drafted", None),
        ("notice_drafted", None),
        ("notice_drafted", None),
        ("notice_sent", None),
        ("notice_sent", None),
        ("notice_sent", None),
        ("customer_notified", None),
        ("write_queued", None),
        ("write_applied", None),
        ("note_added", None),
    ]
