"""Language packs: one file per language, complete, and the only place a language's words live."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
import yaml

from escalation_kit.errors import ConfigError
from escalation_kit.escalation.evidence import extract_evidence
from escalation_kit.escalation.notify import SUPPORTED_LANGUAGES, notice_language
from escalation_kit.languages import (
    PACKS_DIR,
    PHRASE_SECTIONS,
    UNDETERMINED,
    load_languages,
)
from escalation_kit.models import Ticket
from escalation_kit.textfold import fold_column
from escalation_kit.triage.codes import error_codes, quoted_codes
from escalation_kit.triage.evidence import compute_evidence, load_evidence
from escalation_kit.triage.language import LANGUAGES, detect_language, detect_languages
from escalation_kit.triage.rules import load_rules
from escalation_kit.triage.symptoms import load_symptoms
from escalation_kit.triage.text import contains, phrase_pattern

UKRAINIAN = "Пошта не працює у всіх користувачів з ранку, Outlook показує помилку"
BULGARIAN = "Пощата не работи за всички потребители от сутринта, Outlook показва грешка"
RUSSIAN = "Почта не работает у всех пользователей с утра, Outlook показывает ошибку"


def test_the_languages_are_the_pack_files() -> None:
    stems = {path.stem for path in PACKS_DIR.glob("*.yaml")}
    assert set(LANGUAGES) == stems == set(load_languages().codes)
    assert LANGUAGES[0] == "en"  # the fallback of Latin text, and first on ties
    assert {"en", "ru", "de", "es", "fr", "it", "pt", "nl", "ja", "el"} <= stems


@pytest.mark.parametrize("path", sorted(PACKS_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_pack_has_every_section(path: Path) -> None:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key in ("code", "name", "scripts", "stopwords", "users_words", *PHRASE_SECTIONS):
        assert key in document, f"{path.name} lacks {key}"
    pack = load_languages()[path.stem]
    assert pack.scripts and pack.name
    assert pack.stopwords or pack.fallback_for  # detection can tell it, by words or script


@pytest.mark.parametrize("key", ["stopwords", "scripts", "rules", "users_words"])
def test_a_pack_missing_a_section_names_the_file_and_the_key(tmp_path: Path, key: str) -> None:
    document = yaml.safe_load((PACKS_DIR / "de.yaml").read_text(encoding="utf-8"))
    del document[key]
    (tmp_path / "de.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_languages(tmp_path)
    assert "de.yaml" in str(caught.value)
    assert key in str(caught.value)


def test_a_malformed_pack_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "xx.yaml").write_text(
        "code: xx\nname: X\nscripts: {Latin: {ranges: [0041-zz]}}\nstopwords: []\n"
        "users_words: []\nerror_words: []\nrules: {}\nevidence: {}\nsymptoms: {}\n",
        "utf-8",
    )
    with pytest.raises(ConfigError, match=r"xx\.yaml: scripts\.Latin: range '0041-zz'"):
        load_languages(tmp_path)
    (tmp_path / "xx.yaml").write_text(
        "code: xx\nname: X\nscripts: {Latin: {ranges: [0041-005A]}}\nstopwords: []\n"
        "users_words: []\nerror_words: []\nrules: {}\nevidence: {}\nsymptoms: {}\n"
        "package: {tried: ['(unclosed']}\n",
        "utf-8",
    )
    with pytest.raises(ConfigError, match=r"xx\.yaml: package\.tried: '\(unclosed' is not a regex"):
        load_languages(tmp_path)
    (tmp_path / "xx.yaml").write_text("code: yy\n", "utf-8")
    with pytest.raises(ConfigError, match=r"xx\.yaml: missing key\(s\) name, scripts"):
        load_languages(tmp_path)


def test_a_script_means_the_same_in_every_pack(tmp_path: Path) -> None:
    for code in ("en", "de"):
        shutil.copy(PACKS_DIR / f"{code}.yaml", tmp_path)
    text = (tmp_path / "de.yaml").read_text(encoding="utf-8")
    (tmp_path / "de.yaml").write_text(text.replace("00C0-024F", "00C0-017F"), "utf-8")
    with pytest.raises(ConfigError, match=r"de\.yaml: scripts\.Latin differs from .*en\.yaml"):
        load_languages(tmp_path)


def test_pack_phrases_for_an_unknown_item_name_the_pack() -> None:
    registry = load_languages()
    names = [rule.name for rule in load_rules().rules][1:]  # as if the first rule were misspelt
    with pytest.raises(ConfigError, match=r"en\.yaml: rules\.password or MFA reset: rules"):
        registry.phrases("rules", ("phrases", "patterns"), names, "rules")
    lenient = registry.phrases("rules", ("phrases", "patterns"), names, "rules", strict=False)
    assert "password or MFA reset" not in lenient


def test_the_triage_files_get_every_language_from_the_packs() -> None:
    rules = {rule.name: rule for rule in load_rules().rules}
    assert {"en", "ru", "de", "es", "fr"} <= set(rules["password or MFA reset"].patterns)
    evidence = {feature.name: feature for feature in load_evidence().features}
    # Phrases from the Japanese and Italian packs reach the bundled evidence features.
    folded = fold_column(pa.array(["全員がメールを送信できません", "tutti gli utenti"]))
    assert contains(folded, evidence["scope_tenant"].pattern).tolist() == [True, True]
    masks = load_symptoms().masks(pa.array(["письма не приходят", "hello"]))
    assert "mail_delivery" in load_symptoms().describe(int(masks[0]))
    assert masks[1] == 0


def test_adding_a_language_is_adding_one_pack_file(tmp_path: Path) -> None:
    for path in PACKS_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path)
    (tmp_path / "uk.yaml").write_text(
        "code: uk\nname: Ukrainian\nscripts: {Cyrillic: {ranges: [0400-04FF]}}\n"
        "alphabet: абвгґдеєжзиіїйклмнопрстуфхцчшщьюя'\n"
        "stopwords: [що, це, всіх, працює, користувач*, ми, є]\n"
        "users_words: [користувач*]\nerror_words: [помилка]\n"
        "rules: {}\nevidence: {}\nsymptoms: {}\n",
        "utf-8",
    )
    registry = load_languages(tmp_path)
    assert "uk" in registry.codes
    texts = pa.array([UKRAINIAN, RUSSIAN, BULGARIAN, "Mail is down for all users"])
    assert detect_languages(texts, registry).tolist() == ["uk", "ru", UNDETERMINED, "en"]
    assert "користувач" in registry.users_words(r"\S*")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (RUSSIAN, "ru"),
        ("Письма не приходят с утра", "ru"),
        (UKRAINIAN, UNDETERMINED),  # і/ї/є/ґ are not Russian letters
        ("Є проблема з поштою", UNDETERMINED),
        (BULGARIAN, UNDETERMINED),  # Cyrillic without a Russian stop word
        ("Κανένας χρήστης δεν μπορεί να στείλει email από το πρωί", "el"),
        ("今朝から全員がメールを送信できません", "ja"),
        ("Seit heute früh können unsere Benutzer keine Mails senden", "de"),
        ("Outlook 0x80004005", "en"),  # Latin without stop words: English, as before
        ("", "en"),
        ("12:30 503", "en"),
        ("البريد الإلكتروني لا يعمل", UNDETERMINED),  # a script no pack claims
        ("메일이 안 됩니다", UNDETERMINED),
    ],
)
def test_detection_uses_the_packs_scripts_and_stop_words(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_word_boundaries_know_greek_letters() -> None:
    pattern = phrase_pattern(["χρηστ*"])
    folded = fold_column(pa.array(["ο χρήστης", "οχρήστης", "a χρήστης"]))
    assert contains(folded, pattern).tolist() == [True, False, True]


def test_phrases_match_at_word_starts_and_ends_with_open_endings() -> None:
    pattern = phrase_pattern(["reset password", "licen*", "mfa"])
    rows = ["Reset  password now", "resetpassword", "licences expired", "xlicence", "mfa.", "mfas"]
    assert contains(fold_column(pa.array(rows)), pattern).tolist() == [
        True,
        False,
        True,
        False,
        True,
        False,
    ]


def test_the_word_end_class_is_written_once_per_pattern() -> None:
    # Hundreds of copies of the (all scripts) word-end class overflow RE2's DFA memory and make
    # the bundled evidence patterns 100x slower; the pattern grows with the phrases only.
    words = [f"word{i}" for i in range(300)]
    overhead = len(phrase_pattern(["x"])) - 1
    assert len(phrase_pattern(words)) < sum(len(w) + 1 for w in words) + 2 * overhead


def test_undetermined_language_is_written_to_in_english() -> None:
    assert notice_language(UKRAINIAN) == "en"
    assert notice_language(RUSSIAN) == "ru"
    assert set(SUPPORTED_LANGUAGES) == {"en", "ru", "de", "es", "fr"}
    ticket = Ticket(
        ticket_id="T-1",
        tenant_id="11111111-1111-1111-1111-111111111111",
        title="Пошта не працює",
        description=UKRAINIAN + ". 40 користувачів",
        reported_at=datetime(2026, 1, 5, 9, tzinfo=UTC),
    )
    evidence = extract_evidence(ticket)
    assert evidence.language == UNDETERMINED
    assert evidence.english_summary.startswith("Undetermined-language ticket about")


def test_error_words_live_in_the_packs_and_reach_every_error_pattern() -> None:
    """ "Fehler 507", "erro 509", "エラー 508": the words before an error number are each pack's
    error_words, read by the evidence, the 503 rule, the package's quoted codes and matching's
    shared codes alike."""
    registry = load_languages()
    assert "fehler" in registry.error_words(r"\S*") and "エラー" in registry.error_words(r"\S*")
    texts = pa.chunked_array([pa.array(["Fehler 507 beim Öffnen", "erro 509 no portal", "x 507"])])
    found = compute_evidence(texts, np.full(3, -1), np.zeros(3, int), np.ones(3, bool))
    column = found.matrix[:, found.names.index("http_5xx")].astype(bool).tolist()
    assert column == [True, True, False]
    assert quoted_codes("Die Seite zeigt Fehler 503, dann erro 500") == ["Fehler 503", "erro 500"]
    assert error_codes("Die Seite zeigt Fehler 503, dann erro 500") == {"http503", "http500"}
