"""Customer notices: what happened, what Microsoft did, what the customer should do.

Written in the ticket's language when it is English, Russian, German, Spanish or French (else
English), from the packaged ``notice_templates.yaml``. The HTML version escapes every value:
ticket titles and Microsoft's notes are untrusted text.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import cache
from importlib import resources
from string import Template
from typing import Any

import yaml

from escalation_kit.errors import ConfigError

__all__ = ["SUPPORTED_LANGUAGES", "NoticeDraft", "compose_notice", "notice_language"]

SUPPORTED_LANGUAGES = ("en", "ru", "de", "es", "fr")
TEMPLATE_KEYS = (
    "subject",
    "greeting",
    "intro",
    "happened_label",
    "microsoft_label",
    "action_label",
    "action",
    "reference",
    "closing",
)


@dataclass(frozen=True, slots=True)
class NoticeDraft:
    """A notice ready for the analyst to send (plain text and HTML)."""

    language: str
    subject: str
    text: str
    html: str


@cache
def _templates() -> dict[str, dict[str, str]]:
    raw = resources.files(__package__).joinpath("notice_templates.yaml").read_text("utf-8")
    data: Any = yaml.safe_load(raw)
    for language in SUPPORTED_LANGUAGES:
        block = data.get(language) if isinstance(data, dict) else None
        if not isinstance(block, dict) or set(TEMPLATE_KEYS) - set(block):
            raise ConfigError(
                f"notice_templates.yaml: {language!r} needs {', '.join(TEMPLATE_KEYS)}"
            )
    return {lang: {k: str(v) for k, v in data[lang].items()} for lang in SUPPORTED_LANGUAGES}


def notice_language(text: str) -> str:
    """The ticket's language when a template exists for it, else English."""
    from escalation_kit.triage.language import detect_language

    language = detect_language(text or "")
    return language if language in SUPPORTED_LANGUAGES else "en"


def compose_notice(
    *,
    language: str,
    customer: str,
    ticket_id: str,
    ticket_title: str,
    service: str,
    what_happened: str,
    microsoft_action: str,
    reference: str,
) -> NoticeDraft:
    """Fill the language's template; the HTML escapes every value and keeps line breaks."""
    lang = language if language in SUPPORTED_LANGUAGES else "en"
    template = _templates()[lang]
    values = {
        "customer": customer or "customer",
        "ticket_id": ticket_id,
        "ticket_title": " ".join(ticket_title.split()),
        "service": service or "Microsoft 365",
        "reference": reference,
    }
    fill = {k: Template(v).safe_substitute(values) for k, v in template.items()}
    sections = [
        (fill["happened_label"], what_happened.strip()),
        (fill["microsoft_label"], microsoft_action.strip()),
        (fill["action_label"], fill["action"]),
    ]
    text = "\n\n".join(
        [
            fill["greeting"],
            fill["intro"],
            *(f"{label}:\n{body}" for label, body in sections),
            fill["reference"],
            fill["closing"],
        ]
    )
    return NoticeDraft(lang, fill["subject"], text + "\n", _html(template, values, sections))


def _html(template: dict[str, str], values: dict[str, str], sections: list[tuple[str, str]]) -> str:
    """The same notice as HTML, built from escaped values (never from filled text)."""
    safe = {k: html.escape(v, quote=True) for k, v in values.items()}

    def para(key: str) -> str:
        return f"<p>{Template(html.escape(template[key], quote=False)).safe_substitute(safe)}</p>"

    def block(text: str) -> str:
        return "<br>".join(html.escape(line, quote=True) for line in text.splitlines())

    parts = [para("greeting"), para("intro")]
    parts += [f"<h3>{block(label)}</h3><p>{block(body)}</p>" for label, body in sections]
    parts += [para("reference"), para("closing")]
    return '<div class="ek-notice">' + "".join(parts) + "</div>\n"
