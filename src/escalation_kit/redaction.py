"""Keeping secrets out of text: by pattern, and by the exact values this process holds.

Patterns catch what looks like a secret (bearer tokens, JWTs, ``client_secret=...``). But an
opaque access token echoed by a server ("Token AUDIT-OPAQUE-... is not valid") looks like
nothing in particular, so every token and secret the process handles is also remembered
(:func:`remember_secret`: the HTTP layer remembers each bearer token it sends, sign-in each
token and client secret it holds) and :func:`redact` masks those exact values wherever they
appear: error messages, ``error:`` lines, ``health_syncs.reason``.
"""

from __future__ import annotations

import re
import threading

__all__ = ["MIN_SECRET_LENGTH", "forget_secrets", "redact", "remember_secret"]

MIN_SECRET_LENGTH = 8  # shorter values would mask ordinary words
_MAX_REMEMBERED = 4096  # a long fan-out gets one token per tenant; keep the newest

_JWT = re.compile(r"\beyJ[\w-]+\.[\w-]+(?:\.[\w-]*)?")
_BEARER = re.compile(r"(?i)\b(bearer\s+)[^\s\"',;]+")
_SECRET_VALUE = re.compile(
    r"(?i)(\b(?:access_token|refresh_token|id_token|client_secret|client_assertion|password)"
    r"[\"']?\s*[:=]\s*[\"']?)[^\"'&\s,;}]+"
)

_lock = threading.Lock()
_remembered: dict[str, None] = {}  # insertion-ordered: the oldest go first when full
_longest_first: tuple[str, ...] | None = None


def remember_secret(value: str | None) -> None:
    """Mask ``value`` (a token, a client secret) in everything :func:`redact` sees from now on."""
    if not value or len(value) < MIN_SECRET_LENGTH:
        return
    global _longest_first
    with _lock:
        if value in _remembered:
            return
        _remembered[value] = None
        while len(_remembered) > _MAX_REMEMBERED:
            del _remembered[next(iter(_remembered))]
        _longest_first = None


def forget_secrets() -> None:
    """Forget every remembered value (tests; a long-lived process after signing out)."""
    global _longest_first
    with _lock:
        _remembered.clear()
        _longest_first = None


def _values() -> tuple[str, ...]:
    global _longest_first
    with _lock:
        if _longest_first is None:
            _longest_first = tuple(sorted(_remembered, key=len, reverse=True))
        return _longest_first


def redact(text: str) -> str:
    """Mask remembered secrets, bearer tokens, JWTs and ``access_token=``-style values."""
    for value in _values():  # substring tests are C-fast: thousands of values cost ~0.2 ms
        if value in text:
            text = text.replace(value, "***")
    text = _BEARER.sub(r"\1***", text)
    return _JWT.sub("***", _SECRET_VALUE.sub(r"\1***", text))
