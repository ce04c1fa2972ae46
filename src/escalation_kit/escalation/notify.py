"""Customer notices: what happened, what Microsoft did, what the customer should do.

Written in the ticket's language when its language pack has a ``notice`` section (English,
Russian, German, Spanish and French; else English, also for text of undetermined language):
every sentence comes from that section (:func:`notice_for`), so a French customer reads French
only. Placeholders: $customer, $ticket_id, $ticket_title, $service, $reported (date), $request
(Microsoft's request id), $tag (tracking tag), $issue_id, $issue_title, $review_file.
Microsoft's own English words (its last note, an issue's title) go only into English notices.
Without a customer name the greeting has none ("Bonjour," never "Bonjour customer,"). The HTML
version escapes every value: ticket titles and Microsoft's notes are untrusted text.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import cache
from string import Template

from escalation_kit.errors import ConfigError
from escalation_kit.languages import load_languages
from escalation_kit.triage.language import detect_language

__all__ = [
    "SUPPORTED_LANGUAGES",
    "NoticeDraft",
    "NoticeFacts",
    "compose_notice",
    "notice_for",
    "notice_language",
    "phrase",
]

#: The languages whose pack has notice sentences; any other language gets an English notice.
SUPPORTED_LANGUAGES = tuple(pack.code for pack in load_languages() if pack.notice is not None)
TEMPLATE_KEYS = (
    "subject",
    "greeting",
    "greeting_anonymous",
    "intro",
    "happened_label",
    "microsoft_label",
    "action_label",
    "action",
    "escalated_happened",
    "escalated_microsoft",
    "known_happened",
    "known_microsoft",
    "review_label",
    "review",
    "reference_escalation",
    "reference_issue",
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
    """Each language's notice sentences, from its pack; a pack missing one is a ConfigError."""
    templates = {}
    for pack in load_languages():
        if pack.notice is None:
            continue
        missing = [key for key in TEMPLATE_KEYS if key not in pack.notice]
        if missing:
            raise ConfigError(f"{pack.source}: notice: missing sentence(s) {', '.join(missing)}")
        templates[pack.code] = dict(pack.notice)
    if "en" not in templates:
        raise ConfigError("the English language pack needs a notice section (the fallback)")
    return templates


@dataclass(frozen=True, slots=True)
class NoticeFacts:
    """The facts a notice states; :func:`notice_for` words them in the customer's language."""

    ticket_id: str
    ticket_title: str
    service: str
    customer: str = ""
    reported: str = ""  # the report's date, YYYY-MM-DD
    request: str = ""  # Microsoft's request id (escalations)
    tag: str = ""  # the tracking tag (escalations)
    issue_id: str = ""  # the documented issue (known issues)
    issue_title: str = ""  # Microsoft's English title: English notices only
    microsoft_note: str = ""  # Microsoft's last note (English): English notices only
    review_file: str = ""  # the attached post-incident review, if any


def phrase(language: str, key: str, **values: str) -> str:
    """One sentence of the language's templates with its placeholders filled."""
    lang = language if language in SUPPORTED_LANGUAGES else "en"
    return Template(_templates()[lang][key]).safe_substitute(values)


def notice_for(facts: NoticeFacts, language: str) -> NoticeDraft:
    """The notice for an escalation (``facts.request``) or a documented issue
    (``facts.issue_id``), every sentence in ``language``."""
    lang = language if language in SUPPORTED_LANGUAGES else "en"
    values = {
        "service": facts.service or "Microsoft 365",
        "reported": facts.reported,
        "request": facts.request,
        "tag": facts.tag,
        "issue_id": facts.issue_id,
        "review_file": facts.review_file,
    }
    english = lang == "en"
    if facts.issue_id:
        happened = phrase(lang, "known_happened", **values)
        if english and facts.issue_title:
            happened += f' Microsoft\'s title for it: "{" ".join(facts.issue_title.split())}".'
        done = facts.microsoft_note if english and facts.microsoft_note else ""
        done = done or phrase(lang, "known_microsoft", **values)
        reference = phrase(lang, "reference_issue", **values)
    else:
        happened = phrase(lang, "escalated_happened", **values)
        done = facts.microsoft_note if english and facts.microsoft_note else ""
        done = done or phrase(lang, "escalated_microsoft", **values)
        reference = phrase(lang, "reference_escalation", **values)
    review = (
        (phrase(lang, "review_label"), phrase(lang, "review", **values))
        if facts.review_file
        else None
    )
    return compose_notice(
        language=lang,
        customer=facts.customer,
        ticket_id=facts.ticket_id,
        ticket_title=facts.ticket_title,
        service=facts.service,
        what_happened=happened,
        microsoft_action=done,
        reference=reference,
        review=review,
    )


def notice_language(text: str) -> str:
    """The ticket's language when a template exists for it, else English."""

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
    review: tuple[str, str] | None = None,
) -> NoticeDraft:
    """Fill the language's template; the HTML escapes every value and keeps line breaks.

    ``reference`` is a whole line (e.g. from :func:`phrase`); ``review`` an extra section
    (label, text), e.g. the attached post-incident review.
    """
    lang = language if language in SUPPORTED_LANGUAGES else "en"
    template = dict(_templates()[lang])
    if not customer.strip():
        template["greeting"] = template["greeting_anonymous"]
    template["reference"] = "$reference"
    values = {
        "customer": " ".join(customer.split()),
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
    if review is not None:
        sections.insert(2, review)
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
