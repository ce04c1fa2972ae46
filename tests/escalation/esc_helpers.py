"""Helpers for the escalation tests: small tickets and decisions, CSV inputs, a fast policy,
filing a case in the emulator and reading its notes there."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

from escalation_kit.escalation.drafting import draft_escalations
from escalation_kit.escalation.packages import PartnerContact
from escalation_kit.escalation.tracking import link
from escalation_kit.http import RetryPolicy
from escalation_kit.ledger import Ledger
from escalation_kit.models import Category, Region, Severity, Ticket, TriageDecision
from escalation_kit.sandbox import Sandbox
from escalation_kit.sandbox.partner_center import STATE_KEY, file_service_request

T1 = "11111111-1111-4111-8111-111111111111"
T2 = "22222222-2222-4222-8222-222222222222"
T3 = "33333333-3333-4333-8333-333333333333"
T4 = "44444444-4444-4444-8444-444444444444"
CLUSTER = "CL-EU-EXO-1"
CONTACT = PartnerContact(name="Ana Partner", email="ana@partner.example", phone="+49 30 1234")
FAST = RetryPolicy(max_retries=4, base_delay=0.01, max_delay=0.2, jitter=0.0)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 20, hour, minute, tzinfo=UTC)


def make_ticket(ticket_id: str, tenant: str, hour: int, **extra: object) -> Ticket:
    values: dict[str, object] = {
        "ticket_id": ticket_id,
        "tenant_id": tenant,
        "title": f"Mail not arriving ({ticket_id})",
        "reported_at": at(hour),
        "customer_name": f"Customer {tenant[:4]}",
        "country": "DE",
        "service": "Outlook",
        "description": "Users cannot receive external mail.",
        "users_affected": 10,
        "region": Region.EUROPE,
        "normalized_service": "Exchange Online",
    }
    values.update(extra)
    return Ticket(**values)  # type: ignore[arg-type]


def make_decision(
    ticket_id: str,
    category: Category,
    *,
    cluster_id: str = "",
    service: str = "Exchange Online",
    region: str = "Europe",
    severity: Severity | None = Severity.MODERATE,
    health_checked: bool = True,
) -> TriageDecision:
    return TriageDecision(
        ticket_id=ticket_id,
        category=category,
        region=region,
        service=service,
        confidence=0.9,
        reasons="3 tenants in Europe report Exchange Online within 4 h; no documented issue",
        recommended_action="Escalate to Microsoft as one request for the cluster",
        cluster_id=cluster_id,
        severity=severity if category.escalate else None,
        health_checked=health_checked,
    )


def write_inputs(
    folder: Path, decisions: list[TriageDecision], tickets: dict[str, Ticket]
) -> tuple[Path, Path]:
    """The triage output CSV and tickets CSV of the contracts, for CLI tests."""
    triage = folder / "triage_out.csv"
    with triage.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "ticket_id",
                "category",
                "escalate",
                "matched_issue_id",
                "cluster_id",
                "region",
                "service",
                "severity",
                "confidence",
                "reasons",
                "recommended_action",
                "health_checked",
            ]
        )
        for d in decisions:
            writer.writerow(
                [
                    d.ticket_id,
                    d.category.value,
                    str(d.escalate).lower(),
                    d.matched_issue_id,
                    d.cluster_id,
                    d.region,
                    d.service,
                    d.severity.value if d.severity else "",
                    d.confidence,
                    d.reasons,
                    d.recommended_action,
                    str(d.health_checked).lower(),
                ]
            )
    tickets_path = folder / "tickets.csv"
    with tickets_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "ticket_id",
                "tenant_id",
                "customer_name",
                "country",
                "service",
                "title",
                "description",
                "reported_at",
                "users_affected",
            ]
        )
        for t in tickets.values():
            writer.writerow(
                [
                    t.ticket_id,
                    t.tenant_id,
                    t.customer_name,
                    t.country,
                    t.service,
                    t.title,
                    t.description,
                    t.reported_at.isoformat(),
                    t.users_affected,
                ]
            )
    return triage, tickets_path


def filed(
    ledger: Ledger, sandbox: Sandbox, case: tuple[list[TriageDecision], dict[str, Ticket]]
) -> tuple[str, str]:
    """Draft the case, file the first package in the emulator and link it; (escalation, SR)."""
    decisions, tickets = case
    package = draft_escalations(ledger, decisions, tickets, contact=CONTACT)[0].package
    sr_id = file_service_request(
        sandbox.base_url, customer_tenant_id=package.primary_tenant_id, title=package.title
    )["id"]
    link(ledger, package.package_id, sr_id)
    return package.package_id, sr_id


def notes_at_microsoft(sandbox: Sandbox, sr_id: str) -> list[str]:
    """The notes the emulated Partner Center holds for a request, in order."""
    store = sandbox.state.extra[STATE_KEY]
    with store.lock:
        return [n["text"] for n in store.requests[sr_id]["notes"]]
