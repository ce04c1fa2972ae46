"""The date-time rule every input shares: ISO 8601 with a UTC offset, from 2000 to 2199.

Two readers of one rule: :func:`parse_datetimes` works on a pandas text column (tickets) and
words each fault; :func:`parse_times` reads a whole Arrow column at Arrow's speed (the history,
millions of rows) and leaves the wording to its schema. Both refuse times outside
[``EARLIEST``, ``LATEST``) with the same reason, :data:`OUTSIDE`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from escalation_kit.intake.validate import Findings, quote

__all__ = ["EARLIEST", "LATEST", "OUTSIDE", "outside", "parse_datetimes", "parse_times"]

EARLIEST = pd.Timestamp("2000-01-01", tz="UTC")
LATEST = pd.Timestamp("2200-01-01", tz="UTC")
OUTSIDE = f"outside {EARLIEST:%Y-%m-%d} to {LATEST.year - 1}-12-31"
"""Why a time is no escalation's or ticket's (and would overflow pandas' nanoseconds)."""

_TZ = r"(?:[Zz]|[+-]\d{2}(?::?\d{2})?)"
_DATETIME = r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?"
# What Arrow's strict ISO 8601 cast reads at full speed; other forms take the pandas path.
_FAST_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$"
_OFFSET = r"(?:[Zz]|[+-]\d{2}:?\d{2})$"
_UTC_US = pa.timestamp("us", tz="UTC")
_EARLIEST_US = pa.scalar(EARLIEST.value // 1000, _UTC_US)
_LATEST_US = pa.scalar(LATEST.value // 1000, _UTC_US)
_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_EARLIEST_TS = pd.Timestamp("1900-01-01", tz="UTC")  # the pandas path's own, wider bounds
_LATEST_TS = pd.Timestamp("2262-01-01", tz="UTC")


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
    in_range = (parsed >= EARLIEST) & (parsed < LATEST)
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
        lambda v: f"{name} {quote(v)} is {OUTSIDE}",
        values,
    )
    return parsed.where(in_range).astype("datetime64[ns, UTC]")


def outside(times: pa.Array) -> np.ndarray:
    """Rows whose time was read but lies outside [EARLIEST, LATEST)."""
    early = pc.less(times, _EARLIEST_US)
    late = pc.greater_equal(times, _LATEST_US)
    return pc.fill_null(pc.or_(early, late), False).to_numpy(zero_copy_only=False).astype(bool)


def parse_times(text: pa.Array) -> pa.Array:
    """Trimmed ISO 8601 text → ``timestamp[us, UTC]``; null where empty, unparseable or without
    an offset. Arrow's strict cast reads the whole column when it can (the usual case); else the
    rows of the fixed form are cast and only the others are parsed by pandas."""
    given = pc.fill_null(pc.not_equal(text, ""), False).to_numpy(zero_copy_only=False)
    try:
        return pc.cast(pc.if_else(given, text, None), _UTC_US)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    fast = given & pc.fill_null(pc.match_substring_regex(text, _FAST_TIME), False).to_numpy(
        zero_copy_only=False
    )
    fast[fast] = _in_calendar(text.filter(pa.array(fast)))
    try:
        parsed = pc.cast(pc.if_else(fast, text, None), _UTC_US)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # e.g. a +99:00 offset
        fast[:] = False
        parsed = pa.nulls(len(text), _UTC_US)
    slow = np.flatnonzero(given & ~fast)
    if not len(slow):
        return parsed
    micros = parsed.cast(pa.int64()).to_numpy(zero_copy_only=False).astype("float64")
    micros[slow] = _pandas_times(text.take(pa.array(slow)))
    return pa.array(micros, mask=np.isnan(micros)).cast(pa.int64()).cast(_UTC_US)


def _in_calendar(text: pa.Array) -> np.ndarray:
    """For text of the fixed form: month, day of that month, hour, minute, second in range (so
    a 2026-02-30 goes to the slow path alone instead of failing the cast of the column)."""

    def number(start: int, stop: int) -> np.ndarray:
        digits = pc.utf8_slice_codeunits(text, start, stop)
        return pc.cast(digits, pa.int32()).to_numpy(zero_copy_only=False)

    year, month, day = number(0, 4), number(5, 7), number(8, 10)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days = _MONTH_DAYS[np.clip(month - 1, 0, 11)] + (leap & (month == 2))
    return (
        (month >= 1)
        & (month <= 12)
        & (day >= 1)
        & (day <= days)
        & (number(11, 13) <= 23)
        & (number(14, 16) <= 59)
        & (number(17, 19) <= 59)
    )


def _pandas_times(text: pa.Array) -> np.ndarray:
    """Microseconds since the epoch (NaN when invalid) of the rows Arrow could not read."""
    series = pd.Series(text.to_pylist(), dtype="str")
    has_offset = series.str.contains(_OFFSET, regex=True)
    parsed = pd.to_datetime(series.where(has_offset), format="ISO8601", utc=True, errors="coerce")
    # pandas reads years Arrow refuses (-2026): such times are not history, and would overflow.
    parsed = parsed.where((parsed >= _EARLIEST_TS) & (parsed < _LATEST_TS))
    micros = (parsed - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(microseconds=1)  # exact
    return micros.to_numpy(dtype="float64", na_value=np.nan)
