"""The SQL of the analytics: history import/export and aggregations pushed into the database.

Imported history rows go to ``escalations`` with ``content_key = "history:<escalation_id>"``,
so importing the same file twice adds nothing. Aggregations GROUP BY in the database with
dialect-aware date buckets (SQLite ``date``/``strftime``, PostgreSQL ``date_trunc`` in UTC)
and return the same frames as the pandas metrics, so a ledger of millions of rows is never
loaded into memory just to be counted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    DateTime,
    String,
    func,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects import postgresql, sqlite

from escalation_kit.errors import InputError
from escalation_kit.ledger.limits import text_limits
from escalation_kit.ledger.schema import escalation_links, escalations
from escalation_kit.models import HISTORY_COLUMNS, HISTORY_STATUSES, TimeBound, check_freq

if TYPE_CHECKING:
    import pandas as pd

    from escalation_kit.ledger.core import Ledger

__all__ = [
    "GROUPABLE",
    "HISTORY_KEY_PREFIX",
    "ImportResult",
    "aggregate_services",
    "aggregate_volume",
    "export_history",
    "history_tag",
    "import_history",
    "linked_escalations",
]

HISTORY_KEY_PREFIX = "history:"
GROUPABLE = ("category", "region", "service", "severity", "status", "country", "tenant_id")
CHUNK_ROWS = 5_000
_TAG_WIDTH = text_limits(escalations)["tracking_tag"]


class ImportResult(tuple[int, int]):
    """``(inserted, skipped)``: rows new to the ledger, rows whose escalation_id was there."""

    __slots__ = ()

    @property
    def inserted(self) -> int:
        return self[0]

    @property
    def skipped(self) -> int:
        return self[1]


def history_tag(escalation_id: str) -> str:
    """The tracking tag of an imported row: ``H-<id>``, or ``H-<hash>`` when that is too long."""
    tag = f"H-{escalation_id}"
    if len(tag) <= _TAG_WIDTH:
        return tag
    return "H-" + hashlib.blake2b(escalation_id.encode(), digest_size=8).hexdigest()


def import_history(
    ledger: Ledger, history: pd.DataFrame, *, source: str = "", progress: bool = False
) -> ImportResult:
    """Add a validated history frame to the ledger in one transaction; idempotent by id.

    Rows whose ``escalation_id`` is already in the ledger are skipped (and counted); one
    ``history_imported`` event records the batch.
    """
    from tqdm.auto import tqdm

    frame = _valid_history(history, source)
    ids = frame["escalation_id"].tolist()
    inserted = 0
    with ledger.transaction("import the escalation history") as conn:
        for start in tqdm(range(0, len(frame), CHUNK_ROWS), disable=not progress, unit="chunk"):
            chunk = frame.iloc[start : start + CHUNK_ROWS]
            inserted += _insert_new(conn, chunk)
        ledger.append_event(
            conn,
            entity="history",
            entity_id=_batch_id(ids),
            action="history_imported",
            detail={"source": source, "rows": len(ids), "inserted": inserted},
        )
    return ImportResult((inserted, len(ids) - inserted))


def _valid_history(history: pd.DataFrame, source: str) -> pd.DataFrame:
    """The history typed and checked against the contract; InputError at the first bad row."""
    from escalation_kit.intake.history import (  # pandas, Arrow
        history_text,
        require_history_columns,
        validate_history,
    )

    frame = history
    require_history_columns([str(c) for c in frame.columns], source or "<frame>")
    typed = str(frame["created_at"].dtype).startswith("datetime64")
    loaded = validate_history(
        history_text(frame) if typed else frame[list(HISTORY_COLUMNS)], source=source or "<frame>"
    )
    if len(loaded.rejected):
        first = loaded.rejected.iloc[0]
        raise InputError(
            f"{first['reason']} ({len(loaded.rejected)} bad row(s); nothing imported)",
            file=source or None,
            row=int(first["row"]),
            field=str(first["field"]),
        )
    return loaded.accepted


def _batch_id(ids: Sequence[str]) -> str:
    digest = hashlib.blake2b("\n".join(sorted(ids)).encode(), digest_size=8).hexdigest()
    return f"batch-{digest}"


def _insert_new(conn: Connection, chunk: pd.DataFrame) -> int:
    """Insert the chunk's rows that are not in the ledger yet; returns how many."""
    ids = chunk["escalation_id"].astype("str").tolist()
    known = set(
        conn.scalars(
            select(escalations.c.escalation_id).where(escalations.c.escalation_id.in_(ids))
        )
    )
    rows = [row for row in _rows(chunk) if row["escalation_id"] not in known]
    if rows:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        conn.execute(
            dialect.insert(escalations).on_conflict_do_nothing(index_elements=["escalation_id"]),
            rows,
        )
    return len(rows)


_TIME_COLUMNS = ("created_at", "resolved_at")


def _rows(chunk: pd.DataFrame) -> Iterable[dict[str, Any]]:
    """Ledger rows of a typed history chunk."""
    import pandas as pd

    columns = {
        name: chunk[name].astype("object").where(chunk[name].notna(), None).tolist()
        for name in HISTORY_COLUMNS
        if name not in _TIME_COLUMNS
    }
    created = [stamp.to_pydatetime() for stamp in chunk["created_at"]]
    resolved = [
        None if stamp is pd.NaT else stamp.to_pydatetime() for stamp in chunk["resolved_at"]
    ]
    for i, escalation_id in enumerate(columns["escalation_id"]):
        done = resolved[i]
        yield {
            "escalation_id": escalation_id,
            "content_key": HISTORY_KEY_PREFIX + escalation_id,
            "tracking_tag": history_tag(escalation_id),
            **{name: columns[name][i] for name in columns if name != "escalation_id"},
            "country": columns["country"][i] or None,
            "title": "",
            "cluster_id": "",
            "created_at": created[i],
            "updated_at": done or created[i],
            "resolved_at": done,
        }


def _utc(value: TimeBound) -> datetime | None:
    """A bound as an aware UTC datetime (a date or naive value is taken as UTC)."""
    import pandas as pd

    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except ValueError as exc:
        raise InputError(f"{value!r} is not a date or ISO 8601 datetime") from exc
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.to_pydatetime()


def _window(since: TimeBound, until: TimeBound) -> list[ColumnElement[bool]]:
    """WHERE clauses: a history status, created in ``[since, until)``."""
    clauses: list[ColumnElement[bool]] = [escalations.c.status.in_(HISTORY_STATUSES)]
    if (start := _utc(since)) is not None:
        clauses.append(escalations.c.created_at >= start)
    if (end := _utc(until)) is not None:
        clauses.append(escalations.c.created_at < end)
    return clauses


def export_history(
    ledger: Ledger,
    *,
    since: TimeBound = None,
    until: TimeBound = None,
) -> pd.DataFrame:
    """The ledger's escalations (not drafts) created in ``[since, until)`` as a typed history."""

    from escalation_kit.intake.history import typed_history  # pandas, Arrow

    columns = [_raw(escalations.c[name], ledger.dialect) for name in HISTORY_COLUMNS]
    query = (
        select(*columns)
        .where(*_window(since, until))
        .order_by(escalations.c.created_at, escalations.c.escalation_id)
    )
    with ledger.reading("export the escalation history") as conn:
        rows = conn.execute(query).all()
    return typed_history(_frame(rows, HISTORY_COLUMNS))


def _raw(column: Any, dialect: str) -> Any:
    """``column``, with times fetched without the per-value Python conversion: pandas converts
    the whole column at once (SQLite text is UTC wall time; PostgreSQL sends aware values)."""
    if column.name not in ("created_at", "resolved_at"):
        return column
    kind = String() if dialect == "sqlite" else DateTime(timezone=True)
    return type_coerce(column, kind).label(column.name)


def _frame(rows: Sequence[Any], names: Sequence[str]) -> pd.DataFrame:
    """Rows as a frame, built column by column (pandas probing SQLAlchemy rows is slow)."""
    import pandas as pd

    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    return pd.DataFrame({name: list(values) for name, values in zip(names, columns, strict=True)})


def _bucket(column: Any, freq: str, dialect: str) -> ColumnElement[Any]:
    """The period start of ``column`` as SQL: day, Monday-based week or month, in UTC."""
    freq = check_freq(freq)
    if dialect == "postgresql":
        unit = {"D": "day", "W": "week", "M": "month"}[freq]
        return func.date_trunc(unit, func.timezone("UTC", column))
    # SQLite holds UTC wall time as text; 'weekday 1' moves forward to a Monday, so step back
    # six days first to land on the Monday on or before the date.
    if freq == "D":
        return func.date(column)
    if freq == "W":
        return func.date(column, literal("-6 days"), literal("weekday 1"))
    return func.strftime(literal("%Y-%m-01"), column)


def aggregate_volume(
    ledger: Ledger,
    *,
    by: Sequence[str] = ("category", "region"),
    freq: str = "W",
    since: TimeBound = None,
    until: TimeBound = None,
) -> pd.DataFrame:
    """:func:`escalation_kit.analytics.metrics.volume`, computed by the database."""
    import pandas as pd

    from escalation_kit.intake.history import typed_history  # pandas, Arrow

    unknown = [name for name in by if name not in GROUPABLE]
    if unknown:
        raise InputError(
            f"cannot group by {', '.join(unknown)}; choose from {', '.join(GROUPABLE)}"
        )
    period = _bucket(escalations.c.created_at, freq, ledger.dialect).label("period")
    keys = [period, *(escalations.c[name] for name in by)]
    query = (
        select(*keys, func.count().label("count"))
        .where(*_window(since, until))
        .group_by(*keys)
        .order_by(*keys)
    )
    with ledger.reading("count escalations") as conn:
        rows = conn.execute(query).all()
    frame = _frame(rows, ["period", *by, "count"])
    frame["period"] = pd.to_datetime(frame["period"]).astype("datetime64[us]").dt.tz_localize("UTC")
    frame["count"] = frame["count"].astype("int64")
    # the same order as the pandas metric: by period, then each key in its categorical order
    frame = typed_history(frame).sort_values(["period", *by], kind="stable")
    return frame.reset_index(drop=True)


def aggregate_services(
    ledger: Ledger, *, since: TimeBound = None, until: TimeBound = None
) -> pd.DataFrame:
    """Escalations per service, counted by the database: columns ``service`` and ``count``."""

    query = (
        select(escalations.c.service, func.count().label("count"))
        .where(*_window(since, until))
        .group_by(escalations.c.service)
        .order_by(escalations.c.service)
    )
    with ledger.reading("count escalations per service") as conn:
        rows = conn.execute(query).all()
    frame = _frame(rows, ["service", "count"])
    return frame.astype({"service": "str", "count": "int64"})


def linked_escalations(
    ledger: Ledger, *, ticket_ids: Iterable[str] = (), cluster_id: str | None = None
) -> pd.DataFrame:
    """Escalations linked to any of ``ticket_ids`` or drafted for ``cluster_id``, oldest first:
    ``escalation_id``, ``tracking_tag``, ``service_request_id``, ``status``, ``title``,
    ``category``, ``created_at``."""

    ids = sorted(set(ticket_ids))
    linked = select(escalation_links.c.escalation_id).where(escalation_links.c.ticket_id.in_(ids))
    match: list[ColumnElement[bool]] = [escalations.c.escalation_id.in_(linked)]
    if cluster_id:
        match.append(escalations.c.cluster_id == cluster_id)
    names = (
        "escalation_id",
        "tracking_tag",
        "service_request_id",
        "status",
        "title",
        "category",
        "created_at",
    )
    query = (
        select(*(escalations.c[name] for name in names))
        .where(or_(*match))
        .order_by(escalations.c.created_at, escalations.c.escalation_id)
    )
    with ledger.reading("find the escalations of an incident") as conn:
        rows = conn.execute(query).all()
    return _frame(rows, names)
