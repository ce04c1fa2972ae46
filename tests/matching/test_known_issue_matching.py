"""Known-issue matching: same tenant, same service, active at the report, same symptom, in scope."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from escalation_kit.errors import InputError
from escalation_kit.health.parse import parse_issue
from escalation_kit.health.snapshot import HealthSnapshot
from escalation_kit.models import HealthIssue, Region
from escalation_kit.triage.codes import error_codes, error_codes_of, quoted_codes
from escalation_kit.triage.matching import (
    MATCH_COLUMNS,
    issue_scope,
    match_ticket,
    match_tickets,
)

TENANT = "5b1c9a3e-7d2f-4c61-9a8e-2f4d6b0c1e77"
OTHER = "0f1e2d3c-0000-4000-8000-000000000001"
REPORTED = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def issue(
    issue_id: str = "EX100001",
    *,
    tenant: str = TENANT,
    service: str = "Exchange Online",
    title: str = "Some users may experience delays receiving email from external senders",
    feature: str = "Mailflow - delayed delivery from Internet",
    group: str = "E-Mail timely delivery",
    start: datetime = REPORTED - timedelta(hours=2),
    end: datetime | None = None,
    scope: str = "",
) -> HealthIssue:
    def iso(when: datetime) -> str:
        return when.isoformat().replace("+00:00", "Z")

    obj: dict[str, Any] = {
        "id": issue_id,
        "title": title,
        "service": service,
        "feature": feature,
        "featureGroup": group,
        "impactDescription": "Users may see delays.",
        "classification": "Incident",
        "origin": "Microsoft",
        "status": "ServiceDegradation",
        "isResolved": end is not None,
        "startDateTime": iso(start),
        "endDateTime": iso(end) if end else None,
        "lastModifiedDateTime": iso(start),
        "posts": [
            {
                "createdDateTime": iso(start),
                "postType": "Regular",
                "description": {"contentType": "Html", "content": f"<p>Title: {title}</p>{scope}"},
            }
        ],
    }
    return parse_issue(obj, tenant)


def ticket(title: str, *, tenant: str = TENANT, service: str = "Outlook", **extra: Any) -> dict:
    return {
        "ticket_id": "T1",
        "tenant_id": tenant,
        "title": title,
        "description": extra.pop("description", ""),
        "reported_at": extra.pop("reported_at", REPORTED),
        "service": service,
        "region": extra.pop("region", "Europe"),
        **extra,
    }


@pytest.mark.parametrize(
    "title",
    [
        "Users cannot receive email from outside, delayed by hours",
        "Письма от внешних отправителей не приходят",
        "Externe E-Mails kommen stark verzögert an",
        "No llegan los correos externos",
        "Les mails externes n'arrivent pas",
    ],
)
def test_same_symptom_in_every_language_matches(title: str) -> None:
    match = match_ticket(ticket(title), [issue()])
    assert match is not None
    assert match.issue_id == "EX100001"
    assert 0.6 <= match.score <= 1.0
    assert match.reason.startswith("matched documented issue EX100001 on Exchange Online")
    assert "active since 2026-11-02 08:00 UTC" in match.reason
    assert "mail delivery" in match.reason


def test_different_feature_does_not_match() -> None:
    assert (
        match_ticket(ticket("Shared calendars do not open in Outlook on the web"), [issue()])
        is None
    )


def test_issue_ended_before_the_report_does_not_match() -> None:
    ended = issue(end=REPORTED - timedelta(minutes=1))
    assert match_ticket(ticket("Users cannot receive email"), [ended]) is None


def test_issue_starting_after_the_report_matches_only_within_the_tolerance() -> None:
    later = issue(start=REPORTED + timedelta(minutes=40))
    assert match_ticket(ticket("Users cannot receive email"), [later]) is None
    match = match_ticket(
        ticket("Users cannot receive email"), [later], tolerance=timedelta(hours=1)
    )
    assert match is not None and match.issue_id == "EX100001"


def test_another_tenants_issue_does_not_match() -> None:
    assert match_ticket(ticket("Users cannot receive email"), [issue(tenant=OTHER)]) is None


def test_another_service_does_not_match() -> None:
    teams = ticket("Users cannot receive email", service="Teams")
    assert match_ticket(teams, [issue()]) is None


def test_scope_outside_the_tickets_region_does_not_match() -> None:
    scoped = issue(scope="<p>Scope of impact: users served from the North America region.</p>")
    assert issue_scope(scoped) == frozenset({Region.AMERICAS})
    assert match_ticket(ticket("Users cannot receive email", region="Europe"), [scoped]) is None
    match = match_ticket(ticket("Users cannot receive email", region="Americas"), [scoped])
    assert match is not None


def test_a_later_worldwide_post_lifts_an_early_regional_scope() -> None:
    early = "<p>Current status: Initial findings show users in India are primarily affected.</p>"
    widened = early + "<p>Current status: We've confirmed users worldwide may be affected.</p>"
    assert issue_scope(issue(scope=early)) == frozenset({Region.ASIA_PACIFIC})
    assert issue_scope(issue(scope=widened)) == frozenset()
    europe = ticket("Users cannot receive email", region="Europe")
    assert match_ticket(europe, [issue(scope=early)]) is None
    assert match_ticket(europe, [issue(scope=widened)]) is not None
    beyond = early + "<p>Users in regions beyond India may see residual impact.</p>"
    assert issue_scope(issue(scope=beyond)) == frozenset()


def test_a_shared_error_code_matches_in_any_language() -> None:
    """The issue quotes an SMTP code; tickets in Japanese and Dutch quote it with no known word."""
    coded = issue(
        title="Some users' messages are rejected",
        feature="Mail flow",
        group="E-Mail timely delivery",
        scope="<p>Users receive NDR 5.7.708 when sending to external recipients.</p>",
    )
    for words in (
        "送信すると 5.7.708 のNDRが返ってくる",
        "Bounce met code 5.7.708 sinds vanochtend",
    ):
        match = match_ticket(ticket(words), [coded])
        assert match is not None and match.issue_id == "EX100001"
    assert match_ticket(ticket("Code 0x80070005 sinds vanochtend"), [coded]) is None
    assert error_codes("AADSTS 50058, aadsts-700016; 0x80070005 and 5.7.708 v1.2.3.4") == {
        "aadsts50058",
        "aadsts700016",
        "0x80070005",
        "5.7.708",
    }


def test_an_http_status_written_as_an_error_is_a_shared_code() -> None:
    """The issue says users "may have seen a 401 error"; tickets quote it in their own words."""
    unauthorized = issue(
        title="Users may have been unable to open their mailbox in Outlook desktop",
        feature="Outlook desktop",
        group="E-Mail and calendar access",
        scope="<p>Some users could not open their mailbox and may have seen a 401 error.</p>",
    )
    for words in ("Outlookで401エラー", "Outlook: Fehler 401 beim Postfachzugriff"):
        match = match_ticket(ticket(words), [unauthorized])
        assert match is not None and match.issue_id == "EX100001"
        assert "same error code (http401)" in match.reason
    text = "HTTP 503 Service Unavailable; erro 401; 500 users; build 16.0.401; 0x00000000"
    assert error_codes(text) == {"http503", "http401"}
    assert quoted_codes(text) == ["HTTP 503", "erro 401", "0x00000000"]


def test_ticket_without_a_recognisable_symptom_does_not_match() -> None:
    assert match_ticket(ticket("Exchange problem"), [issue()]) is None


def test_best_of_several_issues_wins() -> None:
    calendar = issue(
        "EX100002",
        title="Users may be unable to open shared calendars",
        feature="Calendar",
        group="Calendaring",
    )
    match = match_ticket(ticket("Shared calendar does not open"), [issue(), calendar])
    assert match is not None and match.issue_id == "EX100002"


def test_batch_matches_each_ticket_in_input_order() -> None:
    frame = pd.DataFrame(
        [
            ticket("Users cannot receive email") | {"ticket_id": "A"},
            ticket("Users cannot receive email", tenant=OTHER) | {"ticket_id": "B"},
            ticket("Shared calendars broken") | {"ticket_id": "C"},
        ]
    )
    frame["reported_at"] = pd.to_datetime(frame["reported_at"], utc=True)
    frame["normalized_service"] = "Exchange Online"
    result = match_tickets(frame, {TENANT: [issue()], OTHER: []})
    assert list(result.columns) == MATCH_COLUMNS
    assert result["ticket_id"].tolist() == ["A", "B", "C"]
    assert result["matched_issue_id"].tolist() == ["EX100001", "", ""]
    assert result["match_score"].iloc[0] >= 0.6
    assert result["match_score"].iloc[1:].tolist() == [0.0, 0.0]


def test_issue_listed_under_the_wrong_tenant_key_is_ignored() -> None:
    frame = pd.DataFrame([ticket("Users cannot receive email")])
    frame["reported_at"] = pd.to_datetime(frame["reported_at"], utc=True)
    frame["normalized_service"] = "Exchange Online"
    result = match_tickets(frame, {TENANT: [issue(tenant=OTHER)]})
    assert result["matched_issue_id"].tolist() == [""]


def test_a_snapshot_matches_as_its_issues_per_tenant_do() -> None:
    frame = pd.DataFrame([ticket("Users cannot receive email")])
    frame["reported_at"] = pd.to_datetime(frame["reported_at"], utc=True)
    frame["normalized_service"] = "Exchange Online"
    raw = {
        "id": "EX100001",
        "title": "Some users may experience delays receiving email from external senders",
        "service": "Exchange Online",
        "feature": "Mailflow - delayed delivery from Internet",
        "featureGroup": "E-Mail timely delivery",
        "impactDescription": "Users may see delays.",
        "classification": "Incident",
        "status": "ServiceDegradation",
        "isResolved": False,
        "startDateTime": "2026-11-02T08:00:00Z",
        "lastModifiedDateTime": "2026-11-02T08:00:00Z",
        "posts": [],
    }
    snapshot = HealthSnapshot(
        {TENANT: {"healthOverviews": [], "issues": [raw]}}, fetched_at="2026-11-02T12:00:00Z"
    )
    by_snapshot = match_tickets(frame, snapshot)["matched_issue_id"].tolist()
    by_mapping = match_tickets(frame, MappingProxyType(snapshot.issues_by_tenant()))
    assert by_snapshot == by_mapping["matched_issue_id"].tolist() == ["EX100001"]


@pytest.mark.parametrize("wrong", [[], "health.json", 42])
def test_health_that_is_neither_a_snapshot_nor_a_mapping_is_an_input_error(wrong: Any) -> None:
    frame = pd.DataFrame([ticket("Users cannot receive email")])
    frame["reported_at"] = pd.to_datetime(frame["reported_at"], utc=True)
    frame["normalized_service"] = "Exchange Online"
    with pytest.raises(InputError, match="HealthSnapshot or a mapping of tenant id") as info:
        match_tickets(frame, wrong)
    assert info.value.field == "health"
    assert f"got {type(wrong).__name__}" in str(info.value)


ACCESS_OUTAGE = {
    "issue_id": "MO200001",
    "service": "Microsoft 365 suite",
    "title": "Users may be unable to access Microsoft Teams, SharePoint Online and OneDrive",
    "feature": "Access Portal",
    "group": "Portal",
}


def test_an_access_outage_explains_a_ticket_titled_by_the_feature_the_customer_tried() -> None:
    """The title names files, but the text says SharePoint is down for everyone: the outage shows
    through whatever the customer tried, so the documented access outage explains it."""
    files = ticket(
        "I file non si aprono in Teams",
        service="SharePoint, Teams",
        description="Da un'ora SharePoint non funziona per nessuno.",
    )
    match = match_ticket(files, [issue(**ACCESS_OUTAGE)])
    assert match is not None and match.issue_id == "MO200001"
    # without a word saying the service is unusable, the title's feature still decides
    only_files = ticket("I file non si aprono in Teams", service="SharePoint, Teams")
    assert match_ticket(only_files, [issue(**ACCESS_OUTAGE)]) is None


def test_not_getting_into_the_mailbox_is_not_getting_into_the_service() -> None:
    access = issue(
        title="Users may be unable to access Exchange Online",
        feature="E-Mail and calendar access",
        group="E-Mail and calendar access",
    )
    mailbox = ticket("Outlook/OWA: mailbox will not open for the whole company")
    match = match_ticket(mailbox, [access])
    assert match is not None and match.issue_id == "EX100001"


def test_network_timeouts_do_not_match_an_issue_about_one_mail_feature() -> None:
    encrypted = issue(
        title="Users may be unable to open encrypted messages in Outlook on the web",
        feature="Encryption",
        group="E-Mail and calendar access",
    )
    timeouts = ticket(
        "Teams, Outlook and SharePoint all timing out",
        description="Ping to outlook.office365.com shows packet loss from all our sites.",
    )
    assert match_ticket(timeouts, [encrypted]) is None


def test_codes_of_a_column_are_the_codes_of_each_text() -> None:
    """The RE2 pre-filter may only skip texts without a code: same results as one by one."""
    texts = [
        "Outlookで401エラー",
        "ОШИБКА 503 при входе",
        "errore: 502",
        "we have 500 users",
        "AADSTS 50058 and 0x80070005",
        "NDR 5.7.708",
        None,
        "build 16.0.401",
        "Erreur 500 Internal Server Error",
    ]
    one_by_one = [error_codes(text or "") for text in texts]
    assert error_codes_of(pa.array(texts, pa.string())) == one_by_one
    assert sum(map(bool, one_by_one)) == 6


def test_microsofts_usual_wording_of_a_mail_outage_reads_as_mail_delivery() -> None:
    """Issue titles say "unable to send, receive or search email"; tickets say it their way."""
    outage = issue(
        title="Users may be unable to send, receive or search email",
        feature="E-Mail and calendar access",
        group="Networking Issues",
    )
    match = match_ticket(ticket("Mails kommen nicht an, Senden geht auch nicht"), [outage])
    assert match is not None and "mail delivery" in match.reason


def test_a_title_that_only_says_down_names_no_other_feature() -> None:
    """ "Email down" states no symptom of its own: the description decides; a title naming
    another feature still keeps the ticket out."""
    outage = replace(
        issue(
            title="Users may be unable to send, receive or search email",
            feature="Mail flow",
            group="Networking Issues",
        ),
        impact_description="Users may be unable to send or receive mail.",
    )
    down = ticket(
        "Correo no funciona - urgente", description="No podemos mandar ni recibir correos."
    )
    match = match_ticket(down, [outage])
    assert match is not None and match.issue_id == "EX100001"
    other = ticket(
        "La sincronización de contactos falla",
        description="Tampoco llegan los correos externos.",
    )
    assert match_ticket(other, [outage]) is None
