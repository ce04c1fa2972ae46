"""Column types shared by both backends: timezone-aware UTC datetimes in and out.

SQLite has no timezone type and hands back naive datetimes; PostgreSQL hands back datetimes in
the session's time zone. :class:`UTCDateTime` makes both return aware UTC, and refuses naive
datetimes on the way in (a naive value is ambiguous, and guessing would corrupt the timeline).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

__all__ = ["UTCDateTime", "as_utc", "utc_now"]


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """``value`` converted to UTC; a naive datetime raises ``ValueError`` (its zone is unknown)."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(
            f"datetime {value.isoformat()} has no time zone; pass a timezone-aware UTC datetime"
        )
    return value.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A ``TIMESTAMP WITH TIME ZONE`` that always binds and returns aware UTC datetimes.

    SQLite stores the UTC wall time as ISO text, so stored values sort chronologically and
    ``strftime`` works on them.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        utc = as_utc(value)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # SQLite: stored as UTC wall time
        return value.astimezone(UTC)
