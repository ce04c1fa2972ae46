"""Vectorized text matching: RE2 patterns (through pyarrow) applied to a whole column at once.

pandas 3 keeps strings in Arrow; ``pyarrow.compute`` runs Google's RE2 over the column in C++,
which is what makes triage of 100,000 tickets take seconds. RE2 has no look-around and its
``\\b``/``\\w`` are ASCII-only, so phrases get word boundaries that know the letters of the
language packs' scripts (:mod:`escalation_kit.languages`). Those are explicit code-point
ranges: RE2's ``\\pL`` and case folding make its automaton explode (100x slower), so texts are
folded once (:mod:`escalation_kit.textfold`, or only lower-cased with :func:`lower`) and
matched case-sensitively.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from escalation_kit.languages import load_languages

__all__ = [
    "MAX_TEXT_CHARS",
    "check_pattern",
    "contains",
    "contains_all",
    "literal_pattern",
    "lower",
    "phrase_pattern",
    "ticket_text",
]

#: Only the start of a long description is read: symptoms are stated early, and a
#: 1,000,000-character paste must not dominate the run time.
MAX_TEXT_CHARS = 4000

_THREADED_FROM = 5000
_META = set(".^$*+?()[]{}|\\")
# Word characters: ASCII letters/digits/_ and the letters of every language pack's spaced
# scripts (Latin-1 and Latin Extended-A/B, Greek, Cyrillic; not kana or kanji).
_WORD = r"\w" + load_languages().word_ranges()
_START = rf"(?:^|[^{_WORD}])"
_END = rf"(?:$|[^{_WORD}])"


def _escape(phrase: str) -> str:
    return "".join("\\" + ch if ch in _META else ch for ch in phrase)


def phrase_pattern(phrases: Iterable[str]) -> str:
    """One RE2 alternation for literal phrases (lower-cased), each starting at a word start.

    Whitespace inside a phrase matches any run of whitespace; a trailing ``*`` lets the last word
    take any ending (inflected languages), otherwise the phrase must end at a word end.
    """
    closed: list[str] = []
    open_ended: list[str] = []
    for phrase in phrases:
        text = phrase.strip().lower()
        words = text.rstrip("*").split()
        body = r"\s+".join(_escape(word) for word in words)
        (open_ended if text.endswith("*") else closed).append(body)
    # The word-end class is written once for all closed phrases, not once per phrase: it spans
    # every spaced script's letters, and hundreds of copies of it blow RE2's DFA memory budget
    # (the matcher then falls back to a 100x slower engine).
    parts = (["(?:" + "|".join(closed) + ")" + _END] if closed else []) + open_ended
    return _START + "(?:" + "|".join(parts) + ")"


def literal_pattern(phrases: Iterable[str]) -> str:
    """One RE2 alternation for literal phrases (lower-cased) with no word boundaries.

    For scripts written without spaces between words (Japanese): a phrase matches anywhere.
    """
    return "(?:" + "|".join(_escape(p.strip().lower().rstrip("*")) for p in phrases) + ")"


def check_pattern(pattern: str) -> str | None:
    """The RE2 error message for a pattern, or None when it compiles."""
    try:
        pc.match_substring_regex(pa.array([""], pa.string()), pattern)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        return str(exc)
    return None


def lower(text: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Lower-cased text, accents kept: what the content rules match, so that their reasons can
    quote the customer's words as written. Everything else matches the one text fold,
    :func:`escalation_kit.textfold.fold_column`."""
    return pc.utf8_lower(text)


def contains(folded: pa.Array | pa.ChunkedArray, pattern: str) -> np.ndarray:
    """Boolean array: where ``pattern`` (RE2) occurs in the already folded text."""
    hits = pc.match_substring_regex(folded, pattern)
    return np.asarray(hits.to_numpy(zero_copy_only=False), dtype=bool)


def contains_all(folded: pa.Array | pa.ChunkedArray, patterns: Sequence[str]) -> np.ndarray:
    """Boolean matrix (texts × patterns); patterns run on a few threads (RE2 releases the GIL)."""
    result = np.zeros((len(folded), len(patterns)), dtype=bool)
    if len(folded) < _THREADED_FROM or len(patterns) < 2:
        for j, pattern in enumerate(patterns):
            result[:, j] = contains(folded, pattern)
        return result
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        for j, hits in enumerate(pool.map(lambda p: contains(folded, p), patterns)):
            result[:, j] = hits
    return result


def ticket_text(frame: pd.DataFrame) -> pa.ChunkedArray:
    """Title and the start of the description of each ticket, as one Arrow string column."""
    title = frame["title"].astype("string").fillna("")
    if "description" in frame:
        description = frame["description"].astype("string").fillna("")
    else:
        description = pd.Series("", index=frame.index, dtype="string")
    joined = (title + " \n " + description).str.slice(0, MAX_TEXT_CHARS)
    return pa.chunked_array([pa.array(joined.to_numpy(dtype=object), pa.string())])
