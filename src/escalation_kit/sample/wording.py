"""Multilingual ticket wording: symptom texts (``symptoms.yaml``) combined with context phrases.

A ticket's text is its symptom's title and body in the customer's language, plus a start time,
who is affected, what was tried and a closing line, each drawn from small phrase pools. With
several variants per part the 600 sample tickets rarely repeat verbatim, as real helpdesk
tickets don't.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from typing import Any

from escalation_kit.errors import ConfigError
from escalation_kit.sample._data import load_yaml

__all__ = ["LANGUAGES", "Symptom", "compose", "service_field", "symptoms"]

LANGUAGES = ("en", "de", "fr", "es", "ru")
KINDS = ("self", "bug", "snad", "down", "net")
SCOPES = ("one", "many", "all", "none")
_DATA_FILE = "symptoms.yaml"

_OPENERS = {
    "en": ["Started around {hour}.", "Since about {hour} today.", "First reports at {hour}."],
    "de": [
        "Seit ca. {hour} Uhr.",
        "Angefangen gegen {hour} Uhr.",
        "Erste Meldungen um {hour} Uhr.",
    ],
    "fr": [
        "Depuis environ {hour}.",
        "Début du problème vers {hour}.",
        "Premiers signalements à {hour}.",
    ],
    "es": [
        "Desde las {hour} aprox.",
        "Empezó cerca de las {hour}.",
        "Primeros avisos a las {hour}.",
    ],
    "ru": [
        "Началось примерно в {hour}.",
        "С {hour} по местному времени.",
        "Первые жалобы в {hour}.",
    ],
}
_SCOPE_MANY = {
    "en": ["About {n} users are affected.", "{n} people have reported it so far."],
    "de": ["Etwa {n} Benutzer sind betroffen.", "Bisher haben sich {n} Kollegen gemeldet."],
    "fr": ["Environ {n} utilisateurs sont concernés.", "{n} personnes l'ont signalé."],
    "es": ["Hay unos {n} usuarios afectados.", "Ya lo reportaron {n} personas."],
    "ru": ["Затронуто около {n} пользователей.", "Уже пожаловались {n} человек."],
}
_SCOPE_ALL = {
    "en": ["It affects the whole company ({n} users).", "All {n} users are affected."],
    "de": ["Betrifft die ganze Firma ({n} Benutzer).", "Alle {n} Benutzer sind betroffen."],
    "fr": [
        "Toute l'entreprise est touchée ({n} utilisateurs).",
        "Les {n} utilisateurs sont touchés.",
    ],
    "es": ["Afecta a toda la empresa ({n} usuarios).", "Los {n} usuarios están afectados."],
    "ru": ["Затронута вся компания ({n} пользователей).", "Затронуты все {n} пользователей."],
}
_TRIED = {
    "en": [
        "We restarted the apps and cleared the cache - no change.",
        "Tested on several PCs and browsers, same result.",
        "Nothing changed on our side.",
    ],
    "de": [
        "Neustart und Cache leeren haben nichts gebracht.",
        "Auf mehreren PCs und Browsern getestet, überall gleich.",
        "Bei uns wurde nichts geändert.",
    ],
    "fr": [
        "Redémarrage et vidage du cache : aucun changement.",
        "Testé sur plusieurs postes et navigateurs, même résultat.",
        "Rien n'a changé chez nous.",
    ],
    "es": [
        "Reiniciamos y borramos la caché, sin cambios.",
        "Probado en varios equipos y navegadores, igual.",
        "No cambiamos nada de nuestro lado.",
    ],
    "ru": [
        "Перезапуск и очистка кэша не помогли.",
        "Проверили на нескольких ПК и в разных браузерах - то же самое.",
        "У нас ничего не меняли.",
    ],
}
_CLOSERS = {  # the first two close any ticket; the others only a problem report
    "en": [
        "Thanks.",
        "Please advise.",
        "",
        "Please help urgently.",
        "Can you check with Microsoft?",
    ],
    "de": [
        "Danke.",
        "Viele Grüße",
        "",
        "Bitte dringend prüfen.",
        "Können Sie bei Microsoft nachfragen?",
    ],
    "fr": [
        "Merci.",
        "Cordialement.",
        "",
        "Merci de regarder en urgence.",
        "Pouvez-vous voir avec Microsoft ?",
    ],
    "es": [
        "Gracias.",
        "Saludos.",
        "",
        "Por favor, es urgente.",
        "¿Pueden consultarlo con Microsoft?",
    ],
    "ru": ["Спасибо.", "С уважением.", "", "Просим срочно помочь.", "Можете уточнить у Microsoft?"],
}
_PEOPLE = {
    "en": ["Sarah Miller", "James O'Brien", "Priya Nair", "Tom Becker", "Aisha Khan", "Li Wei"],
    "de": ["Jana Keller", "Lukas Vogel", "Miriam Roth", "Tobias Brandt", "Sven Krüger"],
    "fr": ["Claire Dubois", "Julien Moreau", "Sophie Laurent", "Nicolas Petit", "Amina Diallo"],
    "es": ["Lucía Fernández", "Carlos Ramírez", "Valentina Rojas", "Diego Morales", "Ana Torres"],
    "ru": ["Смирнова А.", "Иванов Д.", "Кузнецова О.", "Попов С.", "Волков И."],
}
_SITES = {
    "en": ["warehouse", "Northside branch", "head office", "plant 2"],
    "de": ["Lager Nord", "Filiale Süd", "Werk 2"],
    "fr": ["l'entrepôt", "l'agence de Lyon", "l'usine 2"],
    "es": ["almacén", "sucursal norte", "planta 2"],
    "ru": ["склад", "филиал-2", "цех 3"],
}
_DEFAULT_ALIASES = {
    "Exchange Online": ["Exchange Online", "Outlook", "email", "Exchange", "OWA"],
    "Microsoft Teams": ["Teams", "Microsoft Teams", "MS Teams"],
    "SharePoint Online": ["SharePoint", "SPO", "SharePoint Online", "intranet"],
    "OneDrive for Business": ["OneDrive", "OneDrive for Business"],
    "Microsoft Entra": ["Entra ID", "Azure AD", "sign-in", "MFA", "Microsoft Entra"],
    "Microsoft Intune": ["Intune", "Microsoft Intune", "Company Portal"],
    "Microsoft 365 apps": ["Office", "Microsoft 365 apps", "Office apps"],
    "Power BI": ["Power BI", "PowerBI"],
    "Microsoft 365 suite": ["Microsoft 365", "Office 365", "M365"],
    "Planner": ["Planner"],
    "Microsoft Forms": ["Forms", "Microsoft Forms"],
    "Dynamics 365 Apps": ["Dynamics 365", "Dynamics", "CRM"],
}
_LOCAL_ALIASES = {
    "Exchange Online": {
        "de": ["E-Mail", "Postfach"],
        "fr": ["messagerie"],
        "es": ["correo"],
        "ru": ["почта"],
    },
}


@dataclass(frozen=True, slots=True)
class Symptom:
    """One thing customers report, with its wording in every language."""

    id: str
    service: str
    kind: str
    scope: str
    cluster: bool
    titles: dict[str, list[str]]
    bodies: dict[str, list[str]]
    aliases: tuple[str, ...] = ()


@functools.cache
def symptoms() -> dict[str, Symptom]:
    """The symptoms of the packaged ``symptoms.yaml``, checked once."""
    data = load_yaml(_DATA_FILE)
    if not isinstance(data, dict):
        raise ConfigError(f"{_DATA_FILE}: expected a mapping of symptom ids")
    return {key: _symptom(key, entry) for key, entry in data.items()}


def _symptom(key: str, entry: Any) -> Symptom:
    where = f"{_DATA_FILE}: {key}"
    if not isinstance(entry, dict) or entry.get("kind") not in KINDS:
        raise ConfigError(f"{where}: needs a kind among {', '.join(KINDS)}")
    if entry.get("scope") not in SCOPES or entry.get("service") not in _DEFAULT_ALIASES:
        raise ConfigError(f"{where}: unknown scope or service")
    texts = {part: entry.get(part) or {} for part in ("title", "body")}
    for part, by_language in texts.items():
        missing = [lang for lang in LANGUAGES if not by_language.get(lang)]
        if missing:
            raise ConfigError(f"{where}: no {part} in {', '.join(missing)}")
    return Symptom(
        id=key,
        service=entry["service"],
        kind=entry["kind"],
        scope=entry["scope"],
        cluster=bool(entry.get("cluster", False)),
        titles={lang: list(texts["title"][lang]) for lang in LANGUAGES},
        bodies={lang: list(texts["body"][lang]) for lang in LANGUAGES},
        aliases=tuple(entry.get("aliases") or ()),
    )


def service_field(symptom: Symptom, language: str, rng: random.Random, *, empty: float) -> str:
    """What the customer writes in the ``service`` column: an alias, or nothing."""
    if rng.random() < empty:
        return ""
    pool = list(symptom.aliases or _DEFAULT_ALIASES[symptom.service])
    if not symptom.aliases:
        pool += _LOCAL_ALIASES.get(symptom.service, {}).get(language, [])
    return rng.choice(pool)


def compose(
    symptom: Symptom,
    language: str,
    rng: random.Random,
    *,
    hour: str,
    users: int,
    isps: str = "",
) -> tuple[str, str]:
    """A ticket's title and description for ``symptom`` in ``language``."""
    values = {
        "person": rng.choice(_PEOPLE[language]),
        "site": rng.choice(_SITES[language]),
        "isp": isps,
        "n": users,
        "hour": hour,
    }
    title = rng.choice(symptom.titles[language]).format(**values)
    parts = [rng.choice(symptom.bodies[language]).format(**values)]
    problem = symptom.kind != "self"
    if problem and rng.random() < 0.7:
        opener = rng.choice(_OPENERS[language]).format(**values)
        parts.insert(0 if rng.random() < 0.6 else 1, opener)
    parts.append(_scope_line(symptom.scope, language, rng, users))
    if problem and rng.random() < 0.5:
        parts.append(rng.choice(_TRIED[language]))
    closers = _CLOSERS[language] if problem else _CLOSERS[language][:3]
    parts.append(rng.choice(closers))
    description = " ".join(part for part in parts if part)
    return _roughen(title, description, rng)


def _scope_line(scope: str, language: str, rng: random.Random, users: int) -> str:
    if scope == "many" and users > 1:
        return rng.choice(_SCOPE_MANY[language]).format(n=users)
    if scope == "all" and rng.random() < 0.6:
        return rng.choice(_SCOPE_ALL[language]).format(n=users)
    return ""


def _roughen(title: str, description: str, rng: random.Random) -> tuple[str, str]:
    """Helpdesk reality: now and then a lower-case title or a typo in the text."""
    if rng.random() < 0.06:
        title = title.lower()
    if rng.random() < 0.1:
        description = _swap_letters(description, rng)
    return title, description


def _swap_letters(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    candidates = [i for i, word in enumerate(words) if len(word) >= 6 and word.isalpha()]
    if not candidates:
        return text
    index = rng.choice(candidates)
    word = words[index]
    at = rng.randrange(1, len(word) - 2)
    words[index] = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return " ".join(words)
