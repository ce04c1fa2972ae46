"""The ledger's limits on values, derived from the schema: one set, checked before any write.

SQLite stores a 70-character string in a ``VARCHAR(64)`` column; PostgreSQL refuses it. So
every length is checked here, against the column's declared length, before anything is
written (a file, or the ledger), and the error names the row and the field, on both backends.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import pandas as pd
from sqlalchemy import String, Table

from escalation_kit.errors import InputError
from escalation_kit.ledger._frames import row_number

__all__ = ["check_frame", "check_values", "text_limits"]


@cache
def _limits(table: Table) -> tuple[tuple[str, int], ...]:
    return tuple(
        (column.name, int(column.type.length))
        for column in table.columns
        if isinstance(column.type, String) and column.type.length
    )


def text_limits(table: Table) -> dict[str, int]:
    """``column -> max characters`` for ``table``'s bounded text columns."""
    return dict(_limits(table))


def _too_long(name: str, length: int, limit: int) -> str:
    return f"{name} is {length} characters long; the ledger keeps at most {limit}"


def check_frame(frame: pd.DataFrame, table: Table, *, source: str) -> None:
    """Raise :class:`InputError` at the first row whose text exceeds its column's length."""
    for name, limit in _limits(table):
        if name not in frame.columns:
            continue
        column = frame[name]
        lengths = column.astype("string").str.len().where(column.notna(), 0).fillna(0)
        too_long = lengths > limit
        if too_long.any():
            position = int(too_long.to_numpy().nonzero()[0][0])
            length = int(lengths.iloc[position])
            raise InputError(
                _too_long(name, length, limit),
                file=source,
                row=row_number(frame, too_long),
                field=name,
            )


def check_values(values: Mapping[str, Any], table: Table, *, what: str) -> None:
    """Raise :class:`InputError` when a value of one row is too long for its column."""
    for name, limit in _limits(table):
        value = values.get(name)
        if isinstance(value, str) and len(value) > limit:
            raise InputError(f"{what}: {_too_long(name, len(value), limit)}", field=name)
