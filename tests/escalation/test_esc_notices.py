"""Customer notices: languages, escaping, known-issue notices, confirmation rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pandas as pd
import pytest
from esc_helpers import CONTACT, T1, T2, make_decision, make_ticket

from escalation_kit.errors import InputError, InvalidTransition
from escalation_kit.escalation.drafting import draft_escalations
from escalation_kit.escalation.notify import compose_notice, notice_language
from escalation_kit.escalation.workflow import close_loop, confirm_sent, draft_known_issue_notices
from escalation_kit.intake import validate_tickets
from escalation_kit.ledger import Ledger
from escalation_kit.ledger import escalations as sql
from escalation_kit.ledger.schema import escalations, notices
from escalation_kit.models import Category, HealthIssue, HealthPost

EVIL = '<img src=x onerror="alert(1)">'


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Outlook cannot send mail since this morning, users are blocked", "en"),
        ("Почта не работает у всех пользователей", "ru"),
        ("Die Benutzer können seit heute keine E-Mails senden", "de"),
        ("Los usuarios no pueden enviar correos desde esta mañana", "es"),
        ("Les utilisateurs ne peuvent pas envoyer de courriels depuis ce matin", "fr"),
        ("メールが届きません", "en"),  # Japanese: no template, so English
    ],
)
def test_notice_language(text: str, language: str) -> None:
    assert notice_language(text) == language


def test_notice_text_and_escaped_html() -> None:
    notice = compose_notice(
        language="fr",
        customer=f"Contoso {EVIL}",
        ticket_id="T-1",
        ticket_title=f"Mail {EVIL}",
        service="Exchange Online",
        what_happened="Mail was delayed.\nSecond line <b>bold</b>",
        microsoft_action="Microsoft rolled back a change.",
        reference="EK-ABCDE / Microsoft request 618031500000001",
    )
    assert notice.language == "fr"
    assert notice.subject == "Résolu : problème Exchange Online du ticket T-1"
    assert "Ce que Microsoft a fait:\nMicrosoft rolled back a change." in notice.text
    assert EVIL in notice.text  # the plain text is plain
    assert "<img" not in notice.html and "<b>" not in notice.html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in notice.html
    assert "Mail was delayed.<br>Second line &lt;b&gt;bold&lt;/b&gt;" in notice.html
    assert (
        compose_notice(
            language="it",
            customer="",
            ticket_id="T",
            ticket_title="t",
            service="",
            what_happened="x",
            microsoft_action="y",
            reference="z",
        ).language
        == "en"
    )


def issue(tenant: str, *, resolved: bool) -> HealthIssue:
    return HealthIssue(
        id="EX845127",
        tenant_id=tenant,
        service="Exchange Online",
        title="Some users can't access shared mailboxes",
        status="serviceRestored" if resolved else "serviceDegradation",
        classification="incident",
        origin="microsoft",
        start=datetime(2026, 11, 20, 8, tzinfo=UTC),
        end=datetime(2026, 11, 20, 15, tzinfo=UTC) if resolved else None,
        last_modified=None,
        is_resolved=resolved,
        posts=(
            HealthPost(datetime(2026, 11, 20, 9, tzinfo=UTC), "regular", "<p>Investigating</p>"),
            HealthPost(
                datetime(2026, 11, 20, 15, tzinfo=UTC),
                "regular",
                "<p>We reverted the faulty update &amp; restored access.</p>",
            ),
        ),
    )


def test_known_issue_notices_only_when_resolved(sqlite_ledger: Ledger) -> None:
    tickets = {
        "K-1": make_ticket(
            "K-1",
            T1,
            9,
            title="Les boîtes partagées ne s'ouvrent pas depuis ce matin pour nos utilisateurs",
        ),
        "K-2": make_ticket("K-2", T2, 9),
    }
    decisions = [
        make_decision("K-1", Category.KNOWN_ISSUE),
        make_decision("K-2", Category.KNOWN_ISSUE),
    ]
    decisions = [replace(d, matched_issue_id="EX845127") for d in decisions]
    issues = [issue(T1, resolved=True), issue(T2, resolved=False)]
    drafted = draft_known_issue_notices(sqlite_ledger, decisions, tickets, issues)
    assert len(drafted) == 1
    assert draft_known_issue_notices(sqlite_ledger, decisions, tickets, issues) == []
    with sqlite_ledger.reading() as conn:
        (notice,) = sql.list_notices(conn)
    assert (notice.ticket_id, notice.language, notice.escalation_id) == ("K-1", "fr", None)
    # a French notice carries no English: Microsoft's English post stays out of it
    assert "We reverted the faulty update" not in notice.text
    assert "Microsoft a résolu l'incident EX845127." in notice.text
    assert confirm_sent(sqlite_ledger, drafted) == []  # no escalation to mark
    assert [e.action for e in sqlite_ledger.events(entity="ticket", entity_id="K-1")] == [
        "notice_drafted",
        "notice_sent",
    ]
    assert confirm_sent(sqlite_ledger, drafted) == []  # twice is harmless
    assert len(sqlite_ledger.events(entity="ticket", entity_id="K-1")) == 2
    with pytest.raises(InputError, match="unknown notice id"):
        confirm_sent(sqlite_ledger, ["N-NOPE"])


def test_notified_only_once_closed(sqlite_ledger: Ledger, cluster_case) -> None:  # type: ignore[no-untyped-def]
    decisions, tickets = cluster_case
    package = draft_escalations(sqlite_ledger, decisions, tickets, contact=CONTACT)[0].package
    with sqlite_ledger.transaction() as conn:
        conn.execute(
            notices.insert().values(
                notice_id="N-1",
                escalation_id=package.package_id,
                ticket_id="T-1",
                tenant_id=T1,
                text="t",
                html="h",
                drafted_at=datetime.now(UTC),
            )
        )
    with pytest.raises(InvalidTransition, match="notices go out once it is closed"):
        confirm_sent(sqlite_ledger, ["N-1"])
    with sqlite_ledger.transaction() as conn:
        conn.execute(escalations.update().values(status="closed"))
    assert confirm_sent(sqlite_ledger, ["N-1"]) == [package.package_id]


def test_close_loop_finds_resolved_known_issues_in_the_ledger(sqlite_ledger: Ledger) -> None:
    tickets = pd.DataFrame(
        {
            "ticket_id": ["K-1", "K-2"],
            "tenant_id": [T1, T2],
            "title": ["Shared mailboxes fail", "Shared mailboxes fail"],
            "description": ["", ""],
            "customer_name": ["Contoso", "Fabrikam"],
            "reported_at": ["2026-11-20T10:00:00Z", "2026-11-20T10:00:00Z"],
        }
    )
    accepted = validate_tickets(tickets).accepted
    sqlite_ledger.upsert_tickets(accepted)
    rows = [
        {
            "ticket_id": t,
            "category": "known_issue",
            "escalate": False,
            "matched_issue_id": "EX845127",
            "cluster_id": "",
            "region": "Europe",
            "service": "Exchange Online",
            "severity": "",
            "confidence": 0.9,
            "reasons": "matches EX845127",
            "recommended_action": "Tell the customer",
        }
        for t in ("K-1", "K-2")
    ]
    sqlite_ledger.record_decisions(pd.DataFrame(rows), run_id="run-1")
    fetched = datetime(2026, 11, 20, 16, tzinfo=UTC)
    sqlite_ledger.cache_health_issues(T1, [RAW_RESOLVED], fetched_at=fetched)
    sqlite_ledger.cache_health_issues(T2, [RAW_ACTIVE], fetched_at=fetched)
    report = close_loop(sqlite_ledger, None)
    with sqlite_ledger.reading() as conn:
        assert [(n.ticket_id, n.notice_id) for n in sql.list_notices(conn)] == [
            ("K-1", report.drafted[0])
        ]
    assert close_loop(sqlite_ledger, None).drafted == []


RAW_RESOLVED = {
    "id": "EX845127",
    "title": "Some users can't access shared mailboxes",
    "service": "Exchange Online",
    "classification": "Incident",
    "origin": "Microsoft",
    "status": "ServiceRestored",
    "isResolved": True,
    "startDateTime": "2026-11-20T08:00:00Z",
    "endDateTime": "2026-11-20T15:00:00Z",
    "lastModifiedDateTime": "2026-11-20T15:00:00Z",
    "posts": [
        {
            "createdDateTime": "2026-11-20T15:00:00Z",
            "postType": "Regular",
            "description": {"contentType": "Html", "content": "<p>Access restored.</p>"},
        }
    ],
}
RAW_ACTIVE = {
    **RAW_RESOLVED,
    "status": "ServiceDegradation",
    "isResolved": False,
    "endDateTime": None,
}
