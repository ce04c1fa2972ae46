"""Error codes a ticket or a documented issue quotes: one definition for matching and packages.

Entra sign-in errors (``AADSTS50058``), Windows/Office HRESULTs (``0x80070005``), SMTP enhanced
status codes (``5.7.708``), Office activation codes (``CAA50021``) and HTTP statuses written as
errors — after or before the language packs' error words ("HTTP 503", "Fehler 401",
"401エラー") or with their reason phrase ("503 Service Unavailable"). A bare number is never a
code ("500 users").
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from escalation_kit.languages import alternation, load_languages

__all__ = ["error_codes", "error_codes_of", "has_code", "quoted_codes"]

_REASONS = (
    "service unavailable|internal server error|bad gateway|gateway timeout|forbidden|not found"
    "|unauthorized|too many requests"
)
_PATTERN = (
    r"(?P<aadsts>\baadsts[\s-]?(?P<aadsts_no>[0-9]{4,6}))\b"
    r"|(?P<hresult>\b0x[0-9a-f]{8})\b"
    r"|(?P<smtp>(?<![0-9.])[45]\.[0-9]\.[0-9]{1,3})(?![0-9.])"
    r"|(?P<caa>\bcaa[0-9a-f]{5})\b"
    r"|(?P<http>(?:\bhttp|{errors})[\s:#-]*(?P<http_after>[1-5][0-9]{2})(?![0-9.])"
    rf"|(?<![0-9.])(?P<http_before>[1-5][0-9]{{2}})\s*(?:{{errors}}|{_REASONS}))"
)
_CHARS = 20000


@functools.cache
def _regex() -> re.Pattern[str]:
    return re.compile(load_languages().expand(_PATTERN, r"\w*"), re.IGNORECASE)


@functools.cache
def _prefilter() -> str:
    """An RE2 pattern every text quoting a code matches (a superset: no look-arounds, error
    words with any ending), so the exact Python pattern runs only on the texts that might."""
    packs = load_languages()
    words = alternation((w for pack in packs.packs for w in pack.error_words), r"\S*")
    return (
        r"aadsts|0x[0-9a-f]{8}|[45]\.[0-9]\.[0-9]|caa[0-9a-f]{5}"
        rf"|(?:http|{words})[\s:#-]*[1-5][0-9]{{2}}|[1-5][0-9]{{2}}\s*(?:{words}|{_REASONS})"
    )


def quoted_codes(text: str) -> list[str]:
    """The codes as the text writes them, in order (what a filing package quotes)."""
    return [m.group(0) for m in _regex().finditer(text[:_CHARS])]


def has_code(text: str) -> bool:
    """Whether the text quotes any error code."""
    return _regex().search(text[:_CHARS]) is not None


def error_codes(text: str) -> frozenset[str]:
    """The failure codes a text quotes, normalized for comparison (``aadsts50058``,
    ``0x80070005``, ``5.7.708``, ``http401``): HRESULTs of failures (0x8…) and HTTP errors
    (4xx, 5xx) only, so that two texts share a code only when they share a failure."""
    found = set()
    for match in _regex().finditer(text[:_CHARS]):
        if match["aadsts"]:
            found.add(f"aadsts{match['aadsts_no']}")
        elif match["hresult"]:
            if match["hresult"][2] == "8":
                found.add(match["hresult"].lower())
        elif match["smtp"]:
            found.add(match["smtp"])
        elif match["http"]:
            status = match["http_after"] or match["http_before"]
            if status[0] in "45":
                found.add(f"http{status}")
    return frozenset(found)


def error_codes_of(texts: pa.Array | pa.ChunkedArray) -> list[frozenset[str]]:
    """:func:`error_codes` of every text of a column (RE2 skips the texts without any)."""
    maybe = pc.match_substring_regex(texts, _prefilter(), ignore_case=True)
    found: list[frozenset[str]] = [frozenset()] * len(texts)
    for i in np.flatnonzero(maybe.fill_null(False).to_numpy(zero_copy_only=False)).tolist():
        found[i] = error_codes(str(texts[i].as_py() or ""))
    return found
