"""Known-issue matching across languages, suite tickets and services written without spaces."""

from __future__ import annotations

import pandas as pd
import pytest

from escalation_kit.health.snapshot import HealthSnapshot
from escalation_kit.triage.engine import triage_tickets

TENANT = "5b1c9a3e-7d2f-4c61-9a8e-000000000001"
TEAMS = {
    "id": "TM300001",
    "title": "Users may be unable to access Microsoft Teams",
    "service": "Microsoft Teams",
    "feature": "Access",
    "featureGroup": "Teams Components",
    "impactDescription": "Users may be unable to access Microsoft Teams or use its features.",
    "classification": "Incident",
    "origin": "Microsoft",
    "status": "ServiceDegradation",
    "isResolved": False,
    "startDateTime": "2026-11-02T06:00:00Z",
    "endDateTime": None,
    "lastModifiedDateTime": "2026-11-02T06:30:00Z",
    "posts": [],
}
SUITE = {
    **TEAMS,
    "id": "MO300002",
    "title": "Users may be unable to access multiple Microsoft 365 services",
    "service": "Microsoft 365 suite",
    "feature": "Portal",
    "featureGroup": "Access",
    "impactDescription": "Users can't access Exchange Online, Microsoft Teams and SharePoint.",
}


def ticket(ticket_id: str, title: str, service: str = "", description: str = "") -> dict[str, str]:
    return {
        "ticket_id": ticket_id,
        "tenant_id": TENANT,
        "customer_name": "Customer",
        "country": "DE",
        "service": service,
        "title": title,
        "description": description,
        "reported_at": "2026-11-02T09:00:00Z",
        "users_affected": "",
    }


def decide(issues: list[dict[str, object]], *rows: dict[str, str]) -> pd.DataFrame:
    health = HealthSnapshot(
        {TENANT: {"healthOverviews": [], "issues": issues}}, fetched_at="2026-11-02T12:00:00Z"
    )
    return triage_tickets(pd.DataFrame(list(rows)), health=health).decisions


@pytest.mark.parametrize(
    ("title", "service"),
    [
        ("Teams won't load for anyone", "Teams"),
        ("Teams lädt bei niemandem, Störung?", "Teams"),
        ("Impossible d'accéder à Teams depuis ce matin", "Teams"),
        ("Teams non funziona, nessuno riesce ad accedere", "Teams"),
        ("Teams障害: 全員接続できません", ""),
        ("Teams caido para todos", "Teams"),
    ],
)
def test_a_ticket_in_any_language_matches_its_tenants_issue(title: str, service: str) -> None:
    decisions = decide([TEAMS], ticket("T", title, service))
    assert decisions["category"].iloc[0] == "known_issue", decisions["reasons"].iloc[0]
    assert decisions["matched_issue_id"].iloc[0] == "TM300001"


def test_a_different_symptom_in_the_same_period_does_not_match() -> None:
    decisions = decide([TEAMS], ticket("D", "Teams: how do I change a channel's name?", "Teams"))
    assert decisions["category"].iloc[0] != "known_issue"


def test_a_multi_service_ticket_is_a_suite_ticket_and_meets_suite_incidents() -> None:
    decisions = decide(
        [SUITE],
        ticket("S", "Outlook, Teams and SharePoint are down for everyone", "Outlook, Teams"),
    )
    assert decisions["service"].iloc[0] == "Microsoft 365 suite"
    assert decisions["matched_issue_id"].iloc[0] == "MO300002"
