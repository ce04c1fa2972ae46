"""The :class:`Ledger`: every write of state goes through it, on SQLite or PostgreSQL.

A ledger is opened from an SQLAlchemy URL (or an ``Engine``); its tables are created on open.
Writes happen in :meth:`Ledger.transaction`, where everything commits together or not at all,
and each state change appends its event to the log in that same transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import Any

from sqlalchemy import URL, Connection, Engine

from escalation_kit.config import Settings, default_data_dir
from escalation_kit.ledger._engine import (
    WRITE_OPTION,
    engine_for,
    ledger_errors,
    normalize_url,
    safe_url,
)
from escalation_kit.ledger.events import Event, insert_event, select_events
from escalation_kit.ledger.schema import metadata

__all__ = ["Ledger"]


class Ledger:
    """The toolkit's record of tickets, decisions, health, escalations and who did what.

    ``url`` is an SQLAlchemy URL (``sqlite:///path.db``, ``postgresql://user@host/db``) or an
    ``Engine`` (used as is, not disposed by :meth:`close`); ``None`` uses ``ESCALATION_KIT_DB``,
    else ``$XDG_DATA_HOME/escalation-kit/ledger.db``. ``actor`` is who the event log records
    (default: ``ESCALATION_KIT_ANALYST``, else the login name).
    """

    def __init__(self, url: str | URL | Engine | None = None, *, actor: str | None = None) -> None:
        settings = Settings.from_env() if url is None or actor is None else None
        if isinstance(url, Engine):
            self._engine, self._url, self._owns_engine = url, url.url, False
        else:
            self._url = normalize_url(url if url is not None else _default_url(settings))
            self._engine, self._owns_engine = engine_for(self._url), True
        self.actor: str = actor or (settings.analyst_name if settings else "analyst")
        self._create_tables()

    # -- plumbing -------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for modules that run their own SQL on the ledger's tables)."""
        return self._engine

    @property
    def url(self) -> str:
        """The database URL with its password masked: safe to print and log."""
        return safe_url(self._url)

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    def __repr__(self) -> str:
        return f"Ledger(url={self.url!r}, actor={self.actor!r})"

    def close(self) -> None:
        """Release the database connections (an engine passed in is left to its owner)."""
        if self._owns_engine:
            self._engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def transaction(self, action: str = "write to the ledger") -> Iterator[Connection]:
        """One transaction: all done on the yielded connection commits together or not at all.

        An exception inside the block rolls it back and propagates; database errors are raised
        as :class:`~escalation_kit.errors.LedgerError` (``action`` says what was being done).
        """
        with ledger_errors(action, self._url), self._engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                yield conn

    @contextmanager
    def reading(self, action: str = "read the ledger") -> Iterator[Connection]:
        """A connection for reads (one consistent transaction, rolled back at the end)."""
        with ledger_errors(action, self._url), self._engine.connect() as conn, conn.begin():
            yield conn

    def _create_tables(self) -> None:
        with self.transaction("create the ledger's tables") as conn:
            metadata.create_all(conn)

    # -- event log ------------------------------------------------------------------------

    def append_event(
        self,
        conn: Connection,
        *,
        entity: str,
        entity_id: str,
        action: str,
        detail: Mapping[str, Any],
        actor: str | None = None,
    ) -> int:
        """Append an event inside the caller's transaction (``conn``); returns its id."""
        return insert_event(
            conn,
            entity=entity,
            entity_id=entity_id,
            action=action,
            detail=detail,
            actor=actor or self.actor,
        )

    def events(
        self,
        entity: str | None = None,
        entity_id: str | None = None,
        action: str | None = None,
    ) -> list[Event]:
        """Events matching every filter given, oldest first."""
        with self.reading("read the event log") as conn:
            return select_events(conn, entity=entity, entity_id=entity_id, action=action)


def _default_url(settings: Settings | None) -> str:
    if settings is not None and settings.db:
        return settings.db
    # Resolved now, not at import, so that XDG_DATA_HOME set later is honoured.
    return "sqlite:///" + str(default_data_dir() / "ledger.db")
