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

from escalation_kit.errors import InputError
from escalation_kit.intake.readers import SOURCE_ROW, read_raw_table
from escalation_kit.intake.rules import (
    check_member,
    check_required,
    check_unique,
    parse_flags,
)
from escalation_kit.intake.validate import Findings, quote, require_columns
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
_CATEGORIES = {c.value: c for c in Category}
_REGIONS = tuple(r.value for r in Region)
_SEVERITIES = ("", *Severity.choices())


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
    expected = f"expected the triage output columns {', '.join(TRIAGE_COLUMNS)}"
    require_columns(frame.columns, REQUIRED, source, expected=expected, name_field=True)
    return _Checked(frame.reset_index(drop=True), source).frame()


class _Checked:
    """The triage output's declaration: the shared rules in strict form, each raising at its
    first bad row (the row is the file's line, ``source_row``, or the 1-based position)."""

    def __init__(self, frame: pd.DataFrame, source: str) -> None:
        self.frame_in = frame
        rows = (
            frame[SOURCE_ROW].to_numpy()
            if SOURCE_ROW in frame.columns
            else range(1, len(frame) + 1)
        )
        self.findings = Findings.strict(frame.index, source=source, rows=list(rows))

    def given(self, name: str, default: str = "") -> pd.Series:
        """The cells of ``name`` as given (what a message quotes)."""
        if name in self.frame_in.columns:
            return self.frame_in[name]
        return self.text(name, default)

    def text(self, name: str, default: str = "") -> pd.Series:
        if name not in self.frame_in.columns:
            return pd.Series(default, index=self.frame_in.index, dtype="object")
        column = self.frame_in[name].astype("object")
        present = column.notna() & column.map(lambda v: not _missing(v))
        cleaned = column.where(present, "").astype("str").str.strip()
        return cleaned.mask(cleaned == "", default).astype("object")

    def frame(self) -> pd.DataFrame:
        ids = self.text("ticket_id")
        check_required(self.findings, "ticket_id", ids)
        check_unique(self.findings, "ticket_id", ids)
        category = self.text("category")
        check_member(
            self.findings,
            "category",
            category,
            list(_CATEGORIES),
            lambda v: f"unknown category {quote(v)}; expected one of " + ", ".join(_CATEGORIES),
            shown=self.given("category"),
        )
        escalates = category.map(lambda c: _CATEGORIES[c].escalate).astype(bool)
        out = pd.DataFrame(
            {
                "ticket_id": ids,
                "category": category,
                "escalate": self._flag("escalate", escalates, empty=""),
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

    def _flag(
        self, name: str, default: pd.Series | None = None, *, empty: str = "false"
    ) -> pd.Series:
        """A true/false column; absent → ``default`` (else false), empty → ``empty``."""
        if name not in self.frame_in.columns:
            if default is not None:
                return default
            return pd.Series(False, index=self.frame_in.index, dtype=bool)
        column = self.frame_in[name]
        if pd.api.types.is_bool_dtype(column):
            return column.astype(bool)
        return parse_flags(self.findings, name, self.text(name, empty), self.given(name))

    def _region(self) -> pd.Series:
        region = self.text("region", "Unknown")
        check_member(
            self.findings,
            "region",
            region,
            _REGIONS,
            lambda v: f"unknown region {quote(v)}; expected one of " + ", ".join(_REGIONS),
            shown=self.given("region"),
        )
        return region

    def _severity(self, escalates: pd.Series) -> pd.Series:
        severity = self.text("severity").str.lower()
        check_member(
            self.findings,
            "severity",
            severity,
            _SEVERITIES,
            lambda v: f"unknown severity {quote(v)}; expected critical, moderate, minimal or empty",
            shown=self.given("severity"),
        )
        return severity.mask((severity == "") & escalates, Severity.MODERATE.value)

    def _confidence(self) -> pd.Series:
        text = self.text("confidence", "0")
        numbers = pd.to_numeric(text, errors="coerce")
        self.findings.reject(
            "confidence",
            numbers.isna() | (numbers < 0) | (numbers > 1),
            lambda v: f"confidence {quote(v)} is not a number from 0 to 1",
            self.given("confidence"),
        )
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
