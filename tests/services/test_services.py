"""Service aliases in five languages, inference from text, and the batch versions."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation_kit import services
from escalation_kit.services import (
    SERVICE_NAMES,
    fold_text,
    infer_service,
    infer_services,
    normalize_service,
    normalize_services,
    service_aliases,
)

EXO = "Exchange Online"
TEAMS = "Microsoft Teams"
SPO = "SharePoint Online"
ODFB = "OneDrive for Business"
ENTRA = "Microsoft Entra"
INTUNE = "Microsoft Intune"
APPS = "Microsoft 365 apps"
SUITE = "Microsoft 365 suite"

ALIASES = {
    # the contract's examples
    "Outlook": EXO,
    "email": EXO,
    "Teams": TEAMS,
    "SPO": SPO,
    "OneDrive": ODFB,
    "Azure AD": ENTRA,
    "Entra ID": ENTRA,
    "sign-in": ENTRA,
    "MFA": ENTRA,
    "Word": APPS,
    "Excel": APPS,
    # more English
    "OWA": EXO,
    "Outlook on the web": EXO,
    "mailbox": EXO,
    "Exchange": EXO,
    "EXO": EXO,
    "ODFB": ODFB,
    "SharePoint": SPO,
    "AAD": ENTRA,
    "Conditional Access": ENTRA,
    "Identity Service": ENTRA,
    "Intune": INTUNE,
    "Endpoint Manager": INTUNE,
    "MDM": INTUNE,
    "Office": APPS,
    "Microsoft 365 Apps for enterprise": APPS,
    "PowerPoint": APPS,
    "OneNote": APPS,
    "PBI": "Power BI",
    "Power BI": "Power BI",
    "Dynamics": "Dynamics 365 Apps",
    "D365": "Dynamics 365 Apps",
    "CRM": "Dynamics 365 Apps",
    "Forms": "Microsoft Forms",
    "Planner": "Planner",
    "Yammer": "Microsoft Viva",
    "Flow": "Power Automate",
    "Office 365": SUITE,
    "M365": SUITE,
    # Russian
    "почта": EXO,
    "Электронная почта": EXO,
    "почтовый ящик": EXO,
    "Тимс": TEAMS,
    "Шарепоинт": SPO,
    "пароль": ENTRA,
    "Ворд": APPS,
    # German
    "E-Mail": EXO,
    "Postfach": EXO,
    "Posteingang": EXO,
    "Anmeldung": ENTRA,
    "Kennwort": ENTRA,
    "Mehrstufige Authentifizierung": ENTRA,
    # Spanish
    "correo": EXO,
    "correo electrónico": EXO,
    "buzón": EXO,
    "contraseña": ENTRA,
    "inicio de sesión": ENTRA,
    # French
    "courrier": EXO,
    "messagerie": EXO,
    "boîte aux lettres": EXO,
    "mot de passe": ENTRA,
    "authentification multifacteur": ENTRA,
}


@pytest.mark.parametrize(("alias", "service"), ALIASES.items())
def test_alias(alias: str, service: str) -> None:
    assert normalize_service(alias) == service


@pytest.mark.parametrize(
    "variant",
    ["e-mail", "E MAIL", "  e_mail ", "Correo Electronico", "BOITE AUX LETTRES", "ПОЧТА", "e‑mail"],
)
def test_case_accent_and_punctuation_insensitive(variant: str) -> None:
    assert normalize_service(variant) == EXO


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_canonical_names_map_to_themselves(name: str) -> None:
    assert normalize_service(name) == name
    assert normalize_service(name.upper()) == name


@pytest.mark.parametrize("text", [None, "", "   ", "printer", "Outlook is broken", "Gmail"])
def test_unknown_is_none(text: str | None) -> None:
    assert normalize_service(text) is None


def test_contract_names_come_first() -> None:
    assert SERVICE_NAMES[:12] == (
        EXO,
        TEAMS,
        SPO,
        ODFB,
        ENTRA,
        INTUNE,
        APPS,
        "Power BI",
        SUITE,
        "Planner",
        "Microsoft Forms",
        "Dynamics 365 Apps",
    )
    assert set(service_aliases().values()) == set(SERVICE_NAMES)


def test_fold_text() -> None:
    assert fold_text("  Boîte   aux-lettres!! ") == "boite aux lettres"
    assert fold_text("Электронная ПОЧТА") == "электронная почта"
    assert fold_text("Ñandú_Größe") == "nandu große"


INFERENCE = [
    ("Outlook can't connect", "", EXO),
    ("Teams meeting drops after 5 minutes", "", TEAMS),
    ("can't sign in / MFA prompt loops", "", ENTRA),
    ("Cannot sign in", "", ENTRA),
    ("Office 365 email is down", "", EXO),
    ("Urgent", "Users cannot open files in SharePoint or OneDrive", SPO),
    ("Sync stuck", "OneDrive shows a red cross", ODFB),
    ("Help", "The mailbox of the CEO is full", EXO),
    ("Excel crashes when opening a workbook", "", APPS),
    ("Power BI report refresh failed", "", "Power BI"),
    ("Device enrollment fails with 0x80180014", "", INTUNE),
    ("Не работает почта", "", EXO),
    ("Тимс не запускается", "", TEAMS),
    ("Не могу войти в почту", "", EXO),
    ("Postfach ist voll", "", EXO),
    ("E-Mails kommen nicht an", "", EXO),
    ("No puedo enviar correo", "", EXO),
    ("Problème de messagerie", "", EXO),
    ("Impossible d'ouvrir la boîte aux lettres partagée", "", EXO),
    ("Mot de passe expiré", "", ENTRA),
    ("Printer jammed", "the printer on floor 2", None),
    ("", "", None),
    # whole words only: no "teams" inside "steamship", no "exo" inside "exotic"
    ("Steamship exotic", "", None),
    # the earliest product name in the title wins, then the description
    ("Teams and Outlook both slow", "SharePoint too", TEAMS),
    ("Slow", "Outlook then Teams", EXO),
    # a product name beats a generic word even when the word comes first
    ("Password prompt in Outlook", "", EXO),
    # three or more services named in the title: the whole suite
    ("Teams, Outlook and SharePoint all timing out", "", SUITE),
    ("Таймауты Teams, Outlook и OneDrive во всех офисах", "", SUITE),
    ("Teams and Outlook both slow", "", TEAMS),
    ("Outlook, OWA and Exchange are down", "", EXO),  # one service under three names
    # the title is read first, even when it is only vague
    ("Microsoft 365 unreachable at our main office", "Nothing loads: Outlook, Teams", SUITE),
    ("El CEO no puede iniciar sesión en ningún lado", "Tampoco el correo", ENTRA),
    ("Alle Microsoft-Dienste extrem langsam", "Teams hängt", SUITE),
    ("Scheduled refresh failing via the gateway", "", "Power BI"),
    ("Respuesta automática para Diego", "", EXO),
    ("Version history keeps only 100 versions", "in the library", SPO),
]


@pytest.mark.parametrize(("title", "description", "service"), INFERENCE)
def test_infer_service(title: str, description: str, service: str | None) -> None:
    assert infer_service(title, description) == service


def test_infer_services_matches_scalar() -> None:
    titles = pd.Series(
        [t for t, _, _ in INFERENCE] + [None], index=range(100, 100 + len(INFERENCE) + 1)
    )
    descriptions = pd.Series([d for _, d, _ in INFERENCE] + ["Тимс"], index=titles.index)
    result = infer_services(titles, descriptions)
    assert result.index.equals(titles.index)
    expected = [s for _, _, s in INFERENCE] + [TEAMS]
    assert [None if pd.isna(v) else v for v in result] == expected


def test_infer_services_without_descriptions() -> None:
    result = infer_services(pd.Series(["Outlook down", "nothing"]))
    assert [None if pd.isna(v) else v for v in result] == [EXO, None]


def test_normalize_services_matches_scalar() -> None:
    values = [*ALIASES, None, "", "printer"]
    series = pd.Series(values, dtype=object, index=range(5, 5 + len(values)), name="service")
    result = normalize_services(series)
    assert result.name == "service"
    assert result.index.equals(series.index)
    assert [None if pd.isna(v) else v for v in result] == [normalize_service(v) for v in values]


WORDS = st.sampled_from(
    ["Outlook", "e-mail", "Тимс", "почту", "Boîte", "aux", "lettres", "sign", "in", "MFA", "Word",
     "the", "is", "down", "Office", "365", "Größe", "ß", "İ", "-", "/", "  ", "SPO", "Ñ"]
)  # fmt: skip


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.lists(WORDS | st.text(max_size=8)).map(" ".join), min_size=1, max_size=5),
    st.data(),
)
def test_batch_and_scalar_agree_on_random_text(titles: list[str], data: st.DataObject) -> None:
    descriptions = data.draw(
        st.lists(st.text(max_size=20), min_size=len(titles), max_size=len(titles))
    )
    batch = infer_services(pd.Series(titles), pd.Series(descriptions))
    scalar = [infer_service(t, d) for t, d in zip(titles, descriptions, strict=True)]
    assert [None if pd.isna(v) else v for v in batch] == scalar
    normalized = normalize_services(pd.Series(titles))
    assert [None if pd.isna(v) else v for v in normalized] == [normalize_service(t) for t in titles]


def test_data_file_refuses_an_alias_for_two_services(monkeypatch: pytest.MonkeyPatch) -> None:
    from escalation_kit.errors import ConfigError

    raw = {EXO: {"names": ["Outlook"]}, TEAMS: {"terms": ["outlook"]}}
    monkeypatch.setattr(services, "_load_raw", lambda: raw)
    services._table.cache_clear()
    try:
        with pytest.raises(ConfigError, match="alias 'outlook' given for both Exchange Online"):
            normalize_service("Outlook")
    finally:
        services._table.cache_clear()


def test_importing_services_and_regions_stays_light() -> None:
    import json
    import subprocess
    import sys

    code = (
        "import sys, json, escalation_kit.services, escalation_kit.regions; "
        "print(json.dumps([m for m in ('pandas', 'pyarrow', 'yaml') if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert json.loads(out.stdout) == []
