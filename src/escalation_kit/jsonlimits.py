"""Limits for reading JSON that came from outside (tickets as JSON lines, health snapshots).

Python's ``json`` recurses once per nesting level and converts integers with ``int()``: a line
nested 100,000 arrays deep raises ``RecursionError``, and a 5,000-digit integer ``ValueError``
(the 4,300-digit conversion limit). Readers check the depth first with :func:`json_too_deep`
(linear, no recursion) and pass :func:`json_int` as ``parse_int``.
"""

from __future__ import annotations

import re
from itertools import accumulate

__all__ = ["INT_DIGITS", "json_int", "json_too_deep"]

INT_DIGITS = 4_000
"""Longest integer converted to ``int``; longer ones are kept as their digits (text)."""
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # unrolled: linear, no backtracking
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def json_int(digits: str) -> int | str:
    """``parse_int`` for :func:`json.loads`: an ``int``, or past :data:`INT_DIGITS` the digits
    as text (callers read values as text anyway) instead of a ``ValueError``."""
    return int(digits) if len(digits) <= INT_DIGITS else digits


def json_too_deep(text: str, limit: int) -> bool:
    """Whether JSON text nests arrays and objects more than ``limit`` deep (brackets inside
    strings do not count). Strings are cut out, the brackets left are counted +1/-1, and the
    running total's peak is the depth: linear, mostly at C speed."""
    if text.count("[") + text.count("{") <= limit:
        return False
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text)).encode("ascii")
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0) > limit
