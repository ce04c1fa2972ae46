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

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from escalation_kit.errors import MissingColumnsError
from escalation_kit.intake.readers import PARSE_ERROR, SOURCE_ROW
from escalation_kit.intake.result import InputWarningRow, IntakeResult

__all__ = [
    "Findings",
    "check_length",
    "clean_text",
    "parse_datetimes",
    "parse_guids",
    "parse_whole_numbers",
    "quote",
    "require_columns",
]

CONTROL_CHARS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
_GUID = r"\{?[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}\}?"
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


@dataclass
class Findings:
    """Problems (reject the row) and warnings (keep it) found column by column."""

    index: pd.Index
    problems: list[tuple[str, pd.Series]] = field(default_factory=list)
    notes: list[tuple[str, pd.Series]] = field(default_factory=list)

    def reject(
        self, field_name: str, mask: pd.Series, message: Callable[..., str], *values: pd.Series
    ) -> None:
        """Reject the rows of ``mask``; ``message(*row_values)`` says why for one row."""
        self.problems.append((field_name, self._messages(mask, message, values)))

    def warn(
        self, field_name: str, mask: pd.Series, message: Callable[..., str], *values: pd.Series
    ) -> None:
        """Warn about the rows of ``mask`` without rejecting them."""
        self.notes.append((field_name, self._messages(mask, message, values)))

    def _messages(
        self, mask: pd.Series, message: Callable[..., str], values: tuple[pd.Series, ...]
    ) -> pd.Series:
        flags = mask.fillna(False).to_numpy(dtype=bool)
        out = pd.Series(None, index=self.index, dtype="object")
        positions = flags.nonzero()[0]
        if len(positions):
            columns = [v.iloc[positions].tolist() for v in values]
            out.iloc[positions] = (
                [message(*row) for row in zip(*columns, strict=True)]
                if columns
                else [message()] * len(positions)
            )
        return out

    def rejected_mask(self) -> pd.Series:
        mask = pd.Series(False, index=self.index)
        for _, messages in self.problems:
            mask |= messages.notna()
        return mask

    def result(
        self, raw: pd.DataFrame, accepted: pd.DataFrame, source: str, key: pd.Series
    ) -> IntakeResult:
        """Assemble the result: accepted rows, raw rejected rows with reasons, warnings."""
        bad = self.rejected_mask()
        rejected = raw.loc[bad].drop(columns=[PARSE_ERROR], errors="ignore")
        fields, reasons = _join(self.problems, bad)
        rejected = rejected.rename(columns={c: f"raw_{c}" for c in ("field", "reason")})
        rejected["field"] = pd.Series(fields, index=rejected.index, dtype="str")
        rejected["reason"] = pd.Series(reasons, index=rejected.index, dtype="str")
        warnings = self._warnings(raw[SOURCE_ROW], key, ~bad)
        return IntakeResult(
            accepted=accepted.loc[~bad].reset_index(drop=True),
            rejected=rejected.reset_index(drop=True),
            source=source,
            read=len(raw),
            warnings=tuple(warnings),
        )

    def _warnings(self, rows: pd.Series, key: pd.Series, kept: pd.Series) -> list[InputWarningRow]:
        found: list[tuple[int, int, InputWarningRow]] = []
        for order, (field_name, messages) in enumerate(self.notes):
            shown = (messages.notna() & kept).to_numpy(dtype=bool).nonzero()[0]
            for row, name, text in zip(
                rows.iloc[shown].tolist(),
                key.iloc[shown].tolist(),
                messages.iloc[shown].tolist(),
                strict=True,
            ):
                found.append((row, order, InputWarningRow(row, str(name), field_name, text)))
        found.sort(key=lambda item: item[:2])
        return [warning for _, _, warning in found]


def _join(problems: list[tuple[str, pd.Series]], bad: pd.Series) -> tuple[list[str], list[str]]:
    fields: list[list[str]] = [[] for _ in range(int(bad.sum()))]
    reasons: list[list[str]] = [[] for _ in range(len(fields))]
    unreadable = [False] * len(fields)
    for field_name, messages in problems:
        if field_name == UNREADABLE:
            unreadable = [isinstance(text, str) for text in messages[bad].tolist()]
    for field_name, messages in problems:
        subset = messages[bad].tolist()
        for i, text in enumerate(subset):
            # A row that could not be split into fields has only that problem worth reading.
            if isinstance(text, str) and unreadable[i] == (field_name == UNREADABLE):
                if field_name not in fields[i]:
                    fields[i].append(field_name)
                reasons[i].append(text)
    return [", ".join(f) for f in fields], ["; ".join(r) for r in reasons]


def clean_text(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Trimmed text with control characters removed (empty → missing), and where any were."""
    text = values.astype("str")
    dirty = text.str.contains(CONTROL_CHARS, regex=True, na=False)
    if dirty.any():
        text = text.str.replace(CONTROL_CHARS, "", regex=True)
    text = text.str.strip()
    return text.mask(text == ""), dirty


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


def parse_whole_numbers(findings: Findings, name: str, values: pd.Series) -> pd.Series:
    """Whole numbers ≥ 0 (``Int64``, missing when empty); ``5.0`` is read as 5."""
    digits = values.str.fullmatch(r"\+?\d{1,12}(?:\.0+)?", na=False)
    negative = values.str.fullmatch(r"-\d+(?:\.\d*)?", na=False)
    numbers = pd.to_numeric(values.where(digits), errors="coerce")
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
