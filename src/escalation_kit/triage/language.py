"""Lightweight language detection for ticket text, from the language packs: script, then stop words.

Each pack (:mod:`escalation_kit.languages`) names its scripts and its stop words. A text's script
is the one with the most letters (a script's ``weight`` counts each letter several times:
one kana or kanji says as much as three Latin letters); then, among the languages written in
that script, the one whose stop words occur most often wins. A language with an alphabet (Russian)
is ruled out by letters of its script it does not use (Ukrainian і ї є ґ). When no stop word is
found, the script's fallback language wins (English for Latin, Japanese for kana/kanji). Text
in a script with no fallback (Cyrillic that is not recognisably Russian), or with letters of no
pack's script at all (Arabic), is :data:`~escalation_kit.languages.UNDETERMINED`, which notices
and packages write to in English; text with no letters (empty, digits) is English, as before.
No model, no extra dependency, and whole columns at once.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from escalation_kit.languages import UNDETERMINED, LanguageRegistry, load_languages
from escalation_kit.triage.text import literal_pattern, lower, phrase_pattern

__all__ = ["LANGUAGES", "UNDETERMINED", "detect_language", "detect_languages", "spaced"]

#: The languages of the bundled packs, English first (the fallback of Latin text).
LANGUAGES = load_languages().codes


def spaced(language: str) -> bool:
    """Whether phrases of ``language`` (a pack code, or ``any``) match at word starts."""
    registry = load_languages()
    return language not in registry or registry[language].spaced


def detect_languages(
    text: pa.Array | pa.ChunkedArray, registry: LanguageRegistry | None = None
) -> np.ndarray:
    """The language code of each text (object array of pack codes or ``UNDETERMINED``)."""
    registry = registry or load_languages()
    text = lower(text)
    scripts = registry.scripts
    index = {s.name: i for i, s in enumerate(scripts)}
    letters = np.column_stack([_count(text, s.char_class()) * s.weight for s in scripts])
    script = letters.argmax(axis=1)  # ties (and no letters at all): the first script, Latin
    codes = np.array(registry.codes, dtype=object)
    scores = np.full((len(text), len(codes)), -1, dtype=np.int64)
    fallback = np.full(len(text), UNDETERMINED, dtype=object)
    for k, pack in enumerate(registry):
        allowed = np.isin(script, [index[s.name] for s in pack.scripts])
        foreign = pack.foreign_letters()
        if foreign is not None:
            allowed &= _count(text, foreign) == 0
        words = pack.stopwords
        hits = _count(text, _pattern(words, pack.spaced)) if words else 0
        scores[:, k] = np.where(allowed, hits, -1)
        for name in pack.fallback_for:
            fallback[allowed & (script == index[name])] = pack.code
    # Letters of no pack's script and none of a known one (Arabic, Hangul...): undetermined.
    elsewhere = (letters.sum(axis=1) == 0) & (_count(text, _unknown(registry)) > 0)
    fallback[elsewhere] = UNDETERMINED
    best = scores.argmax(axis=1)  # ties: the earlier pack (English first)
    found = scores[np.arange(len(text)), best] > 0
    return np.where(found, codes[best], fallback).astype(object)


def detect_language(text: str) -> str:
    """The language code of one text."""
    return str(detect_languages(pa.array([text], pa.string()))[0])


def _unknown(registry: LanguageRegistry) -> str:
    """Non-ASCII characters outside the packs' scripts (other scripts, but also symbols)."""
    return r"[^\x{0000}-\x{007F}" + "".join(s.char_class()[1:-1] for s in registry.scripts) + "]"


def _pattern(words: tuple[str, ...], is_spaced: bool) -> str:
    return phrase_pattern(words) if is_spaced else literal_pattern(words)


def _count(text: pa.Array | pa.ChunkedArray, pattern: str) -> np.ndarray:
    counts = pc.count_substring_regex(text, pattern).to_numpy(zero_copy_only=False)
    return np.nan_to_num(np.asarray(counts, dtype=float)).astype(np.int64)
