"""The one text fold: what "the same words" means for every matcher in the package.

Folding a text: compatibility decomposition (NFKD: full-width "Ｏｕｔｌｏｏｋ" is "Outlook",
ligatures split), lower case, the script-neutral accents dropped (the Unicode blocks of
combining diacritical marks: "caído" = "caido", "ё" = "е", "й" = "и", "İ" = "i"), the Greek
final sigma written as σ, then composition again (NFC), so that marks that change a word in
their script (Japanese voicing marks: "ガ" is not "カ") stay on their letter. "ß" stays "ß":
lower case, not case folding.

:func:`fold` does this to one string (phrases, aliases, a ticket), :func:`fold_column` to an
Arrow string column (whole ticket sets, through Arrow's C++ kernels). Both follow the same
steps in the same order, and ``tests/test_textfold.py`` holds them to the same results. ASCII
text only needs lower-casing, so the column version decomposes only the rows that are not ASCII.
Importing this module loads no pyarrow (services and regions use only :func:`fold`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["COMBINING_MARKS", "fold", "fold_column"]

#: The combining diacritical marks blocks (accents of Latin, Cyrillic and Greek letters).
COMBINING_MARKS = (
    (0x0300, 0x036F),
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xFE20, 0xFE2F),
)
_MARKS_RE2 = "[" + "".join(rf"\x{{{a:04X}}}-\x{{{b:04X}}}" for a, b in COMBINING_MARKS) + "]+"
_MARKS = re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in COMBINING_MARKS) + "]+")
_FINAL_SIGMA, _SIGMA = "ς", "σ"


def fold(text: str) -> str:
    """One text folded (see the module docstring)."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text).lower()
    bare = _MARKS.sub("", decomposed).replace(_FINAL_SIGMA, _SIGMA)
    return unicodedata.normalize("NFC", bare)


def fold_column(text: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Every text of an Arrow string column folded, as :func:`fold` does."""
    # pyarrow loads only here: services and regions (which fold one string) stay light to import.
    import pyarrow as pa

    if isinstance(text, pa.ChunkedArray):
        return pa.chunked_array([_fold_array(chunk) for chunk in text.chunks], text.type)
    return _fold_array(text)


def _fold_array(text: pa.Array) -> pa.Array:
    import pyarrow.compute as pc  # heavy: see fold_column

    lowered = pc.utf8_lower(text)
    other = pc.fill_null(pc.invert(pc.string_is_ascii(text)), False)
    if not pc.any(other).as_py():
        return lowered
    decomposed = pc.utf8_lower(pc.utf8_normalize(pc.filter(text, other), "NFKD"))
    bare = pc.replace_substring(
        pc.replace_substring_regex(decomposed, _MARKS_RE2, ""), _FINAL_SIGMA, _SIGMA
    )
    return pc.replace_with_mask(lowered, other, pc.utf8_normalize(bare, "NFC"))
