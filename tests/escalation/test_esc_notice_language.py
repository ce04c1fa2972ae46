"""Closing the loop properly: notices entirely in the customer's language, names never
invented, and Microsoft's post-incident review attached."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from esc_helpers import CONTACT, T1, T4, make_decision, make_ticket

from escalation_kit.auth import StaticTokenProvider
from escalation_kit.escalation.batch import prepare_packages, write_unsent_notices
from escalation_kit.escalation.notify import (
    SUPPORTED_LANGUAGES,
    NoticeFacts,
    _templates,
    notice_for,
)
from escalation_kit.escalation.partner_center import PartnerCenterClient
from escalation_kit.escalation.reviews import fetch_incident_reports
from escalation_kit.escalation.tracking import track
from escalation_kit.escalation.workflow import close_loop, draft_known_issue_notices
from escalation_kit.health.graph import GraphHealthClient
from escalation_kit.health.snapshot import HealthSnapshot
from escalation_kit.ledger import Ledger
from escalation_kit.ledger import escalations as sql
from escalation_kit.models import Category
from escalation_kit.sandbox import Sandbox
from escalation_kit.sandbox.partner_center import file_service_request, microsoft_update

FRENCH_TITLE = "Les utilisateurs ne reçoivent plus aucun courriel depuis ce matin"
MICROSOFT_NOTE = "A faulty transport rule was rolled back."
ENGLISH_SENTENCES = [v for k, v in _templates()["en"].items() if k not in ("subject",)] + [
    "customer",
    "We escalated",
    MICROSOFT_NOTE,
]


def english_left(text: str) -> list[str]:
    """English template words (placeholders cut off) found in ``text``."""
    found = []
    for sentence in ENGLISH_SENTENCES:
        head = sentence.split("$")[0].strip()
        if len(head) >= 6 and head in text:
            found.append(head)
    return found


def french_notice_lines(text: str) -> list[str]:
    """Every line of a notice that is not one of the French template's sentences."""
    french = _templates()["fr"]
    fixed = [v.split("$")[0].strip() for v in french.values() if v.split("$")[0].strip()]
    return [
        line
        for line in text.splitlines()
        if line.strip() and not any(line.startswith(head) for head in fixed)
    ]


def test_a_french_tickets_notice_is_entirely_in_french(
    ledger: Ledger, sandbox: Sandbox, pc_client: PartnerCenterClient
) -> None:
    tickets = {
        "F-1": make_ticket(
            "F-1",
            T1,
            9,
            title=FRENCH_TITLE,
            description="Depuis 08:30, aucun message externe n'arrive. Tous nos utilisateurs.",
            customer_name="Agence Meunier",
        )
    }
    batch = prepare_packages(
        [make_decision("F-1", Category.SERVICE_UNAVAILABLE)],
        tickets,
        ledger=ledger,
        contact=CONTACT,
    )
    (package,) = batch.packages
    with ledger.reading() as conn:  # stored on the way, so the notice knows the language
        assert sql.ticket_row(conn, "F-1").title == FRENCH_TITLE
    sr_id = file_service_request(sandbox.base_url, customer_tenant_id=T1, title=package.title)["id"]
    track(ledger, pc_client)
    microsoft_update(sandbox.base_url, sr_id, status="closed", note=MICROSOFT_NOTE)
    track(ledger, pc_client)
    assert len(close_loop(ledger, pc_client).drafted) == 1
    with ledger.reading() as conn:
        (notice,) = sql.list_notices(conn)
    assert notice.language == "fr"
    assert english_left(notice.text) == []
    assert english_left(notice.html) == []
    assert notice.text.startswith("Bonjour Agence Meunier,")
    assert f"demande de support {sr_id} ({package.tracking_tag})" in notice.text
    assert f"Référence : {package.tracking_tag} / demande Microsoft {sr_id}" in notice.text
    # nothing but French template sentences (the ticket title is quoted inside the intro)
    assert french_notice_lines(notice.text) == []


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_no_customer_name_means_no_invented_name(language: str) -> None:
    facts = NoticeFacts("T-1", "x", "Exchange Online", request="6180", tag="EK-ABCDE")
    notice = notice_for(facts, language)
    first = notice.text.splitlines()[0]
    assert first == _templates()[language]["greeting_anonymous"]
    assert "customer" not in notice.text.lower()


@pytest.mark.parametrize("language", [lang for lang in SUPPORTED_LANGUAGES if lang != "en"])
def test_every_language_has_no_english_sentence(language: str) -> None:
    facts = NoticeFacts(
        "T-1",
        "titre",
        "Exchange Online",
        customer="Contoso",
        reported="2026-11-20",
        request="6180",
        tag="EK-ABCDE",
        microsoft_note=MICROSOFT_NOTE,
    )
    assert english_left(notice_for(facts, language).text) == []
    known = NoticeFacts(
        "T-1",
        "titre",
        "Exchange Online",
        issue_id="EX1",
        issue_title="Users can't access mail",
        microsoft_note="We fixed it.",
        review_file="EX1-post-incident-review.txt",
    )
    text = notice_for(known, language).text
    assert english_left(text) == [] and "Users can't access mail" not in text
    assert "EX1-post-incident-review.txt" in text


def pir_snapshot() -> HealthSnapshot:
    issue = {
        "id": "EX900001",
        "service": "Exchange Online",
        "feature": "Mail flow",
        "featureGroup": "E-Mail and calendar access",
        "title": "Users can't receive external mail",
        "impactDescription": "Users can't receive external mail.",
        "classification": "incident",
        "origin": "microsoft",
        "status": "PostIncidentReviewPublished",
        "isResolved": True,
        "startDateTime": "2026-11-20T07:00:00Z",
        "endDateTime": "2026-11-20T12:00:00Z",
        "lastModifiedDateTime": "2026-11-22T09:00:00Z",
        "posts": [],
    }
    return HealthSnapshot(
        {T4: {"healthOverviews": [], "issues": [issue]}}, fetched_at="2026-11-20T08:00:00Z"
    )


def test_a_post_incident_review_is_fetched_and_attached(ledger: Ledger, tmp_path: Path) -> None:
    snapshot = pir_snapshot()
    ticket = make_ticket(
        "K-9", T4, 9, title="Nos utilisateurs ne reçoivent plus de courriels", customer_name=""
    )
    decision = replace(make_decision("K-9", Category.KNOWN_ISSUE), matched_issue_id="EX900001")
    with Sandbox(snapshot) as sandbox:
        client = GraphHealthClient(sandbox.base_url, StaticTokenProvider())
        with client:
            stored = fetch_incident_reports(ledger, client, snapshot.all_issues())
            assert fetch_incident_reports(ledger, client, snapshot.all_issues()) == []  # once
    assert [r.issue_id for r in stored] == ["EX900001"]
    assert stored[0].content.startswith(b"Post-incident report for EX900001")
    drafted = draft_known_issue_notices(ledger, [decision], {"K-9": ticket}, snapshot.all_issues())
    assert len(drafted) == 1
    written = write_unsent_notices(ledger, tmp_path)
    (notice,) = written
    assert notice.language == "fr" and notice.text.startswith("Bonjour,\n")
    assert "EX900001-post-incident-review.txt" in notice.text
    assert "Analyse post-incident" in notice.text
    attached = tmp_path / "EX900001-post-incident-review.txt"
    assert attached.read_bytes() == stored[0].content
