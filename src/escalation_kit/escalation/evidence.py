"""Evidence from one ticket's own words, for an engineer at Microsoft.

Extracted, never invented: the description (trimmed), error messages and codes, the times the
customer gave (with their time zone when stated), the users and sites affected, and what the
customer says was already checked or tried. A non-English ticket also gets an English summary
built only from that extracted evidence (no machine translation: the original stays beside it).

Customer text is untrusted: it is only ever quoted, never interpreted as markup or commands.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace

import pyarrow as pa

from escalation_kit.languages import alternation, load_languages
from escalation_kit.models import Ticket
from escalation_kit.triage.codes import has_code, quoted_codes
from escalation_kit.triage.language import detect_language
from escalation_kit.triage.symptoms import load_symptoms

__all__ = ["DESCRIPTION_CHARS", "TicketEvidence", "extract_evidence", "symptom_mask"]

DESCRIPTION_CHARS = 600  # per ticket in a package; the full text stays in the ledger
_ITEM_CHARS = 160

_IDS = re.compile(
    r"(?i)\b(?:correlation|request|activity|trace)[\s-]*id\b[\s:=#]*"
    r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
)
_QUOTED = re.compile(
    r"[\"“„«‹]([^\"“”„«»‹›\n]{4,160})[\"”“»›]"
    r"|(?:(?<=\s)|^)'([^'\n]{4,160})'(?=[\s.,;:!?)]|$)"
)
_TIMES = re.compile(
    r"(?i)(?<![\d.:])(?:\d{4}-\d{2}-\d{2}[ T])?(?:[01]?\d|2[0-3])[:h.][0-5]\d(?![\d.])"
    r"(?:\s*(?:am|pm))?(?-i:\s*(?:Z\b|UTC|GMT|CET|CEST|MSK|EST|EDT|PST|PDT|BST|MEZ|MESZ)"
    r"(?:[+-]\d{1,2}(?::?\d{2})?)?)?"
)
_ZONE = re.compile(r"(?:Z$|UTC|GMT|CET|CEST|MSK|EST|EDT|PST|PDT|BST|MEZ|MESZ)")
_SENTENCES = re.compile(r"(?<=[.!?;])\s+|\n+")
_NOTHING = r"[^\s\S]"

#: English words for the symptom lexicon's concepts (for the English summary).
SYMPTOM_WORDS = {
    "mail_delivery": "mail delivery",
    "mailbox_access": "mailbox access",
    "calendar": "calendar",
    "meetings_calls": "meetings and calls",
    "chat_messaging": "chat and messaging",
    "sign_in": "sign-in",
    "file_access": "file and attachment access",
    "sync": "synchronisation",
    "sites_pages": "sites and pages",
    "search": "search",
    "sharing": "sharing",
    "admin_center": "admin center",
    "data_refresh": "data refresh",
    "report_view": "reports and dashboards",
    "device_enrollment": "device enrollment",
    "app_crash": "application crashes",
    "performance": "slowness",
    "connectivity": "connectivity",
    "export_data": "data export",
    "items_missing": "missing items",
    "mfa_prompts": "MFA prompts",
    "app_deployment": "app deployment",
    "storage_quota": "storage, quota or retention",
    "presence_status": "presence status",
}


@dataclass(frozen=True, slots=True)
class TicketEvidence:
    """What one ticket says, extracted (lists keep the text's order, without duplicates)."""

    language: str
    description: str  # trimmed
    error_codes: tuple[str, ...]
    error_messages: tuple[str, ...]
    times: tuple[str, ...]  # as the customer wrote them (with their time zone when given)
    users: tuple[str, ...]
    sites: tuple[str, ...]
    checks: tuple[str, ...]  # what the customer says was checked or tried
    symptoms: tuple[str, ...]  # English symptom words
    english_summary: str  # "" for English tickets


def _unique(items: list[str]) -> tuple[str, ...]:
    kept: dict[str, str] = {}
    for item in items:
        text = trim(item.strip(" ,;:"), _ITEM_CHARS)
        if text:
            kept.setdefault(text.lower(), text)
    return tuple(kept.values())


def trim(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    """Whitespace collapsed; cut at a word boundary with an ellipsis when longer than ``limit``."""
    flat = " ".join(str(text or "").split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


@functools.cache
def _package_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """From the language packs' ``package`` sections: the words just before a quoted error
    message, "all of our offices" / "3 Standorte", and a sentence saying what was already tried
    (checked, restarted...)."""
    packs = load_languages()
    cues = alternation(packs.package_words("error_cues"), r"\w*")
    every = alternation(packs.package_words("sites", "all"), r"\w*")
    of = alternation(packs.package_words("sites", "of"), r"\w*")
    places = alternation(packs.package_words("sites", "names"), r"\w*")
    sites = rf"(?i)\b(\d{{1,4}}|{every})\s+(?:{of}\s+)?{places}"
    tried = "(?i)" + "|".join(packs.package_words("tried") or [_NOTHING])
    return re.compile("(?i)" + cues), re.compile(sites), re.compile(tried)


@functools.cache
def _users() -> re.Pattern[str]:
    """ "40 users", "12 Benutzer": a number and the "users" words of the language packs."""
    return re.compile(r"(?i)\b(\d{1,6})\s+" + load_languages().users_words(r"\w*"))


def _with_zone(time: str) -> str:
    """A time as written, saying so when the customer gave no time zone."""
    return time if _ZONE.search(time) else f"{time} (customer's local time, zone not stated)"


def symptom_mask(text: str) -> int:
    """The symptom lexicon's concept bits for one text."""
    return int(load_symptoms().masks(pa.array([text], pa.string()))[0])


def extract_evidence(ticket: Ticket) -> TicketEvidence:
    """Everything the package quotes from one ticket."""
    text = f"{ticket.title}\n{ticket.description}".strip()
    language = detect_language(text)
    cues, sites_said, tried = _package_patterns()
    codes = quoted_codes(text)
    codes += [f"{m.group(0).split()[0]} ID {m.group(1)}" for m in _IDS.finditer(text)]
    messages = [
        m.group(1) or m.group(2)
        for m in _QUOTED.finditer(text)
        if cues.search(text[max(0, m.start() - 60) : m.start()])
        or has_code(m.group(1) or m.group(2))
    ]
    times = [_with_zone(m.group(0)) for m in _TIMES.finditer(ticket.description or "")]
    users = [f"{ticket.users_affected} (users_affected field)"] if ticket.users_affected else []
    users += [m.group(0) for m in _users().finditer(text)]
    sites = [m.group(0) for m in sites_said.finditer(text)]
    checks = [s for s in _SENTENCES.split(ticket.description or "") if tried.search(s)]
    lexicon = load_symptoms()
    concepts = lexicon.describe(symptom_mask(text))
    symptoms = tuple(SYMPTOM_WORDS.get(c, c.replace("_", " ")) for c in concepts)
    evidence = TicketEvidence(
        language=language,
        description=trim(ticket.description),
        error_codes=_unique(codes),
        error_messages=_unique(messages),
        times=_unique(times),
        users=_unique(users),
        sites=_unique(sites),
        checks=_unique(checks),
        symptoms=symptoms,
        english_summary="",
    )
    if language == "en":
        return evidence
    return _with_summary(evidence, ticket)


def _with_summary(evidence: TicketEvidence, ticket: Ticket) -> TicketEvidence:
    """An English summary of the extracted facts only (the original text stays beside it)."""
    service = ticket.normalized_service or ticket.service or "the service"
    name = load_languages().name(evidence.language)
    parts = [
        f"{name[:1].upper()}{name[1:]}-language ticket about "
        f"{service}"
        + (f" ({', '.join(evidence.symptoms)})" if evidence.symptoms else "")
        + f", reported {ticket.reported_at.isoformat()}."
    ]
    if evidence.error_codes:
        parts.append(f"Error codes quoted: {', '.join(evidence.error_codes)}.")
    if evidence.error_messages:
        parts.append(
            f"{len(evidence.error_messages)} error message(s) quoted in the original language."
        )
    if evidence.times:
        parts.append(f"Times given: {', '.join(evidence.times)}.")
    if ticket.users_affected:
        parts.append(f"Users affected: {ticket.users_affected}.")
    if evidence.sites:
        parts.append(f"{len(evidence.sites)} statement(s) about affected sites in the original.")
    if evidence.checks:
        parts.append(
            f"The customer lists {len(evidence.checks)} step(s) already tried (see the original)."
        )
    return replace(evidence, english_summary=" ".join(parts))
