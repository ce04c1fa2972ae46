"""Customers and tickets in the ledger: bulk upserts from intake frames, and reading them back.

Upserts run in batches (one executemany per batch) inside the caller's transaction, with the
dialect's own ``INSERT ... ON CONFLICT DO UPDATE`` so they behave the same on SQLite and
PostgreSQL. A row that the database refuses rolls back the whole import.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import JSON, Connection, Dialect, Insert, Table, exc, func, select
from sqlalchemy.dialects import postgresql, sqlite
from tqdm.auto import tqdm

from escalation_kit.ledger._frames import (
    chunks,
    frame_records,
    require_columns,
    require_unique,
    require_values,
    table_frame,
    utc_column,
)
from escalation_kit.ledger.limits import check_frame
from escalation_kit.ledger.schema import customers as customers_table
from escalation_kit.ledger.schema import tickets as tickets_table
from escalation_kit.ledger.types import utc_now

__all__ = [
    "BATCH_SIZE",
    "ImportCounts",
    "copy_insert",
    "customer_rows",
    "execute_many",
    "select_customers",
    "select_tickets",
    "ticket_rows",
    "upsert_rows",
    "write_batch",
]

BATCH_SIZE = 5_000
# Optional columns and what an absent or empty value becomes (NOT NULL columns get "" / Unknown).
_TICKET_DEFAULTS: Mapping[str, Any] = {
    "customer_name": "",
    "country": None,
    "region": "Unknown",
    "service": "",
    "normalized_service": None,
    "description": "",
    "users_affected": None,
}
_CUSTOMER_DEFAULTS: Mapping[str, Any] = {"name": "", "country": None, "region": "Unknown"}
TICKET_COLUMNS = [c.name for c in tickets_table.columns]
CUSTOMER_COLUMNS = [c.name for c in customers_table.columns]


@dataclass(frozen=True, slots=True)
class ImportCounts:
    """What a bulk upsert did: ``rows`` given = ``inserted`` new + ``updated`` existing."""

    rows: int
    inserted: int
    updated: int


def _with_defaults(frame: pd.DataFrame, defaults: Mapping[str, Any]) -> pd.DataFrame:
    frame = frame.copy()
    for name, default in defaults.items():
        if name not in frame.columns:
            frame[name] = default
        elif default is not None:
            frame[name] = frame[name].astype(object).where(frame[name].notna(), default)
    return frame


def ticket_rows(frame: pd.DataFrame, *, source: str = "<tickets frame>") -> list[dict[str, Any]]:
    """Validated ledger rows for the tickets of an intake frame."""
    required = ["ticket_id", "tenant_id", "title", "reported_at"]
    require_columns(frame, required, source=source)
    require_values(frame, required, source=source)
    require_unique(frame, "ticket_id", source=source)
    frame = _with_defaults(frame, _TICKET_DEFAULTS)
    frame[["ticket_id", "tenant_id"]] = frame[["ticket_id", "tenant_id"]].astype(str)
    frame["reported_at"] = utc_column(frame, "reported_at", source=source)
    frame["imported_at"] = utc_now()
    check_frame(frame, tickets_table, source=source)
    return frame_records(frame, TICKET_COLUMNS)


def customer_rows(
    frame: pd.DataFrame, *, source: str = "<customers frame>"
) -> list[dict[str, Any]]:
    """Validated ledger rows for the customers of an intake frame."""
    require_columns(frame, ["tenant_id"], source=source)
    require_values(frame, ["tenant_id"], source=source)
    require_unique(frame, "tenant_id", source=source)
    frame = _with_defaults(frame, _CUSTOMER_DEFAULTS)
    frame["tenant_id"] = frame["tenant_id"].astype(str)
    frame["updated_at"] = utc_now()
    check_frame(frame, customers_table, source=source)
    return frame_records(frame, CUSTOMER_COLUMNS)


def upsert_rows(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    progress: bool | None = None,
) -> ImportCounts:
    """Insert ``rows`` into ``table``, updating rows whose primary key exists; returns counts.

    Counts come from the table's size before and after, exact unless another writer adds rows
    to the same table meanwhile (possible on PostgreSQL only; SQLite writers queue).
    """
    key = [column.name for column in table.primary_key.columns]
    dialect_insert = sqlite.insert if conn.dialect.name == "sqlite" else postgresql.insert
    stmt = dialect_insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=key,
        set_={c.name: stmt.excluded[c.name] for c in table.columns if c.name not in key},
    )
    before = _row_count(conn, table)
    bar = tqdm(
        total=len(rows), desc=f"ledger: {table.name}", unit="row", disable=_disable(progress)
    )
    with bar:
        for batch in chunks(rows, BATCH_SIZE):
            write_batch(conn, stmt, table, batch)
            bar.update(len(batch))
    inserted = _row_count(conn, table) - before
    return ImportCounts(rows=len(rows), inserted=inserted, updated=len(rows) - inserted)


def execute_many(
    conn: Connection, stmt: Insert, table: Table, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Run the insert ``stmt`` once per row through the driver's executemany.

    SQLAlchemy's per-row parameter handling costs more than the database's own work on large
    batches, so each column's values go through its bind processor here, in one pass, and the
    statement compiled once goes straight to the driver.
    """
    if not rows:
        return
    names = list(rows[0])
    compiled = stmt.compile(dialect=conn.dialect, column_keys=names)
    columns = {name: _bound_values(table, name, rows, conn.dialect) for name in names}
    params: list[Any]
    if compiled.positional:
        order = compiled.positiontup or []
        params = list(zip(*(columns[name] for name in order), strict=True))
    else:
        values = zip(*(columns[name] for name in names), strict=True)
        params = [dict(zip(names, row, strict=True)) for row in values]
    conn.exec_driver_sql(compiled.string, params)


def write_batch(
    conn: Connection,
    stmt: Insert,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    pg_conflict: str | None = None,
) -> None:
    """Write one batch with ``stmt``: by COPY on PostgreSQL (tables without JSON columns, with
    ``pg_conflict`` as the SQL after ``ON CONFLICT``: default, update by primary key), else by
    executemany."""
    json_columns = any(isinstance(c.type, JSON) for c in table.columns)
    if conn.dialect.name == "postgresql" and not json_columns and rows:
        copy_insert(conn, table, rows, conflict=pg_conflict or _update_by_key(conn, table, rows))
    else:
        execute_many(conn, stmt, table, rows)


def _update_by_key(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> str:
    quote = conn.dialect.identifier_preparer.quote
    key = [c.name for c in table.primary_key.columns]
    updates = ", ".join(f"{quote(n)} = EXCLUDED.{quote(n)}" for n in rows[0] if n not in key)
    return f"({', '.join(quote(k) for k in key)}) DO UPDATE SET {updates}"


def copy_insert(
    conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], *, conflict: str
) -> None:
    """PostgreSQL: COPY ``rows`` into a temporary table, then insert them all at once.

    Several times faster than one INSERT per row, and in the caller's transaction all the
    same. ``conflict`` follows ``ON CONFLICT`` (e.g. ``(id) DO NOTHING``).
    """
    quote = conn.dialect.identifier_preparer.quote
    names = list(rows[0])
    columns = ", ".join(quote(name) for name in names)
    target, staging = quote(table.name), quote(f"ek_staging_{table.name}")
    values = {name: _bound_values(table, name, rows, conn.dialect) for name in names}
    driver_error = conn.dialect.loaded_dbapi.Error
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(f"DROP TABLE IF EXISTS {staging}")
        cursor.execute(
            f"CREATE TEMP TABLE {staging} ON COMMIT DROP AS "
            f"SELECT {columns} FROM {target} WITH NO DATA"
        )
        with cursor.copy(f"COPY {staging} ({columns}) FROM STDIN") as copy:
            for row in zip(*values.values(), strict=True):
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {staging} "
            f"ON CONFLICT {conflict}"
        )
    except driver_error as err:  # as SQLAlchemy would raise it, for ledger_errors to translate
        raise exc.DBAPIError.instance(f"COPY {staging}", None, err, driver_error) from err
    finally:
        cursor.close()


def _bound_values(
    table: Table, name: str, rows: Sequence[Mapping[str, Any]], dialect: Dialect
) -> list[Any]:
    values = [row[name] for row in rows]
    process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
    return values if process is None else [process(value) for value in values]


def _disable(progress: bool | None) -> bool | None:
    # None lets tqdm decide (hidden when stderr is not a terminal).
    return None if progress is None else not progress


def _row_count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def select_customers(conn: Connection) -> pd.DataFrame:
    """Every customer, by tenant id."""
    query = select(customers_table).order_by(customers_table.c.tenant_id)
    rows = conn.execute(query).all()
    return table_frame(rows, customers_table)


def select_tickets(conn: Connection, ticket_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Tickets (all, or those of ``ticket_ids``), oldest report first."""
    order = (tickets_table.c.reported_at, tickets_table.c.ticket_id)
    if ticket_ids is None:
        rows = conn.execute(select(tickets_table).order_by(*order)).all()
    else:
        wanted = list(dict.fromkeys(str(t) for t in ticket_ids))
        rows = []
        for batch in chunks(wanted, BATCH_SIZE):
            query = select(tickets_table).where(tickets_table.c.ticket_id.in_(batch))
            rows.extend(conn.execute(query).all())
        rows.sort(key=lambda row: (row.reported_at, row.ticket_id))
    return table_frame(rows, tickets_table)
