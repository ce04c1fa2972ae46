"""Ticket wording of the sample generator: complete, inferable, deterministic."""

from __future__ import annotations

import random

import pytest

from escalation_kit.errors import ConfigError
from escalation_kit.sample.wording import LANGUAGES, _symptom, compose, service_field, symptoms
from escalation_kit.services import infer_service, normalize_service


def test_every_symptom_is_written_in_every_language() -> None:
    loaded = symptoms()
    assert len(loaded) >= 50
    assert {s.kind for s in loaded.values()} == {"self", "bug", "snad", "down", "net"}
    for symptom in loaded.values():
        for language in LANGUAGES:
            assert symptom.titles[language] and symptom.bodies[language], symptom.id


def test_text_names_the_service_so_an_empty_column_can_be_inferred() -> None:
    """A ticket without a service must still say which service it is about."""
    for symptom in symptoms().values():
        for language in LANGUAGES:
            for title in symptom.titles[language]:
                for body in symptom.bodies[language]:
                    found = infer_service(title, body)
                    assert found == symptom.service, (symptom.id, language, title)


def test_service_column_aliases_normalize_to_the_service() -> None:
    rng = random.Random(1)
    for symptom in symptoms().values():
        for language in LANGUAGES:
            for _ in range(5):
                alias = service_field(symptom, language, rng, empty=0.0)
                assert normalize_service(alias) == symptom.service, (symptom.id, alias)


def test_compose_fills_every_placeholder_and_repeats_with_the_seed() -> None:
    symptom = symptoms()["net_timeouts"]
    first = compose(symptom, "de", random.Random(5), hour="09:15", users=42, isps="BT, Sky")
    again = compose(symptom, "de", random.Random(5), hour="09:15", users=42, isps="BT, Sky")
    assert first == again
    title, description = first
    assert "{" not in title + description
    assert "BT, Sky" in description
    person = symptoms()["en_password"]
    _, text = compose(person, "ru", random.Random(2), hour="10:00", users=1)
    assert "{person}" not in text and "сотрудник" in text.lower()


@pytest.mark.parametrize(
    "entry",
    [
        {"service": "Exchange Online", "kind": "oops", "scope": "one"},
        {"service": "Exchange Online", "kind": "bug", "scope": "one", "title": {"en": ["x"]}},
        {"service": "Lotus Notes", "kind": "bug", "scope": "one"},
    ],
)
def test_a_bad_symptom_entry_is_refused(entry: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match=r"symptoms\.yaml: broken"):
        _symptom("broken", entry)
