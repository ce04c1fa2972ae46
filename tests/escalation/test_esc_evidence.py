"""Per-ticket evidence in a package: extracted from the ticket, never invented."""

from __future__ import annotations

from datetime import UTC, datetime

from esc_helpers import CONTACT, T1, make_decision, make_ticket

from escalation_kit.escalation.evidence import extract_evidence
from escalation_kit.escalation.packages import (
    DESCRIPTION_LIMIT,
    TITLE_LIMIT,
    compose_package,
    edit_package,
)
from escalation_kit.escalation.render import render_json, render_markdown, render_text
from escalation_kit.models import Category, Ticket

FRENCH = (
    "Depuis environ 09:40. Le téléversement échoue avec 'Le fichier est trop volumineux'. "
    "Nous avons déjà vidé le cache et redémarré. Erreur 503 à 10h15 CET sur 3 sites."
)


def ticket(description: str, title: str = "Upload fails", **extra: object) -> Ticket:
    values: dict[str, object] = {"reported_at": datetime(2026, 11, 2, 9, tzinfo=UTC)}
    values.update(extra)
    return Ticket("X", T1, title, description=description, **values)  # type: ignore[arg-type]


def test_codes_messages_times_users_sites_and_checks_are_extracted() -> None:
    found = extract_evidence(
        ticket(
            "Chat messages stay on 'Sending' or show 'Failed to send' since 09:40 today. "
            "We already restarted the clients. Error AADSTS50076 and HTTP 503 at 10:05 UTC. "
            "Correlation ID: 0b6d3b2a-1c2d-4e5f-8a9b-0c1d2e3f4a5b. 40 users in 3 offices.",
            users_affected=40,
        )
    )
    assert found.language == "en" and found.english_summary == ""
    assert found.error_codes == (
        "AADSTS50076",
        "HTTP 503",
        "Correlation ID 0b6d3b2a-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
    )
    assert found.error_messages == ("Sending", "Failed to send")
    assert found.times == ("09:40 (customer's local time, zone not stated)", "10:05 UTC")
    assert found.users == ("40 (users_affected field)", "40 users")
    assert found.sites == ("3 offices",)
    assert found.checks == ("We already restarted the clients.",)


def test_codes_are_quoted_as_the_customer_wrote_them_in_any_language() -> None:
    found = extract_evidence(
        ticket("Outlookで401エラー、サインインは AADSTS 50058 で失敗。ユーザーは500人です。")
    )
    assert found.error_codes == ("401エラー", "AADSTS 50058")


def test_nothing_stated_means_nothing_claimed() -> None:
    found = extract_evidence(ticket("Teams is slow."))
    assert found.checks == () and found.error_codes == () and found.sites == ()


def test_a_non_english_ticket_gets_an_english_summary_beside_the_original() -> None:
    found = extract_evidence(ticket(FRENCH, title="Impossible de téléverser des fichiers"))
    assert found.language == "fr"
    assert found.description == FRENCH  # the original stays
    summary = found.english_summary
    assert summary.startswith("French-language ticket about the service")
    assert "Error codes quoted: Erreur 503." in summary
    assert "10h15 CET" in summary and "1 step(s) already tried" in summary
    assert found.checks == ("Nous avons déjà vidé le cache et redémarré.",)


def test_package_carries_the_evidence_in_text_markdown_and_json_alike() -> None:
    tickets = {
        "T-1": make_ticket("T-1", T1, 9, title="Téléversement impossible", description=FRENCH)
    }
    package = compose_package(
        package_id="ESC-1",
        content_key="k",
        tracking_tag="EK-AAAAA",
        decisions=[make_decision("T-1", Category.BUG)],
        tickets=tickets,
        contact=CONTACT,
    )
    text, markdown, data = render_text(package), render_markdown(package), render_json(package)
    assert "English summary (from the extracted evidence): French-language" in package.description
    assert "Description (fr): Depuis environ 09:40." in package.description
    assert "Error codes: Erreur 503" in package.description
    assert package.description in text and package.description in markdown
    assert '"checks": [\n    "Nous avons déjà vidé le cache et redémarré."' in data
    assert len(package.title) <= TITLE_LIMIT and len(package.description) <= DESCRIPTION_LIMIT
    assert "&#x27;" not in markdown and "&lt;" not in markdown


def test_the_analyst_edits_what_was_checked_and_the_text_follows() -> None:
    tickets = {"T-1": make_ticket("T-1", T1, 9)}
    package = compose_package(
        package_id="ESC-1",
        content_key="k",
        tracking_tag="EK-AAAAA",
        decisions=[make_decision("T-1", Category.BUG)],
        tickets=tickets,
        contact=CONTACT,
    )
    assert package.checks == () and "- nothing stated" in package.description
    edited = edit_package(package, checks=["Reproduced in a test tenant", "  "])
    assert edited.checks == ("Reproduced in a test tenant",)
    assert "- Reproduced in a test tenant" in edited.description
    assert "checks" in edited.edited_fields


def test_a_long_package_fits_the_form_and_points_to_the_attachment() -> None:
    tickets = {f"T-{n}": make_ticket(f"T-{n}", T1, 9, description="x " * 400) for n in range(40)}
    decisions = [
        make_decision(t, Category.REGIONAL_MULTI_TENANT, cluster_id="C-1") for t in tickets
    ]
    package = compose_package(
        package_id="ESC-1",
        content_key="k",
        tracking_tag="EK-AAAAA",
        decisions=decisions,
        tickets=tickets,
        contact=CONTACT,
    )
    assert len(package.description) <= DESCRIPTION_LIMIT
    assert "more ticket(s): see affected.csv" in package.description
    assert package.description.endswith(
        "Partner contact: Ana Partner, ana@partner.example, +49 30 1234"
    )
