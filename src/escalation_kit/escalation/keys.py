"""Content keys and tracking tags: how one problem keeps one identity across runs.

The *content key* is a stable hash of what makes a problem distinct (category, the cluster or
the ticket, tenant, service). Drafting is idempotent on it, and the escalation id and the
tracking tag are derived from it, so running ``escalate`` twice yields the same ids.

The *tracking tag* (``EK-7F3A2``) goes into the title of the request the analyst files in the
Partner Center web UI; tracking later finds the filed request by searching titles for it.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable

from escalation_kit.errors import LedgerError

__all__ = [
    "TAG_PATTERN",
    "content_key",
    "escalation_id_for",
    "find_tags",
    "tracking_tag",
]

KEY_VERSION = "v1"
TAG_PREFIX = "EK-"
TAG_LENGTH = 5
MAX_TAG_ATTEMPTS = 64
# Crockford-style base32 without padding; case-insensitive when searched.
TAG_PATTERN = re.compile(r"\bEK-([A-Z2-7]{5})\b", re.IGNORECASE)


def content_key(
    *, category: str, tenant_id: str, service: str, cluster_id: str = "", ticket_id: str = ""
) -> str:
    """Stable key of one problem: a cluster's tickets share it; a lone ticket has its own.

    A cluster spans tenants, so its key leaves the tenant out; a lone ticket's key includes it.
    """
    if not cluster_id and not ticket_id:
        raise LedgerError("a content key needs a cluster_id or a ticket_id")
    if cluster_id:
        parts = [KEY_VERSION, "cluster", cluster_id.strip(), category, service.strip().lower()]
    else:
        parts = [
            KEY_VERSION,
            "ticket",
            ticket_id.strip(),
            category,
            tenant_id.strip().lower(),
            service.strip().lower(),
        ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def escalation_id_for(key: str) -> str:
    """The escalation (and package) id derived from a content key: ``ESC-`` + 12 hex digits."""
    return "ESC-" + key[:12].upper()


def _tag_candidate(key: str, attempt: int) -> str:
    digest = hashlib.sha256(f"{key}:{attempt}".encode()).digest()
    return TAG_PREFIX + base64.b32encode(digest).decode("ascii")[:TAG_LENGTH]


def tracking_tag(key: str, *, is_taken: Callable[[str], bool] = lambda _tag: False) -> str:
    """The short tag for a content key, skipping tags another problem already holds.

    ``is_taken`` asks the ledger whether a tag belongs to a *different* content key; the
    sequence of candidates is deterministic, so the same ledger state gives the same tag.
    """
    for attempt in range(MAX_TAG_ATTEMPTS):
        tag = _tag_candidate(key, attempt)
        if not is_taken(tag):
            return tag
    raise LedgerError(
        f"no free tracking tag after {MAX_TAG_ATTEMPTS} attempts; check the escalations table"
    )


def find_tags(text: str) -> list[str]:
    """Every tracking tag in a text (e.g. a request title), upper-cased, in order."""
    return [TAG_PREFIX + match.upper() for match in TAG_PATTERN.findall(text or "")]
