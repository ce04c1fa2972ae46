"""Field rules shared by the tickets and customers files, vectorized over whole columns.

Each rule works on a column of raw text and returns the cleaned values plus the problems found.
Python-level work (building a message) happens only for the rows at fault, so 100,000 good rows
cost a few column operations.

Control characters: C0 controls other than tab, line feed and carriage return, DEL and the C1
range (U+0080–U+009F, what cp1252 text decoded as Latin-1 leaves behind) are removed from every
value, and the row gets a warning saying so. They are never meaningful in a ticket and break
CSV, HTML and terminals downstream; removing them keeps the ticket, rejecting would lose it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from escalation_kit.errors import MissingColumnsError
from escalation_kit.intake.readers import PARSE_ERROR, SOURCE_ROW, arrow_chunks
from escalation_kit.intake.result import InputWarningRow, IntakeResult

__all__ = [
    "Findings",
    "check_length",
    "clean_text",
    "filter_rows",
    "parse_datetimes",
    "parse_guids",
    "parse_whole_numbers",
    "quote",
    "require_columns",
    "text_column",
]

CONTROL_CHARS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
_BARE_GUID = r"[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}"
_GUID = rf"(?:\{{{_BARE_GUID}\}}|{_BARE_GUID})"  # braces come in a pair or not at all
_GUID_PARTS = r"^\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$"
_NIL_GUID = "00000000-0000-0000-0000-000000000000"
_TZ = r"(?:[Zz]|[+-]\d{2}(?::?\d{2})?)"
_DATETIME = r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?"
_EARLIEST = pd.Timestamp("2000-01-01", tz="UTC")
_LATEST = pd.Timestamp("2200-01-01", tz="UTC")
_PLUMBING = (SOURCE_ROW, PARSE_ERROR)
UNREADABLE = "row"
"""The ``field`` of a rejected row that could not be read as fields at all."""
MAX_WHOLE_NUMBER = 1_000_000_000
_QUOTE_LIMIT = 60


def quote(value: object) -> str:
    """A value for a message: quoted, escaped, cut to a readable length."""
    text = str(value)
    if len(text) > _QUOTE_LIMIT:
        text = text[: _QUOTE_LIMIT - 1] + "…"
    return repr(text)


def require_columns(frame: pd.DataFrame, required: Sequence[str], source: str) -> None:
    """Raise :class:`MissingColumnsError` naming every required column that is absent."""
    missing = [name for name in required if name not in frame.columns]
    if missing:
        raise MissingColumnsError(
            f"missing required column(s): {', '.join(missing)}; found: "
            f"{', '.join(c for c in frame.columns if c not in _PLUMBING) or 'none'}",
            file=source,
        )


@dataclass(frozen=True, slots=True)
class _Found:
    """One rule's hits: the field, the positions of the rows at fault and a message each."""

    field: str
    positions: np.ndarray
    messages: list[str]


@dataclass
class Findings:
    """Problems (reject the row) and warnings (keep it) found column by column.

    Only the rows at fault are stored (positions and messages), so a rule that finds nothing in
    a million rows costs a boolean column, not a column of messages.
    """

    index: pd.Index
    problems: list[_Found] = field(default_factory=list)
    notes: list[_Found] = field(default_factory=list)

    def reject(
        self, field_name: str, mask: pd.Series, message: Callable[..., str], *values: pd.Series
    ) -> None:
        """Reject the rows of ``mask``; ``message(*row_values)`` says why for one row."""
        self.problems.append(self._found(field_name, mask, message, values))

    def warn(
        self, field_name: str, mask: pd.Series, message: Callable[..., str], *values: pd.Series
    ) -> None:
        """Warn about the rows of ``mask`` without rejecting them."""
        self.notes.append(self._found(field_name, mask, message, values))

    def _found(
        self,
        field_name: str,
        mask: pd.Series,
        message: Callable[..., str],
        values: tuple[pd.Series, ...],
    ) -> _Found:
        positions = mask.fillna(False).to_numpy(dtype=bool).nonzero()[0]
        texts: list[str] = []
        if len(positions):
            columns = [v.iloc[positions].tolist() for v in values]
            texts = (
                [message(*row) for row in zip(*columns, strict=True)]
                if columns
                else [message()] * len(positions)
            )
        return _Found(field_name, positions, texts)

    def rejected_mask(self) -> pd.Series:
        flags = np.zeros(len(self.index), dtype=bool)
        for found in self.problems:
            flags[found.positions] = True
        return pd.Series(flags, index=self.index)

    def result(
        self, raw: pd.DataFrame, accepted: pd.DataFrame, source: str, key: pd.Series
    ) -> IntakeResult:
        """Assemble the result: accepted rows, raw rejected rows with reasons, warnings.

        ``raw`` is consumed: once its rejected rows are taken its columns are dropped, so that a
        big file's text is not held twice while the accepted rows are copied out.
        """
        bad = self.rejected_mask().to_numpy()
        keep = ~bad
        rejected = filter_rows(raw, bad).drop(columns=[PARSE_ERROR], errors="ignore")
        fields, reasons = _join(self.problems, bad)
        rejected = rejected.rename(columns={c: f"raw_{c}" for c in ("field", "reason")})
        rejected["field"] = pd.Series(fields, index=rejected.index, dtype="str")
        rejected["reason"] = pd.Series(reasons, index=rejected.index, dtype="str")
        warnings = self._warnings(raw[SOURCE_ROW], key, keep)
        read = len(raw)
        for column in list(raw.columns):
            del raw[column]
        return IntakeResult(
            accepted=filter_rows(accepted, keep),
            rejected=rejected,
            source=source,
            read=read,
            warnings=tuple(warnings),
        )

    def _warnings(self, rows: pd.Series, key: pd.Series, kept: np.ndarray) -> list[InputWarningRow]:
        found: list[tuple[int, int, InputWarningRow]] = []
        for order, note in enumerate(self.notes):
            shown = kept[note.positions]
            positions = note.positions[shown]
            texts = [text for text, ok in zip(note.messages, shown, strict=True) if ok]
            for row, name, text in zip(
                rows.iloc[positions].tolist(), key.iloc[positions].tolist(), texts, strict=True
            ):
                found.append((row, order, InputWarningRow(row, str(name), note.field, text)))
        found.sort(key=lambda item: item[:2])
        return [warning for _, _, warning in found]


def filter_rows(frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """The rows where ``keep`` is true, renumbered from 0. Arrow text is filtered chunk by
    chunk: pandas' ``loc`` would first join a big column's chunks into one more copy."""
    mask = pa.array(keep, pa.bool_())
    columns: dict[str, pd.Series] = {}
    for name in frame.columns:
        values = frame[name]
        if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
            chunked = arrow_chunks(values)
            columns[name] = pd.Series(pd.array(chunked.filter(mask), dtype=values.dtype))
        else:
            columns[name] = values[keep].reset_index(drop=True)
    return pd.DataFrame(columns, index=pd.RangeIndex(int(keep.sum())), copy=False)


def _join(problems: list[_Found], bad: np.ndarray) -> tuple[list[str], list[str]]:
    """Per rejected row (in order): its fields at fault and its reasons, in rule order."""
    slot = np.cumsum(bad) - 1  # a rejected row's place among the rejected rows
    fields: list[list[str]] = [[] for _ in range(int(bad.sum()))]
    reasons: list[list[str]] = [[] for _ in range(len(fields))]
    unreadable = np.zeros(len(fields), dtype=bool)
    for found in problems:
        if found.field == UNREADABLE:
            unreadable[slot[found.positions]] = True
    for found in problems:
        for place, text in zip(slot[found.positions].tolist(), found.messages, strict=True):
            # A row that could not be split into fields has only that problem worth reading.
            if unreadable[place] == (found.field == UNREADABLE):
                if found.field not in fields[place]:
                    fields[place].append(found.field)
                reasons[place].append(text)
    return [", ".join(f) for f in fields], ["; ".join(r) for r in reasons]


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
    empty = text == ""
    if empty.any():
        text = text.mask(empty)
    return text, dirty


def text_column(raw: pd.DataFrame, name: str, findings: Findings) -> pd.Series:
    """Column ``name`` as text with control characters removed (and a warning), NA if absent."""
    if name not in raw.columns:
        return pd.Series(pd.NA, index=raw.index, dtype="str")
    values, dirty = clean_text(raw[name])
    findings.warn(name, dirty, lambda: f"control characters removed from {name}")
    return values


def check_length(findings: Findings, name: str, values: pd.Series, limit: int) -> None:
    """Reject values longer than ``limit`` characters."""
    lengths = values.str.len()
    too_long = lengths > limit
    findings.reject(
        name,
        too_long,
        lambda n: f"{name} is {int(n):,} characters long (limit {limit:,})",
        lengths,
    )


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


def parse_datetimes(findings: Findings, name: str, values: pd.Series) -> pd.Series:
    """UTC timestamps from ISO 8601 text with an offset or ``Z``; anything else rejected."""
    shaped = values.str.fullmatch(_DATETIME + _TZ + "?", na=False)
    zoned = shaped & values.str.contains(_TZ + "$", regex=True, na=False)
    parsed = pd.to_datetime(
        values.where(zoned).str.upper().str.replace(",", ".", regex=False),
        format="ISO8601",
        utc=True,
        errors="coerce",
    )
    in_range = (parsed >= _EARLIEST) & (parsed < _LATEST)
    findings.reject(
        name,
        values.notna() & ~shaped,
        lambda v: f"{name} {quote(v)} is not an ISO 8601 date-time",
        values,
    )
    findings.reject(
        name,
        shaped & ~zoned,
        lambda v: f"{name} {quote(v)} has no UTC offset; add Z or +hh:mm",
        values,
    )
    findings.reject(
        name,
        zoned & parsed.isna(),
        lambda v: f"{name} {quote(v)} is not a valid date-time",
        values,
    )
    findings.reject(
        name,
        parsed.notna() & ~in_range,
        lambda v: f"{name} {quote(v)} is outside 2000-01-01 to 2199-12-31",
        values,
    )
    return parsed.where(in_range).astype("datetime64[ns, UTC]")


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
