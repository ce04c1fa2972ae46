"""Vectorized text matching: RE2 patterns (through pyarrow) applied to a whole column at once.

pandas 3 keeps strings in Arrow; ``pyarrow.compute`` runs Google's RE2 over the column in C++,
which is what makes triage of 100,000 tickets take seconds. RE2 has no look-around and its
``\\b``/``\\w`` are ASCII-only, so phrases are turned into patterns with a Unicode-aware start
boundary (Cyrillic words need it).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "MAX_TEXT_CHARS",
    "check_pattern",
    "contains",
    "phrase_pattern",
    "ticket_text",
]

#: Only the start of a long description is read: symptoms are stated early, and a
#: 1,000,000-character paste must not dominate the run time.
MAX_TEXT_CHARS = 4000

_META = set(".^$*+?()[]{}|\\")
_START = r"(?:^|[^\pL\pN_])"


def _escape(phrase: str) -> str:
    return "".join("\\" + ch if ch in _META else ch for ch in phrase)


def phrase_pattern(phrases: Iterable[str]) -> str:
    """One RE2 alternation for literal phrases, each starting at a word start.

    Whitespace inside a phrase matches any run of whitespace; a trailing ``*`` lets the last word
    take any ending (inflected languages), otherwise the phrase must end at a word end.
    """
    parts = []
    for phrase in phrases:
        text = phrase.strip()
        open_end = text.endswith("*")
        words = text.rstrip("*").split()
        body = r"\s+".join(_escape(word) for word in words)
        parts.append(body + ("" if open_end else r"(?:$|[^\pL\pN_])"))
    return _START + "(?:" + "|".join(parts) + ")"


def check_pattern(pattern: str) -> str | None:
    """The RE2 error message for a pattern, or None when it compiles."""
    try:
        pc.match_substring_regex(pa.array([""], pa.string()), pattern, ignore_case=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        return str(exc)
    return None


def contains(text: pa.Array | pa.ChunkedArray, pattern: str) -> np.ndarray:
    """Boolean array: where ``pattern`` (RE2, case-insensitive) occurs in ``text``."""
    hits = pc.match_substring_regex(text, pattern, ignore_case=True)
    return np.asarray(hits.to_numpy(zero_copy_only=False), dtype=bool)


def ticket_text(frame: pd.DataFrame) -> pa.ChunkedArray:
    """Title and the start of the description of each ticket, as one Arrow string column."""
    title = frame["title"].astype("string").fillna("")
    if "description" in frame:
        description = frame["description"].astype("string").fillna("")
    else:
        description = pd.Series("", index=frame.index, dtype="string")
    joined = (title + " \n " + description).str.slice(0, MAX_TEXT_CHARS)
    return pa.chunked_array([pa.array(joined.to_numpy(dtype=object), pa.string())])
