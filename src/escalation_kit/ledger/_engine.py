"""Opening the ledger's database: URL checks, SQLite tuning, and SQLAlchemy error translation.

SQLite gets foreign keys, WAL (readers never block the writer), a busy timeout, and
``BEGIN IMMEDIATE`` for write transactions so that two writers queue on the lock instead of
failing with "database is locked" half-way through. PostgreSQL URLs are pointed at psycopg 3.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, exc, make_url

from escalation_kit.errors import LedgerError

__all__ = ["WRITE_OPTION", "engine_for", "ledger_errors", "normalize_url", "safe_url"]

# Execution option marking a connection that writes (SQLite then takes the write lock at BEGIN).
WRITE_OPTION = "ek_write"
SQLITE_BUSY_TIMEOUT_S = 30.0
_POSTGRES_DRIVERS = {"postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2"}


def normalize_url(url: str | URL) -> URL:
    """Parse ``url``; plain ``postgresql://`` and ``postgres://`` URLs get the psycopg 3 driver."""
    try:
        parsed = make_url(url)
    except (exc.ArgumentError, ValueError) as err:
        # Never echo the URL: it may carry a password.
        raise LedgerError(
            "the ledger URL is not a valid SQLAlchemy URL; expected e.g. sqlite:///path/ledger.db "
            "or postgresql://user@host/dbname (check ESCALATION_KIT_DB)"
        ) from err
    if parsed.drivername in _POSTGRES_DRIVERS:
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise LedgerError(
            f"unsupported ledger database {parsed.get_backend_name()!r}: use sqlite or postgresql"
        )
    return parsed


def safe_url(url: URL) -> str:
    """The URL as text with its password masked."""
    return url.render_as_string(hide_password=True)


def engine_for(url: URL) -> Engine:
    """An engine for ``url`` (already normalized), with SQLite's per-connection setup."""
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    _create_parent_dir(url)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _create_parent_dir(url: URL) -> None:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        try:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise LedgerError(
                f"cannot create the ledger's folder {Path(database).parent}: {err.strerror}"
            ) from err


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" hook emit BEGIN itself (pysqlite's own handling defers it).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")  # safe with WAL, much faster commits
    finally:
        cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    writes = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


@contextmanager
def ledger_errors(action: str, url: URL) -> Iterator[None]:
    """Re-raise SQLAlchemy errors met while doing ``action`` as :class:`LedgerError`."""
    try:
        yield
    except exc.SQLAlchemyError as err:
        raise LedgerError(_describe(err, action, url)) from err


def _describe(err: exc.SQLAlchemyError, action: str, url: URL) -> str:
    reason = _reason(err)
    if url.password:
        reason = reason.replace(str(url.password), "***")
    where = safe_url(url)
    if isinstance(err, exc.IntegrityError):
        return f"could not {action}: a record conflicts with one already in the ledger ({reason})"
    if url.get_backend_name() == "sqlite" and "locked" in reason:
        return (
            f"could not {action}: the ledger file {url.database} stayed locked by another writer "
            f"for {SQLITE_BUSY_TIMEOUT_S:g} s; try again when the other command has finished"
        )
    if isinstance(err, exc.OperationalError | exc.InterfaceError):
        return (
            f"could not {action}: the ledger database at {where} is unreachable or busy "
            f"({reason}); "
            "check ESCALATION_KIT_DB and that the server is running"
        )
    if isinstance(err, exc.ProgrammingError):
        return (
            f"could not {action}: the ledger at {where} rejected the query ({reason}); "
            "is it an escalation-kit ledger of this version?"
        )
    return f"could not {action} in the ledger at {where}: {reason}"


def _reason(err: exc.SQLAlchemyError) -> str:
    """The driver's own message, first lines only: no SQL, no parameters (they may hold data)."""
    source: BaseException = getattr(err, "orig", None) or err
    lines = [line.strip() for line in str(source).splitlines() if line.strip()]
    text = "; ".join(line for line in lines[:2] if not line.startswith("[SQL"))
    return text or type(source).__name__
