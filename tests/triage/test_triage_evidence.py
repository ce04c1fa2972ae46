"""Named evidence: scope with negation, the customer's side, Microsoft-side signals, languages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from triage_rows import row

from escalation_kit.errors import ConfigError
from escalation_kit.triage.engine import triage_tickets
from escalation_kit.triage.evidence import Evidence, compute_evidence, load_evidence


def evidence(*texts: str, users: int = -1) -> Evidence:
    n = len(texts)
    return compute_evidence(
        pa.chunked_array([pa.array(list(texts), pa.string())]),
        np.full(n, users),
        np.ones(n, dtype=np.int64),
        np.ones(n, dtype=bool),
    )


def on(found: Evidence, name: str) -> list[bool]:
    return found.column(name).tolist()


EVERYONE = {
    "en": "Not a single user can send mail since 9:00",
    "ru": "Ни один пользователь не может отправить письмо",
    "de": "Kein einziger Benutzer kann seit heute Mails senden",
    "es": "Ningún usuario puede enviar correos desde esta mañana",
    "fr": "Aucun utilisateur ne peut envoyer de mails depuis ce matin",
    "it": "Nessun utente riesce a inviare email da stamattina",
    "pt": "Nenhum usuário consegue enviar e-mails desde hoje cedo",
    "nl": "Geen enkele gebruiker kan sinds vanochtend mail versturen",
    "ja": "今朝から全員がメールを送信できません",
}


@pytest.mark.parametrize("language", sorted(EVERYONE))
def test_not_a_single_user_means_the_whole_tenant(language: str) -> None:
    found = evidence(EVERYONE[language])
    assert on(found, "scope_tenant") == [True]
    assert on(found, "scope_one") == [False]


def test_one_user_or_device_and_its_negation() -> None:
    found = evidence(
        "Outlook crashes on my laptop only",
        "Das betrifft nicht nur einen Benutzer, sondern mehrere Benutzer",
    )
    assert on(found, "scope_one") == [True, False]
    assert on(found, "scope_several") == [False, True]


def test_a_customer_side_change_is_cancelled_when_the_customer_rules_it_out() -> None:
    found = evidence(
        "Since we changed our firewall rules Teams times out",
        "Teams times out; we did not change anything on our firewall",
        "Seit der Umstellung auf den neuen Proxy geht nichts mehr",
    )
    assert on(found, "customer_change") == [True, False, True]
    assert on(found, "customer_change_ruled_out") == [False, True, False]


def test_already_tried_in_several_languages() -> None:
    found = evidence(
        "We already cleared the cache and reinstalled Teams",
        "Haben bereits neu gestartet, hilft nicht",
        "Abbiamo già riavviato il PC",
        "再起動しましたが改善しません",
        "Outlook is slow",
    )
    assert on(found, "already_tried") == [True, True, True, True, False]


def test_microsoft_side_signals_and_the_codes_quoted() -> None:
    found = evidence(
        "Sign-in fails with AADSTS50076 for all users",
        "NDR 550 5.7.1 when sending to external recipients",
        "Update fails with 0x80070005",
        "Every site returns HTTP 503 Service Unavailable",
        "Since the latest update Excel shows wrong totals",
    )
    assert on(found, "aadsts") == [True, False, False, False, False]
    assert on(found, "smtp_code") == [False, True, False, False, False]
    assert on(found, "hex_error") == [False, False, True, False, False]
    assert on(found, "http_5xx") == [False, False, False, True, False]
    assert on(found, "after_update") == [False, False, False, False, True]
    assert found.codes.tolist()[:3] == ["aadsts50076", "5.7.1", "0x80070005"]


def test_documentation_says_x_but_we_get_y_needs_both_numbers() -> None:
    found = evidence(
        "The documentation says 100 GB but the mailbox is full at 50 GB",
        "Laut Dienstbeschreibung 100 GB, das Postfach ist aber bei 50 GB voll",
        "La documentation indique 500 destinataires mais seulement 100 passent",
        "The documentation says the archive is unlimited",
    )
    assert on(found, "documented_vs_actual") == [True, True, True, False]


def test_symptom_families() -> None:
    found = evidence(
        "SharePoint is down for everyone",
        "Excel crashes when opening the file",
        "Mailbox quota reached at 50 GB",
        "Timeouts and packet loss to Teams",
        "How do I set up an out of office reply?",
    )
    names = [
        "symptom_down",
        "symptom_malfunction",
        "symptom_limit",
        "symptom_connectivity",
        "symptom_howto",
    ]
    for i, name in enumerate(names):
        assert on(found, name)[i], name


def test_describe_and_missing_are_analyst_readable() -> None:
    found = evidence("Teams is down for everyone, HTTP 503", "help")
    described = found.describe().tolist()
    assert "who is affected: the whole tenant" in described[0]
    assert "error code quoted: error 503" not in described[0] or "503" in described[0]
    assert "who is affected: not stated" not in described[0]
    missing = found.missing().tolist()
    assert "what was already tried or checked" in missing[0]
    assert missing[1].startswith("who is affected")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("features: []", "expected a mapping 'features'"),
        ("features: {x: {label: X, group: nowhere, phrases: {en: [a]}}}", "field 'group'"),
        ("features: {x: {label: X, group: who}}", "at least one phrase"),
        ("features: {x: {label: X, group: who, phrases: {xx: [a]}}}", "unknown language"),
        ("features: {x: {label: X, group: who, patterns: {en: ['(']}}}", "invalid pattern"),
        ("features: {x: {label: X, group: who, phrases: {en: [a]}, unless: [y]}}", "unknown"),
    ],
)
def test_invalid_evidence_files_are_config_errors(
    tmp_path: Path, document: str, message: str
) -> None:
    path = tmp_path / "evidence.yaml"
    path.write_text(document, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_evidence(path)


def test_several_services_named_make_a_suite_ticket_with_named_reasons(
    batch: Callable[..., pd.DataFrame],
) -> None:
    frame = batch(
        row("S1", "Outlook and Teams fail for everyone", service="Outlook, Teams", users=40),
        row("S2", "Teams is slow", service="Teams", users=40),
    )
    decisions = triage_tickets(frame).decisions
    assert decisions["service"].tolist() == ["Microsoft 365 suite", "Microsoft Teams"]
    assert "several services named: the Microsoft 365 suite" in decisions["reasons"].iloc[0]
    for reason in decisions["reasons"]:
        assert "(score" not in reason and "matched '" not in reason


def test_pattern_escapes_keep_their_case_when_patterns_are_folded() -> None:
    """``\\S`` and ``\\D`` must not become ``\\s`` and ``\\d``: "ошибкой 507" and "HTTP-Fehler: 509"
    name a server error only if the words between are skipped as non-digits."""
    found = evidence("Сервер отвечает ошибкой 507", "HTTP-Fehler: 509 seit heute", "Fehler 0815")
    assert on(found, "http_5xx") == [True, True, False]


def test_n_users_in_any_language_comes_from_the_packs_users_words() -> None:
    """One list per pack: "12 utenti", "30人", "40 Benutzer" are several users; "1 user" is not."""
    found = evidence(
        "Non funziona per 12 utenti", "約30人が使えない", "40 Benutzer betroffen", "1 user"
    )
    assert on(found, "scope_several") == [True, True, True, False]
