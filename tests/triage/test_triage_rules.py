"""The rules file: schema validation, duplicate names, and each category in each language."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from escalation_kit.errors import ConfigError
from escalation_kit.triage.content import score_content, users_stated_in_text, with_breadth_default
from escalation_kit.triage.language import detect_language
from escalation_kit.triage.rules import RuleRegistry, load_rules, parse_rules

GOOD_RULE = {"name": "r", "category": "bug", "weight": 2, "phrases": {"en": ["crash"]}}


def scores(*texts: str) -> list[tuple[str, str]]:
    result = score_content(pa.chunked_array([pa.array(list(texts), pa.string())]), load_rules())
    return list(zip(result.category, result.reasons, strict=True))


def test_bundled_rules_load_and_cover_every_rule_category_and_language() -> None:
    rules = load_rules()
    assert rules.default_category == "self_service"
    assert {r.category for r in rules.rules} == {
        "self_service",
        "service_not_as_described",
        "service_unavailable",
        "bug",
        "network_disruption",
    }
    for rule in rules.rules:
        if rule.name != "three Microsoft services named together":
            assert {"en", "ru", "de", "es", "fr"} <= set(rule.patterns), rule.name


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "expected a mapping"),
        ({"version": 2, "rules": [GOOD_RULE]}, "'version' must be 1"),
        ({"version": 1, "rules": []}, "'rules' must be a non-empty list"),
        ({"version": 1, "rules": [GOOD_RULE, GOOD_RULE]}, "duplicate triage rule name 'r'"),
        ({"version": 1, "rules": [GOOD_RULE | {"category": "oops"}]}, "unknown category 'oops'"),
        (
            {"version": 1, "rules": [GOOD_RULE | {"category": "known_issue"}]},
            "cannot be decided by rules",
        ),
        ({"version": 1, "rules": [GOOD_RULE | {"weight": 0}]}, "'weight' must be a number"),
        ({"version": 1, "rules": [GOOD_RULE | {"weight": "3"}]}, "'weight' must be a number"),
        (
            {"version": 1, "rules": [GOOD_RULE | {"phrases": {"xx": ["a"]}}]},
            "unknown language 'xx'",
        ),
        ({"version": 1, "rules": [GOOD_RULE | {"phrases": {"en": "crash"}}]}, "list of non-empty"),
        ({"version": 1, "rules": [GOOD_RULE | {"phrases": {}}]}, "at least one phrase"),
        ({"version": 1, "rules": [GOOD_RULE | {"colour": "red"}]}, "unknown field(s) colour"),
        (
            {"version": 1, "rules": [GOOD_RULE | {"patterns": {"en": ["(?<=a)b"]}}]},
            "invalid pattern for language 'en'",
        ),
        (
            {"version": 1, "rules": [GOOD_RULE | {"overrides_known_issue": True}]},
            "only self_service rules can override",
        ),
    ],
)
def test_invalid_rules_documents_are_config_errors(document: object, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_rules(document, source="my-rules.yaml")
    assert message in str(caught.value)
    assert "my-rules.yaml" in str(caught.value)


def test_unreadable_or_invalid_yaml_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read triage rules file"):
        load_rules(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("rules: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="is not valid YAML"):
        load_rules(broken)


def test_registry_refuses_duplicate_names() -> None:
    rule = parse_rules({"version": 1, "rules": [GOOD_RULE]}).rules[0]
    registry = RuleRegistry([rule])
    with pytest.raises(ConfigError, match="duplicate triage rule name 'r'"):
        registry.add(rule)
    assert len(registry) == 1 and registry["r"] is rule


def test_a_custom_rules_file_is_used(tmp_path: Path) -> None:
    custom = tmp_path / "rules.yaml"
    custom.write_text(
        "version: 1\ndefault_category: self_service\nrules:\n"
        "  - {name: frobnicator, category: bug, weight: 1, phrases: {en: [frobnicate]}}\n",
        encoding="utf-8",
    )
    rules = load_rules(custom)
    result = score_content(pa.chunked_array([pa.array(["it will frobnicate", "hello"])]), rules)
    assert list(result.category) == ["bug", "self_service"]
    assert result.reasons[0] == "rule 'frobnicator' (en) matched 'frobnicate' (score 1)"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Users cannot send email since this morning", "en"),
        ("Письма не приходят с утра", "ru"),
        ("E-Mails kommen seit heute früh nicht an", "de"),
        ("No llegan los correos desde la mañana", "es"),
        ("Les utilisateurs ne reçoivent pas les mails depuis ce matin", "fr"),
        ("Teams", "en"),
    ],
)
def test_language_detection(text: str, language: str) -> None:
    assert detect_language(text) == language


CASES = {
    "self_service": {
        "en": "How do I set up an out of office reply for one user?",
        "ru": "Сотрудник забыл пароль, нужно сбросить пароль",
        "de": "Neue Mitarbeiterin braucht eine Lizenz, bitte zuweisen",
        "es": "Un usuario perdió su teléfono y no puede aprobar el inicio de sesión",
        "fr": "Comment configurer le transfert des mails pour un utilisateur ?",
    },
    "service_not_as_described": {
        "en": "Archive stops at 100 GB although Microsoft documents 1.5 TB",
        "ru": "Ящик ограничен 10 ГБ, а по описанию службы должно быть 50 ГБ",
        "de": "Laut Dienstbeschreibung 100 GB, das Postfach ist aber bei 50 GB voll",
        "es": "La documentación indica 9.000 tareas por plan, pero se alcanzó el límite a 2.500",
        "fr": "La corbeille ne conserve pas les éléments 93 jours comme la documentation l'indique",
    },
    "service_unavailable": {
        "en": "SharePoint is down for the whole company, every site returns 503",
        "ru": "Teams недоступен, никто не может войти, ошибка 503",
        "de": "Exchange ist für die ganze Firma ausgefallen",
        "es": "Power BI está caído, nadie puede entrar",
        "fr": "Teams est en panne pour toute l'entreprise",
    },
    "bug": {
        "en": "Excel crashes when opening workbooks since the update",
        "ru": "После обновления Outlook падает при открытии календаря",
        "de": "Seit dem Update stürzt Teams beim Teilen ab",
        "es": "Desde la actualización los informes se muestran mal",
        "fr": "Depuis la mise à jour, les dates s'affichent mal dans Planner",
    },
    "network_disruption": {
        "en": "All Microsoft 365 services time out at all our sites on different ISPs",
        "ru": "Все сервисы Microsoft недоступны во всех офисах у разных провайдеров",
        "de": "Alle Microsoft-Dienste an allen Standorten mit Zeitüberschreitung",
        "es": "Todos los servicios de Microsoft con pérdida de paquetes en varias sedes",
        "fr": "Tous les services Microsoft coupés sur plusieurs sites, deux fournisseurs",
    },
}


@pytest.mark.parametrize(
    ("category", "language"),
    [(c, lang) for c, by_language in CASES.items() for lang in by_language],
)
def test_each_category_in_each_language(category: str, language: str) -> None:
    [(got, reason)] = scores(CASES[category][language])
    assert got == category, reason
    assert reason.startswith("rule '")


def test_tie_breaks_of_the_careful_analyst() -> None:
    [(one_user, _), (admin_limit, _), (published, _), (own_dns, _)] = scores(
        "Outlook crashes for one user on her laptop",
        "Site storage full: we set a 25 GB storage limit on that site",
        "Mailbox full at 50 GB although the service description says 100 GB",
        "No external email since the web agency changed our MX record",
    )
    assert one_user == "self_service"
    assert admin_limit == "self_service"
    assert published == "service_not_as_described"
    assert own_dns == "self_service"


def test_reason_quotes_the_rule_language_and_words() -> None:
    [(category, reason)] = scores("Das Postfach ist voll, laut Dienstbeschreibung sind 100 GB drin")
    assert category == "service_not_as_described"
    assert reason == (
        "rule 'limit below Microsoft's published number' (de) matched 'Dienstbeschreibung' "
        "(score 5)"
    )


def test_no_evidence_gives_the_default_category_with_low_confidence() -> None:
    result = score_content(pa.chunked_array([pa.array(["Hello there"])]), load_rules())
    assert list(result.category) == ["self_service"]
    assert result.confidence[0] == 0.3
    assert result.reasons[0] == (
        "no escalation evidence: no content rule matched; default category 'self_service' "
        "(low confidence, please review)"
    )
    assert not result.self_service_evidence()[0]


def test_no_evidence_but_many_users_affected_is_a_bug_to_review() -> None:
    text = pa.chunked_array([pa.array(["Hello there", "Hello there", "Hello there"])])
    result = with_breadth_default(score_content(text, load_rules()), np.array([-1, 1, 40]), 2)
    assert list(result.category) == ["self_service", "self_service", "bug"]
    assert list(result.confidence) == [0.3, 0.3, 0.3]
    assert result.reasons[2] == (
        "no content rule matched, but 40 users are affected: default category 'bug' "
        "(low confidence, please review)"
    )


GENERALIZATION_CASES = [
    # the tenant's own conditional access policy blocks sign-in: the admin can change it
    (
        "Field staff get 'Sign-in blocked by a conditional access policy' at the client site",
        "en",
        "self_service",
        "sign-in blocked by the tenant's own conditional access",
    ),
    (
        "Вход заблокирован политикой условного доступа у сотрудников в командировке",
        "ru",
        "self_service",
        "sign-in blocked by the tenant's own conditional access",
    ),
    (
        "Anmeldung durch Richtlinie für bedingten Zugriff blockiert, im Büro geht es",
        "de",
        "self_service",
        "sign-in blocked by the tenant's own conditional access",
    ),
    (
        "Inicio de sesión bloqueado por una directiva de acceso condicional en el hotel",
        "es",
        "self_service",
        "sign-in blocked by the tenant's own conditional access",
    ),
    (
        "Connexion bloquée par une stratégie d'accès conditionnel depuis l'usine",
        "fr",
        "self_service",
        "sign-in blocked by the tenant's own conditional access",
    ),
    # a limit the admin set
    (
        "Nous avions fixé une limite de 10 Go sur le site RH, il est plein",
        "fr",
        "self_service",
        "limit or quota the admin sets",
    ),
    (
        "Мы поставили сайту отдела лимит 20 ГБ, теперь места нет",
        "ru",
        "self_service",
        "limit or quota the admin sets",
    ),
    # the customer's own setting is right, the service does not honour it
    (
        "Retention is set to keep 365 days of items but only 30 days are kept",
        "en",
        "service_not_as_described",
        "the customer's own setting is right but not honoured",
    ),
    (
        "Postfach voll bei 50 GB, wir haben kein eigenes Kontingent gesetzt",
        "de",
        "service_not_as_described",
        "the customer's own setting is right but not honoured",
    ),
    (
        "La biblioteca está configurada para 200 versiones pero solo guarda 50",
        "es",
        "service_not_as_described",
        "the customer's own setting is right but not honoured",
    ),
    # the service does not serve the tenant
    (
        "Planner muestra 'Algo salió mal' a todos desde las 9",
        "es",
        "service_unavailable",
        "something went wrong message",
    ),
    (
        "Richtlinien-Zuweisung schlägt bei allen Geräten fehl, seit 9 Uhr",
        "de",
        "service_unavailable",
        "an operation fails for every device of the tenant",
    ),
    (
        "Пользователи получают 'временная ошибка' при входе в портал",
        "ru",
        "service_unavailable",
        "transient sign-in or service error",
    ),
    # one function fails while the rest of the service works: a bug, not an outage
    (
        "Nobody can send mail from Outlook; receiving still works",
        "en",
        "bug",
        "one function fails while the rest of the service works",
    ),
]


@pytest.mark.parametrize(("text", "language", "category", "rule"), GENERALIZATION_CASES)
def test_rules_added_for_generalization(text: str, language: str, category: str, rule: str) -> None:
    [(got, reason)] = scores(text)
    assert got == category, reason
    assert reason.startswith(f"rule '{rule}' ({language}) matched"), reason


def test_a_negated_admin_quota_is_not_an_admin_limit() -> None:
    [(got, reason)] = scores(
        "No per-user quota is set, yet OneDrive stops at 100 GB instead of 1 TB"
    )
    assert got == "service_not_as_described", reason


def test_conditional_access_as_a_consequence_is_not_the_customers_policy() -> None:
    [(got, reason)] = scores(
        "Devices show non-compliant, so users get blocked by conditional access"
    )
    assert (got, reason) == (
        "self_service",
        "no escalation evidence: no content rule matched; default category 'self_service' "
        "(low confidence, please review)",
    )


def test_although_only_one_user_is_still_one_user() -> None:
    [(got, reason)] = scores("Outlook crashes, although only one user has the problem")
    assert got == "self_service", reason
    [(got, reason)] = scores("Install limit reached although only 2 installs are active")
    assert got == "service_not_as_described", reason


def test_users_stated_in_the_text_in_each_language() -> None:
    text = pa.chunked_array(
        [
            pa.array(
                [
                    "About 7 users are affected",
                    "19 people have reported it so far",
                    "Затронуто около 49 пользователей",
                    "Alle 400 Benutzer sind betroffen",
                    "Hay unos 25 usuarios afectados",
                    "Les 650 utilisateurs sont touchés",
                    "Outlook crashes on 2 PCs",
                    None,
                ]
            )
        ]
    )
    assert users_stated_in_text(text).tolist() == [7, 19, 49, 400, 25, 650, -1, -1]


def test_although_with_words_before_the_count() -> None:
    [(got, reason)] = scores("Лимит установок, хотя активных установок всего 2 из 5")
    assert got == "service_not_as_described", reason
