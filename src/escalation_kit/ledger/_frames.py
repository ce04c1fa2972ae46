"""Turning pandas frames into database rows and back, for the ledger's bulk methods."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Boolean, Integer, String, Table

from escalation_kit.errors import InputError, MissingColumnsError
from escalation_kit.ledger.types import UTCDateTime

__all__ = [
    "chunks",
    "frame_records",
    "require_columns",
    "require_unique",
    "require_values",
    "row_number",
    "rows_frame",
    "table_frame",
    "utc_column",
]


def require_columns(frame: pd.DataFrame, columns: Sequence[str], *, source: str) -> None:
    """Raise :class:`MissingColumnsError` naming every one of ``columns`` absent from ``frame``."""
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise MissingColumnsError(
            f"missing column(s): {', '.join(missing)}", file=source, field=missing[0]
        )


def row_number(frame: pd.DataFrame, mask: pd.Series) -> int:
    """The row to report for the first True of ``mask``: intake's ``source_row`` if present,
    else the 1-based position in the frame."""
    position = int(mask.to_numpy().nonzero()[0][0])
    if "source_row" in frame.columns and pd.notna(frame["source_row"].iloc[position]):
        return int(frame["source_row"].iloc[position])
    return position + 1


def require_values(frame: pd.DataFrame, columns: Sequence[str], *, source: str) -> None:
    """Raise :class:`InputError` at the first row where a required column is empty."""
    for name in columns:
        column = frame[name]
        empty = column.isna()
        textual = pd.api.types.is_string_dtype(column) or column.dtype == object
        if textual and not empty.all():
            empty |= column.astype("string").str.strip().eq("").fillna(True)
        if empty.any():
            row = row_number(frame, empty)
            raise InputError(f"{name} is empty", file=source, row=row, field=name)


def require_unique(frame: pd.DataFrame, column: str, *, source: str) -> None:
    """Raise :class:`InputError` at the second occurrence of a duplicated key."""
    duplicated = frame[column].duplicated()
    if duplicated.any():
        position = int(duplicated.to_numpy().nonzero()[0][0])
        value = frame[column].iloc[position]
        row = row_number(frame, duplicated)
        raise InputError(f"duplicate {column} {value!r}", file=source, row=row, field=column)


def _python_values(column: pd.Series) -> list[Any]:
    """A column's values as plain Python objects (datetime, int, str...), missing → ``None``."""
    present = column.notna()
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        column = column.dt.to_pydatetime()
    return list(column.astype(object).where(present, None).tolist())


def frame_records(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    """``frame[columns]`` as a list of dicts of plain Python values (missing → ``None``)."""
    values = [_python_values(frame[name]) for name in columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """``items`` in consecutive slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def rows_frame(
    rows: Sequence[Any], columns: Sequence[str], *, datetimes: Iterable[str] = ()
) -> pd.DataFrame:
    """Query rows as a frame; ``datetimes`` columns become UTC timestamps, even when empty."""
    frame = pd.DataFrame([tuple(row) for row in rows], columns=list(columns))
    for name in datetimes:
        frame[name] = pd.to_datetime(frame[name], utc=True).dt.as_unit("us")
    return frame


def table_frame(rows: Sequence[Any], table: Table) -> pd.DataFrame:
    """Rows of ``table`` as a frame typed by its columns: text as ``str`` (missing → NaN),
    integers as ``Int64``, datetimes as UTC timestamps; empty frames keep those dtypes."""
    frame = rows_frame(rows, [c.name for c in table.columns])
    for column in table.columns:
        kind = column.type
        if isinstance(kind, UTCDateTime):
            frame[column.name] = pd.to_datetime(frame[column.name], utc=True).dt.as_unit("us")
        elif isinstance(kind, String):  # Text is a String
            frame[column.name] = frame[column.name].astype("str")
        elif isinstance(kind, Integer):
            frame[column.name] = frame[column.name].astype("Int64")
        elif isinstance(kind, Boolean):
            frame[column.name] = frame[column.name].astype("boolean")
    return frame


def utc_column(frame: pd.DataFrame, name: str, *, source: str) -> pd.Series:
    """Column ``name`` as UTC timestamps; naive or unparseable values raise :class:`InputError`."""
    column = frame[name]
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        return column.dt.tz_convert("UTC")
    try:
        parsed = pd.to_datetime(column, utc=False, format="ISO8601")
    except (ValueError, TypeError) as err:
        raise InputError(
            f"{name} holds values that are not ISO 8601 date-times", file=source, field=name
        ) from err
    if not isinstance(parsed.dtype, pd.DatetimeTZDtype):
        raise InputError(
            f"{name} has no UTC offset; give timezone-aware times (e.g. ...Z)",
            file=source,
            field=name,
        )
    return parsed.dt.tz_convert("UTC")
