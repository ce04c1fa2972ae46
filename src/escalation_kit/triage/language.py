"""Lightweight language detection for ticket text: script first, then stop-word counts.

Tickets come in English, Russian, German, Spanish and French, and also Italian, Portuguese,
Dutch and Japanese. Kana or CJK ideographs mean Japanese, Cyrillic letters mean Russian; for
Latin text the language whose common function words occur most often wins, English on a tie or
when nothing is recognised. No model, no extra dependency, and whole columns at once.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from escalation_kit.triage.text import lower, phrase_pattern

__all__ = ["LANGUAGES", "detect_language", "detect_languages"]

#: The languages the rules are written for, English first (the fallback).
LANGUAGES = ("en", "ru", "de", "es", "fr", "it", "pt", "nl", "ja")

_STOPWORDS = {
    "en": "the and is are not can cannot with from for our we this that have has since users",
    "de": "der die das und ist nicht mit von für wir unsere unser bei seit können kann keine "
    "auch sich werden wird ein eine",
    "es": "el la los las que de no con por para nuestro nuestros nuestra desde usuarios "
    "pueden puede una se está están",
    "fr": "le la les et est pas avec pour nous notre nos depuis utilisateurs ne une des "
    "sont peuvent du au",
    "it": "il gli che non di per con nostro nostri nostra sono dal dalla della degli utenti "
    "possono riesce funziona è abbiamo",
    "pt": "os que não com para nosso nossos nossa desde usuários utilizadores podem consegue "
    "está estão uma um temos já",
    "nl": "de het een en niet van voor met onze ons wij we sinds gebruikers kunnen kan geen "
    "werkt is zijn",
}
_CYRILLIC = r"[\x{0400}-\x{04FF}]"
_JAPANESE = r"[\x{3040}-\x{30FF}\x{4E00}-\x{9FFF}]"


def detect_languages(text: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """The language code of each text (object array of ``LANGUAGES`` values)."""
    n = len(text)
    text = lower(text)
    cyrillic = pc.count_substring_regex(text, _CYRILLIC).to_numpy(zero_copy_only=False)
    japanese = pc.count_substring_regex(text, _JAPANESE).to_numpy(zero_copy_only=False)
    latin = pc.count_substring_regex(text, r"[a-z]").to_numpy(zero_copy_only=False)
    latin_codes = [code for code in LANGUAGES if code in _STOPWORDS]
    counts = np.zeros((n, len(latin_codes)), dtype=np.int64)
    for column, code in enumerate(latin_codes):
        pattern = phrase_pattern(_STOPWORDS[code].split())
        counts[:, column] = pc.count_substring_regex(text, pattern).to_numpy(zero_copy_only=False)
    best = np.array(latin_codes, dtype=object)[counts.argmax(axis=1)]
    # English wins ties (argmax takes the first column, which is English).
    result = np.where(np.nan_to_num(cyrillic) > np.nan_to_num(latin), "ru", best)
    result = np.where(np.nan_to_num(japanese) * 3 > np.nan_to_num(latin), "ja", result)
    return result.astype(object)


def detect_language(text: str) -> str:
    """The language code of one text."""
    return str(detect_languages(pa.array([text], pa.string()))[0])
