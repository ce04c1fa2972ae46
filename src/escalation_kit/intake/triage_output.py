"""The triage output (contract columns): one reader and one validator for every consumer.

``escalate`` drafts packages from it and the ledger records it; both call
:func:`validate_triage_output`, so a file or frame means the same thing everywhere:

- ``ticket_id`` (required, non-empty, unique) and ``category`` (required, a known category);
- ``escalate`` ``true``/``false`` (or booleans); absent → what the category says;
- ``confidence`` a number from 0 to 1; empty or absent → 0;
- ``severity`` ``critical``/``moderate``/``minimal`` or empty; an empty severity on a category
  that escalates is ``moderate`` (Partner Center's default), on any other it stays empty;
- ``region`` empty → ``Unknown``, else one of the contract's regions; the other text columns
  empty → ``""``;
- ``health_checked`` and ``needs_review`` ``true``/``false``; absent or empty → false (health
  not checked; no review asked).

The first bad row raises :class:`InputError` naming the source, the row (the file's line, or
``source_row``, or the 1-based position in a frame) and the field. A file is read with
:func:`~escalation_kit.intake.readers.read_raw_table` (any encoding, bounded) and the ``'`` that
:mod:`~escalation_kit.intake.writers` put before formula-like cells is taken off again.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from escalation_kit.errors import InputError, MissingColumnsError
from escalation_kit.intake.readers import SOURCE_ROW, read_raw_table
from escalation_kit.intake.writers import restore_cell
from escalation_kit.models import (
    TRIAGE_OUTPUT_COLUMNS,
    Category,
    Region,
    Severity,
    TriageDecision,
)

__all__ = [
    "TRIAGE_COLUMNS",
    "decisions_from_frame",
    "read_triage_output",
    "read_triage_table",
    "validate_triage_output",
]

TRIAGE_COLUMNS = TRIAGE_OUTPUT_COLUMNS
REQUIRED = ("ticket_id", "category")
_TRUTH = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}
_CATEGORIES = {c.value: c for c in Category}
_SEVERITIES = ("", *(s.value for s in Severity if s is not Severity.UNKNOWN))


def read_triage_table(path: str | Path) -> pd.DataFrame:
    """A triage output file, validated (see the module docstring), one row per line."""
    raw = read_raw_table(path)
    for column in raw.columns:
        if column != SOURCE_ROW:
            raw[column] = raw[column].map(restore_cell, na_action="ignore")
    return validate_triage_output(raw, source=str(path))


def read_triage_output(path: str | Path) -> list[TriageDecision]:
    """Every row of a triage output file as a decision, in file order."""
    return _decisions(read_triage_table(path))


def decisions_from_frame(frame: pd.DataFrame, *, source: str = "ledger") -> list[TriageDecision]:
    """Decisions from a frame with the triage output columns (``TriageResult.decisions``,
    ``Ledger.decisions()``), validated like a file."""
    return _decisions(validate_triage_output(frame, source=source))


def validate_triage_output(
    frame: pd.DataFrame, *, source: str = "<decisions frame>"
) -> pd.DataFrame:
    """The contract's columns, checked and normalized; InputError at the first bad row."""
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"expected a pandas DataFrame, got {type(frame).__name__}", file=source)
    missing = [name for name in REQUIRED if name not in frame.columns]
    if missing:
        raise MissingColumnsError(
            f"missing column(s) {', '.join(missing)}; expected the triage output columns "
            f"{', '.join(TRIAGE_COLUMNS)}",
            file=source,
            field=missing[0],
        )
    checked = _Checked(frame.reset_index(drop=True), source)
    return checked.frame()


class _Checked:
    """One pass over the columns; each check raises at its first bad row."""

    def __init__(self, frame: pd.DataFrame, source: str) -> None:
        self.frame_in = frame
        self.source = source

    def fail(self, mask: pd.Series, field: str, message: str) -> None:
        flags = mask.fillna(False).to_numpy(dtype=bool)
        if not flags.any():
            return
        position = int(flags.nonzero()[0][0])
        value = self.frame_in[field].iloc[position] if field in self.frame_in.columns else None
        if isinstance(value, str) and len(value) > 80:
            value = value[:80] + "…"
        row = position + 1
        if SOURCE_ROW in self.frame_in.columns:
            row = int(self.frame_in[SOURCE_ROW].iloc[position])
        raise InputError(message.format(value=value), file=self.source, row=row, field=field)

    def text(self, name: str, default: str = "") -> pd.Series:
        if name not in self.frame_in.columns:
            return pd.Series(default, index=self.frame_in.index, dtype="object")
        column = self.frame_in[name].astype("object")
        present = column.notna() & column.map(lambda v: not _missing(v))
        cleaned = column.where(present, "").astype("str").str.strip()
        return cleaned.mask(cleaned == "", default).astype("object")

    def frame(self) -> pd.DataFrame:
        ids = self.text("ticket_id")
        self.fail(ids == "", "ticket_id", "ticket_id is empty")
        self.fail(ids.duplicated(), "ticket_id", "duplicate ticket_id {value!r}")
        category = self.text("category")
        self.fail(
            ~category.isin(list(_CATEGORIES)),
            "category",
            "unknown category {value!r}; expected one of " + ", ".join(_CATEGORIES),
        )
        escalates = category.map(lambda c: _CATEGORIES[c].escalate).astype(bool)
        out = pd.DataFrame(
            {
                "ticket_id": ids,
                "category": category,
                "escalate": self._escalate(escalates),
                **{name: self.text(name) for name in ("matched_issue_id", "cluster_id")},
                "region": self._region(),
                "service": self.text("service"),
                "severity": self._severity(escalates),
                "confidence": self._confidence(),
                **{name: self.text(name) for name in ("reasons", "recommended_action")},
                **{name: self._flag(name) for name in ("health_checked", "needs_review")},
            }
        )
        if SOURCE_ROW in self.frame_in.columns:
            out[SOURCE_ROW] = self.frame_in[SOURCE_ROW].to_numpy()
        return out

    def _escalate(self, default: pd.Series) -> pd.Series:
        if "escalate" not in self.frame_in.columns:
            return default
        column = self.frame_in["escalate"]
        if pd.api.types.is_bool_dtype(column):
            return column.astype(bool)
        mapped = self.text("escalate").str.lower().map(_TRUTH)
        self.fail(mapped.isna(), "escalate", "escalate {value!r} is not true/false")
        return mapped.astype(bool)

    def _flag(self, name: str) -> pd.Series:
        if name not in self.frame_in.columns:
            return pd.Series(False, index=self.frame_in.index, dtype=bool)
        column = self.frame_in[name]
        if pd.api.types.is_bool_dtype(column):
            return column.astype(bool)
        mapped = self.text(name, "false").str.lower().map(_TRUTH)
        self.fail(mapped.isna(), name, name + " {value!r} is not true/false")
        return mapped.astype(bool)

    def _region(self) -> pd.Series:
        region = self.text("region", "Unknown")
        self.fail(
            ~region.isin([r.value for r in Region]),
            "region",
            "unknown region {value!r}; expected one of " + ", ".join(r.value for r in Region),
        )
        return region

    def _severity(self, escalates: pd.Series) -> pd.Series:
        severity = self.text("severity").str.lower()
        self.fail(
            ~severity.isin(_SEVERITIES),
            "severity",
            "unknown severity {value!r}; expected critical, moderate, minimal or empty",
        )
        return severity.mask((severity == "") & escalates, Severity.MODERATE.value)

    def _confidence(self) -> pd.Series:
        text = self.text("confidence", "0")
        numbers = pd.to_numeric(text, errors="coerce")
        bad = numbers.isna() | (numbers < 0) | (numbers > 1)
        self.fail(bad, "confidence", "confidence {value!r} is not a number from 0 to 1")
        return numbers.astype(float)


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _decisions(frame: pd.DataFrame) -> list[TriageDecision]:
    return [
        TriageDecision(
            ticket_id=row["ticket_id"],
            category=_CATEGORIES[row["category"]],
            region=row["region"],
            service=row["service"],
            confidence=float(row["confidence"]),
            reasons=row["reasons"],
            recommended_action=row["recommended_action"],
            matched_issue_id=row["matched_issue_id"],
            cluster_id=row["cluster_id"],
            severity=Severity(row["severity"]) if row["severity"] else None,
            health_checked=bool(row["health_checked"]),
            needs_review=bool(row["needs_review"]),
        )
        for row in frame.to_dict("records")
    ]
