"""The ledger's schema revision: created at head on an empty database, else checked at start.

The revisions themselves are Alembic migrations in :mod:`escalation_kit.ledger.migrations`
(applied by ``escalation-kit ledger upgrade``); opening a ledger never imports Alembic. A
ledger made before migrations existed has the tables but no ``alembic_version``: it is at
:data:`BASELINE_REVISION`. Creating or checking the schema happens under a lock (PostgreSQL:
an advisory lock; SQLite: the write lock), so processes starting together on an empty
database create it once.
"""

from __future__ import annotations

import zlib

from sqlalchemy import Column, Connection, MetaData, String, Table, inspect, select, text

from escalation_kit.errors import LedgerError
from escalation_kit.ledger.schema import metadata

__all__ = [
    "BASELINE_REVISION",
    "KNOWN_REVISIONS",
    "SCHEMA_REVISION",
    "LedgerSchemaError",
    "current_revision",
    "lock_schema",
    "prepare_schema",
    "schema_message",
    "stamp",
]

BASELINE_REVISION = "0001"  # the schema before migrations (escalation-kit 0.1's create_all)
SCHEMA_REVISION = "0004"  # the newest migration's revision: keep equal to the Alembic head
# Every revision in order, oldest first: a new migration appends its id and moves SCHEMA_REVISION.
KNOWN_REVISIONS = ("0001", "0002", "0003", "0004")
SCHEMA_LOCK_KEY = zlib.crc32(b"escalation-kit ledger schema")  # a pg advisory lock id

# Alembic's own bookkeeping table (the same definition Alembic creates).
version_table = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), primary_key=True),
)


class LedgerSchemaError(LedgerError):
    """The ledger's schema is older (or newer) than this version of the toolkit."""


def lock_schema(conn: Connection) -> None:
    """Serialize schema work between processes for the rest of ``conn``'s transaction."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
    # SQLite: the transaction already holds the write lock (BEGIN IMMEDIATE).


def current_revision(conn: Connection) -> str | None:
    """The ledger's revision; ``None`` for an empty database (no ledger tables)."""
    names = set(inspect(conn).get_table_names())
    if version_table.name in names:
        row = conn.execute(select(version_table.c.version_num)).first()
        if row is not None:
            return str(row.version_num)
    if names & set(metadata.tables):
        return BASELINE_REVISION
    return None


def stamp(conn: Connection, revision: str) -> None:
    """Record ``revision`` as the ledger's (creating Alembic's table when missing)."""
    version_table.create(conn, checkfirst=True)
    conn.execute(version_table.delete())
    conn.execute(version_table.insert().values(version_num=revision))


def prepare_schema(conn: Connection) -> None:
    """Create the schema on an empty database, else check that it is at this version's revision.

    Raises :class:`LedgerSchemaError` naming both revisions and what to run.
    """
    if _at_head(conn):
        return
    lock_schema(conn)
    revision = current_revision(conn)
    if revision is None:
        metadata.create_all(conn)
        stamp(conn, SCHEMA_REVISION)
        return
    if revision != SCHEMA_REVISION:
        raise LedgerSchemaError(schema_message(revision))


def schema_message(revision: str) -> str:
    """What to do about a ledger at ``revision`` (older: upgrade it; unknown: a newer toolkit)."""
    if revision in KNOWN_REVISIONS and KNOWN_REVISIONS.index(revision) < KNOWN_REVISIONS.index(
        SCHEMA_REVISION
    ):
        return (
            f"ledger schema is at {revision}, this version needs {SCHEMA_REVISION}: "
            "run `escalation-kit ledger upgrade` (back up the database first)"
        )
    return (
        f"ledger schema is at {revision}, which this version of escalation-kit does not know "
        f"(it needs {SCHEMA_REVISION}); the ledger was upgraded by a newer escalation-kit: "
        "upgrade the toolkit"
    )


def _at_head(conn: Connection) -> bool:
    """The fast path: Alembic's table says this version's revision (no lock, one query)."""
    if not inspect(conn).has_table(version_table.name):
        return False
    row = conn.execute(select(version_table.c.version_num)).first()
    return row is not None and row.version_num == SCHEMA_REVISION
