"""The rule primitives every input schema is built from: one implementation of each rule.

A rule reads a column of text in one of three forms and gives a per-row mask:

- a pandas text column (tickets, customers, the triage output) or an Arrow text array (the
  history's ids and times): rows are tested directly;
- a :class:`Coded` column (the history's low-cardinality columns: tenant, country, region,
  service, the enumerations): the column is dictionary-encoded once, each rule runs on the
  distinct values and the answer is spread to the rows, so a million rows cost a few thousand
  tests.

The ``check_*`` functions record the rule's verdict in :class:`~.validate.Findings` with the
wording every input shares; a schema that words its reasons itself (the history) takes the masks
(:func:`empty`, :func:`too_long`, :func:`not_in`) and hands them to
:meth:`~.validate.Findings.reject_first`.

Control characters: C0 controls other than tab, line feed and carriage return, DEL and the C1
range (U+0080–U+009F, what cp1252 text decoded as Latin-1 leaves behind) are removed from every
value, and the row gets a warning saying so. They are never meaningful in a ticket and break
CSV, HTML and terminals downstream; removing them keeps the ticket, rejecting would lose it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from escalation_kit.intake.validate import Findings, quote

__all__ = [
    "CONTROL_CHARS",
    "MAX_WHOLE_NUMBER",
    "Coded",
    "Text",
    "ascii_digits",
    "bools",
    "check_length",
    "check_member",
    "check_required",
    "check_unique",
    "clean_text",
    "empty",
    "not_in",
    "parse_flags",
    "parse_guids",
    "parse_whole_numbers",
    "repeated",
    "strip_controls",
    "text_column",
    "too_long",
    "warn_cleaned",
]

CONTROL_CHARS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
_BARE_GUID = r"[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}"
_GUID = rf"(?:\{{{_BARE_GUID}\}}|{_BARE_GUID})"  # braces come in a pair or not at all
_GUID_PARTS = r"^\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$"
_NIL_GUID = "00000000-0000-0000-0000-000000000000"
MAX_WHOLE_NUMBER = 1_000_000_000
_TRUTH = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}


def bools(mask: pa.Array | pa.ChunkedArray | np.ndarray) -> np.ndarray:
    """A mask as numpy booleans (a missing answer is no)."""
    if isinstance(mask, np.ndarray):
        return mask.astype(bool)
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False).astype(bool)


def _may_hold_controls(values: pa.Array) -> bool:
    """False when every byte of the text is printable ASCII (ids and times usually are): two
    reductions over the bytes, far cheaper than a regular expression over the values."""
    data = values.buffers()[2]
    if data is None or not data.size:
        return False
    octets = np.frombuffer(data, dtype=np.uint8)
    return bool(octets.min() < 0x20 or octets.max() >= 0x7F)


def strip_controls(values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Arrow text with control characters removed, and which values held any (what
    :func:`clean_text` does for pandas)."""
    if not _may_hold_controls(values):
        return values, np.zeros(len(values), dtype=bool)
    dirty = bools(pc.match_substring_regex(values, CONTROL_CHARS))
    if not dirty.any():
        return values, dirty
    return pc.replace_substring_regex(values, CONTROL_CHARS, ""), dirty


@dataclass(frozen=True, slots=True, eq=False)
class Coded:
    """A dictionary-encoded text column: normalized distinct values and each row's index."""

    values: pa.Array
    indices: np.ndarray
    dirty: np.ndarray  # per distinct value: control characters were removed

    @classmethod
    def of(cls, column: pa.Array | pa.ChunkedArray, fold: str = "") -> Coded:
        """Distinct values without control characters, trimmed (and ``fold``: ``lower`` or
        ``upper``); empty cells are ``""``."""
        # Encoded chunk by chunk on a shared dictionary: only the indices are concatenated.
        chunked = column if isinstance(column, pa.ChunkedArray) else pa.chunked_array([column])
        filled = pc.fill_null(chunked, "") if chunked.null_count else chunked
        encoded = pc.dictionary_encode(filled).unify_dictionaries().combine_chunks()
        values, dirty = strip_controls(encoded.dictionary)
        values = pc.utf8_trim_whitespace(values)
        if fold == "lower":
            values = pc.utf8_lower(values)
        elif fold == "upper":
            values = pc.utf8_upper(values)
        return cls(values, encoded.indices.to_numpy(zero_copy_only=False), dirty)

    def cleaned(self) -> np.ndarray:
        """Rows whose control characters were removed."""
        if not self.dirty.any():
            return np.zeros(len(self.indices), dtype=bool)
        return self.per_row(self.dirty)

    def per_row(self, mask_of_values: pa.Array | np.ndarray) -> np.ndarray:
        """A per-value boolean, spread to the rows."""
        return bools(mask_of_values)[self.indices]

    def codes_in(self, allowed: Sequence[str]) -> np.ndarray:
        """Each row's position in ``allowed``; -1 when not one of them."""
        positions = pc.fill_null(pc.index_in(self.values, pa.array(allowed, pa.string())), -1)
        return positions.to_numpy(zero_copy_only=False).astype(np.int8)[self.indices]

    def text(self, rows: np.ndarray | None = None) -> pa.Array:
        return self.values.take(self.indices if rows is None else self.indices[rows])

    def at(self, rows: np.ndarray) -> list[Any]:
        """The values at ``rows`` as Python strings (what a message quotes)."""
        return self.text(rows).to_pylist()


Text: TypeAlias = pd.Series | pa.Array | Coded
"""A text column a rule reads: pandas (missing = NA), Arrow or coded (missing = ``""``)."""


def empty(column: Text) -> np.ndarray:
    """Rows with no value (missing or empty text)."""
    if isinstance(column, Coded):
        return column.per_row(pc.equal(column.values, ""))
    if isinstance(column, pa.Array):
        return ~bools(pc.not_equal(column, ""))
    return (column.isna() | (column == "")).fillna(True).to_numpy(dtype=bool)


def _lengths(column: Text) -> pd.Series | np.ndarray:
    if isinstance(column, Coded):
        return pc.utf8_length(column.values).to_numpy(zero_copy_only=False)[column.indices]
    if isinstance(column, pa.Array):
        return pc.utf8_length(column).to_numpy(zero_copy_only=False)
    return column.str.len()


def too_long(column: Text, limit: int) -> np.ndarray:
    """Rows whose text is longer than ``limit`` characters."""
    return np.asarray(_lengths(column) > limit, dtype=bool)


def not_in(column: Text, allowed: Sequence[str]) -> np.ndarray:
    """Rows whose value is not one of ``allowed`` (an empty value included)."""
    if isinstance(column, Coded):
        return column.codes_in(allowed) < 0
    return (~column.isin(list(allowed))).fillna(True).to_numpy(dtype=bool)


def repeated(ids: pa.Array) -> np.ndarray:
    """Rows whose value appeared on an earlier row. Values in strictly ascending order (the
    usual export) cannot repeat, which one pass of comparisons shows; else a hash table decides."""
    if len(ids) < 2 or pc.all(pc.greater(ids[1:], ids[:-1])).as_py():
        return np.zeros(len(ids), dtype=bool)
    return pd.Series(ids, dtype="str").duplicated(keep="first").to_numpy()


def check_required(findings: Findings, name: str, column: Text) -> None:
    """Reject rows where ``name`` is empty."""
    findings.reject(name, empty(column), lambda: f"{name} is empty")


def check_length(findings: Findings, name: str, column: Text, limit: int) -> None:
    """Reject values longer than ``limit`` characters."""
    lengths = np.asarray(_lengths(column), dtype="float64")
    findings.reject(
        name,
        lengths > limit,
        lambda n: f"{name} is {int(n):,} characters long (limit {limit:,})",
        lengths,
    )


def check_member(
    findings: Findings,
    name: str,
    column: Text,
    allowed: Sequence[str],
    message: Callable[[Any], str],
    *,
    shown: Text | None = None,
) -> None:
    """Reject values not in ``allowed``; ``message(value)`` words one (``shown`` is the column
    quoted, when it is not the normalized one tested)."""
    findings.reject(name, not_in(column, allowed), message, column if shown is None else shown)


def check_unique(
    findings: Findings, name: str, values: pd.Series, rows: pd.Series | None = None
) -> None:
    """Reject a value seen on an earlier row; with ``rows`` (the file's row numbers) the reason
    names where it was first seen."""
    duplicate = values.notna() & values.duplicated(keep="first")
    if rows is None:
        findings.reject(name, duplicate, lambda v: f"duplicate {name} {quote(v)}", values)
        return
    first = rows.groupby(values).transform("min")
    findings.reject(
        name,
        duplicate,
        lambda value, row: f"duplicate {name} {quote(value)} (first seen at row {int(row)})",
        values,
        first,
    )


def parse_flags(findings: Findings, name: str, values: pd.Series, shown: pd.Series) -> pd.Series:
    """``true``/``false`` (also ``1``/``0``, ``yes``/``no``, any case) as booleans; anything
    else rejected (``shown``: the cells as given, for the message)."""
    mapped = values.str.lower().map(_TRUTH)
    findings.reject(name, mapped.isna(), lambda v: f"{name} {quote(v)} is not true/false", shown)
    return mapped.fillna(False).astype(bool)


def clean_text(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Trimmed text with control characters removed (empty → missing), and where any were."""
    # Each step copies the column only when some value needs it: a file's text is big.
    text = values.astype("str")
    dirty = text.str.contains(CONTROL_CHARS, regex=True, na=False)
    if dirty.any():
        text = text.str.replace(CONTROL_CHARS, "", regex=True)
    padded = text.str[:1].str.isspace().fillna(False) | text.str[-1:].str.isspace().fillna(False)
    if padded.any():
        text = text.str.strip()
    blank = text == ""
    if blank.any():
        text = text.mask(blank)
    return text, dirty


def text_column(raw: pd.DataFrame, name: str, findings: Findings) -> pd.Series:
    """Column ``name`` as text with control characters removed (and a warning), NA if absent."""
    if name not in raw.columns:
        return pd.Series(pd.NA, index=raw.index, dtype="str")
    values, dirty = clean_text(raw[name])
    warn_cleaned(findings, name, dirty)
    return values


def warn_cleaned(findings: Findings, name: str, dirty: pd.Series | np.ndarray) -> None:
    """Warn about the rows whose ``name`` lost control characters (the row is kept)."""
    findings.warn(name, dirty, lambda: f"control characters removed from {name}")


def parse_guids(findings: Findings, name: str, values: pd.Series) -> pd.Series:
    """Canonical lower-case hyphenated GUIDs; bad ones rejected (``{}`` and no hyphens accepted)."""
    valid = values.str.fullmatch(_GUID, na=False)
    canonical = (
        values.where(valid).str.lower().str.replace(_GUID_PARTS, r"\1-\2-\3-\4-\5", regex=True)
    )
    findings.reject(
        name,
        values.notna() & ~valid,
        lambda v: (
            f"{name} {quote(v)} is not a GUID (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"
        ),
        values,
    )
    findings.reject(name, canonical == _NIL_GUID, lambda: f"{name} is the nil GUID (all zeros)")
    return canonical


def ascii_digits(values: pd.Series) -> pd.Series:
    """Text with every decimal digit of any script written as 0-9 (other characters kept)."""
    other = values.str.contains(r"[^\x00-\x7f]", regex=True, na=False)
    if not other.any():
        return values
    return values.mask(other, values[other].map(_ascii_digits))


def _ascii_digits(text: str) -> str:
    return "".join(
        str(unicodedata.decimal(c)) if not c.isascii() and c.isdecimal() else c for c in text
    )


def parse_whole_numbers(findings: Findings, name: str, values: pd.Series) -> pd.Series:
    """Whole numbers ≥ 0 (``Int64``, missing when empty); ``5.0`` is read as 5, and digits of
    any script (``١٠٠٠``, ``１０``) as the number they write."""
    written = ascii_digits(values)
    digits = written.str.fullmatch(r"\+?[0-9]{1,12}(?:\.0+)?", na=False)
    negative = written.str.fullmatch(r"-[0-9]+(?:\.[0-9]*)?", na=False)
    numbers = pd.to_numeric(written.where(digits), errors="coerce")
    too_big = numbers > MAX_WHOLE_NUMBER
    findings.reject(name, negative, lambda v: f"{name} {quote(v)} is negative", values)
    findings.reject(
        name,
        values.notna() & ~digits & ~negative,
        lambda v: f"{name} {quote(v)} is not a whole number",
        values,
    )
    findings.reject(
        name,
        too_big,
        lambda v: f"{name} {quote(v)} is larger than {MAX_WHOLE_NUMBER:,}",
        values,
    )
    return numbers.where(~too_big).astype("Int64")
