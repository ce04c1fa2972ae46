"""The :class:`Ledger`: every write of state goes through it, on SQLite or PostgreSQL.

A ledger is opened from an SQLAlchemy URL (or an ``Engine``); on an empty database its tables
are created on open, else its schema revision is checked (``escalation-kit ledger upgrade``
migrates an older one).
Writes happen in :meth:`Ledger.transaction`, where everything commits together or not at all,
and each state change appends its event to the log in that same transaction.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import URL, Connection, Engine

from escalation_kit.closing import ClosesOnExit
from escalation_kit.config import Settings, default_data_dir
from escalation_kit.errors import LedgerError
from escalation_kit.ledger import decisions as _decisions
from escalation_kit.ledger import health_cache as _health
from escalation_kit.ledger import health_runs as _runs
from escalation_kit.ledger import records as _records
from escalation_kit.ledger._engine import (
    WRITE_OPTION,
    engine_for,
    ledger_errors,
    normalize_url,
    safe_url,
)
from escalation_kit.ledger._version import prepare_schema
from escalation_kit.ledger.events import Event, insert_event, select_events
from escalation_kit.ledger.health_cache import SyncState
from escalation_kit.ledger.health_runs import HealthRun, TenantFetch
from escalation_kit.ledger.records import ImportCounts
from escalation_kit.ledger.schema import customers as customers_table
from escalation_kit.ledger.schema import tickets as tickets_table

__all__ = ["Ledger"]


class Ledger(ClosesOnExit):
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
            self._url = normalize_url(url if url is not None else default_url(settings))
            self._engine, self._owns_engine = engine_for(self._url), True
        self.actor: str = actor or (settings.analyst_name if settings else "analyst")
        self._local = threading.local()
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

    @contextmanager
    def transaction(self, action: str = "write to the ledger") -> Iterator[Connection]:
        """One transaction: all done on the yielded connection commits together or not at all.

        An exception inside the block rolls it back and propagates; database errors are raised
        as :class:`~escalation_kit.errors.LedgerError` (``action`` says what was being done).
        """
        if getattr(self._local, "writing", False):
            # A second write transaction from this thread would wait for the first (SQLite's
            # lock) or not commit with it (PostgreSQL): refuse at once instead.
            raise LedgerError(
                f"cannot {action}: a ledger transaction is already open in this thread; "
                "do this work on that transaction's connection instead"
            )
        self._local.writing = True
        try:
            with ledger_errors(action, self._url), self._engine.connect() as conn:
                conn.execution_options(**{WRITE_OPTION: True})
                with conn.begin():
                    yield conn
        finally:
            self._local.writing = False

    @contextmanager
    def reading(self, action: str = "read the ledger") -> Iterator[Connection]:
        """A connection for reads (one consistent transaction, rolled back at the end)."""
        with ledger_errors(action, self._url), self._engine.connect() as conn, conn.begin():
            yield conn

    def _create_tables(self) -> None:
        with self.transaction("open the ledger") as conn:
            prepare_schema(conn)

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

    # -- customers and tickets ------------------------------------------------------------

    def upsert_customers(
        self, frame: pd.DataFrame, *, progress: bool | None = None
    ) -> ImportCounts:
        """Insert or update customers from an intake frame (``tenant_id``, ``name``, ...)."""
        rows = _records.customer_rows(frame)
        with self.transaction("import customers") as conn:
            counts = _records.upsert_rows(conn, customers_table, rows, progress=progress)
            self._batch_event(conn, "customers_imported", counts)
        return counts

    def upsert_tickets(self, frame: pd.DataFrame, *, progress: bool | None = None) -> ImportCounts:
        """Insert or update tickets from an intake frame; all rows or none are written."""
        rows = _records.ticket_rows(frame)
        with self.transaction("import tickets") as conn:
            counts = _records.upsert_rows(conn, tickets_table, rows, progress=progress)
            self._batch_event(conn, "tickets_imported", counts)
        return counts

    def _batch_event(self, conn: Connection, action: str, counts: ImportCounts) -> None:
        detail = {"rows": counts.rows, "inserted": counts.inserted, "updated": counts.updated}
        self.append_event(
            conn, entity="batch", entity_id=uuid.uuid4().hex, action=action, detail=detail
        )

    def customers(self) -> pd.DataFrame:
        """Every customer (``tenant_id``, ``name``, ``country``, ``region``, ``updated_at``)."""
        with self.reading("read customers") as conn:
            return _records.select_customers(conn)

    def tickets(self, ticket_ids: Iterable[str] | None = None) -> pd.DataFrame:
        """Tickets (all, or those of ``ticket_ids``), oldest report first."""
        with self.reading("read tickets") as conn:
            return _records.select_tickets(conn, ticket_ids)

    # -- triage decisions -----------------------------------------------------------------

    def record_decisions(
        self, decisions: pd.DataFrame, *, run_id: str, actor: str | None = None
    ) -> int:
        """Record a triage run's output; returns how many decisions were new (0 on a re-run)."""
        who = actor or self.actor
        rows = _decisions.decision_rows(decisions, run_id=run_id, actor=who)
        with self.transaction("record triage decisions") as conn:
            recorded = _decisions.insert_decisions(conn, rows, run_id=run_id)
            if recorded:
                detail = {"rows": len(rows), "recorded": recorded}
                self.append_event(
                    conn,
                    entity="triage_run",
                    entity_id=run_id,
                    action="decisions_recorded",
                    detail=detail,
                    actor=who,
                )
        return recorded

    def override_decision(
        self,
        ticket_id: str,
        *,
        category: str,
        reason: str,
        actor: str,
        severity: str | None = None,
        recommended_action: str | None = None,
    ) -> int:
        """Record an analyst's category for a ticket beside its automatic decision; returns its id.

        The automatic decision is never changed. ``severity`` applies when the new category
        escalates (default: the automatic decision's, else moderate); ``recommended_action`` is
        the next step for the new category (default: the automatic decision's).
        """
        override = _decisions.Override(
            ticket_id, category, reason or "", actor or "", severity, recommended_action
        )
        with self.transaction("record the override") as conn:
            new_id, automatic = _decisions.insert_override(conn, override)
            detail = {
                "decision_id": new_id,
                "overrides_id": automatic["id"],
                "from": automatic["category"],
                "to": category,
                "reason": reason.strip(),
            }
            self.append_event(
                conn,
                entity="ticket",
                entity_id=ticket_id,
                action="decision_overridden",
                detail=detail,
                actor=actor.strip(),
            )
        return new_id

    def decisions(
        self, *, ticket_ids: Iterable[str] | None = None, effective: bool = True
    ) -> pd.DataFrame:
        """Decisions as a frame: each ticket's effective one, or (``effective=False``) every row.

        Effective rows have the triage output columns plus ``run_id``, ``decided_at``,
        ``decided_by``, ``automatic_category``, ``override_category``, ``overridden_by`` and
        ``override_reason`` (the last three empty when not overridden).
        """
        with self.reading("read triage decisions") as conn:
            if effective:
                return _decisions.select_effective(conn, ticket_ids)
            return _decisions.select_decision_rows(conn, ticket_ids)

    def decision_history(self, ticket_id: str) -> pd.DataFrame:
        """Every decision recorded for one ticket, automatic and override, oldest first."""
        return self.decisions(ticket_ids=[ticket_id], effective=False)

    # -- health cache ---------------------------------------------------------------------

    def cache_health_issues(
        self, tenant_id: str, issues: Sequence[Mapping[str, Any]], *, fetched_at: datetime
    ) -> ImportCounts:
        """Cache a tenant's Graph issues verbatim, replacing earlier copies of the same ids."""
        tenant = _health.check_tenant_id(tenant_id)
        rows = _health.issue_rows(tenant, issues, fetched_at=fetched_at)
        with self.transaction("cache health issues") as conn:
            counts = _health.upsert_issues(conn, rows)
            detail = {
                "issues": counts.rows,
                "inserted": counts.inserted,
                "updated": counts.updated,
                "fetched_at": fetched_at.astimezone(UTC).isoformat(),
            }
            self.append_event(
                conn,
                entity="tenant",
                entity_id=tenant,
                action="health_issues_cached",
                detail=detail,
            )
        return counts

    def health_issues(self, tenant_id: str | None = None) -> list[dict[str, Any]]:
        """Cached Graph issue objects, as fetched (all tenants, or one)."""
        with self.reading("read the health cache") as conn:
            return _health.select_issue_payloads(conn, tenant_id)

    def record_health_sync(
        self,
        tenant_id: str,
        *,
        status: str,
        reason: str = "",
        watermark: datetime | None = None,
    ) -> SyncState:
        """Record how a tenant's health sync went (``"ok"`` or ``"failed"`` with a reason).

        Without ``watermark``, an ok sync takes the newest ``lastModifiedDateTime`` cached for
        the tenant; the watermark never moves back.
        """
        tenant = _health.check_tenant_id(tenant_id)
        with self.transaction("record the health sync") as conn:
            if watermark is None and status == "ok":
                watermark = _health.newest_cached_change(conn, tenant)
            state = _health.upsert_sync_state(
                conn, tenant, status=status, reason=reason, watermark=watermark
            )
            detail = {
                "status": status,
                "reason": reason,
                "watermark": state.watermark.isoformat() if state.watermark else None,
            }
            self.append_event(
                conn, entity="tenant", entity_id=tenant, action="health_synced", detail=detail
            )
        return state

    def health_sync_states(self) -> dict[str, SyncState]:
        """Each tenant's last health sync outcome, by tenant id."""
        with self.reading("read health sync states") as conn:
            return _health.select_sync_states(conn)

    # -- health sync runs -----------------------------------------------------------------

    def start_health_run(self, tenants: int) -> HealthRun:
        """Start a health sync run (a new run id) for ``tenants`` tenants."""
        with self.transaction("start a health sync run") as conn:
            return _runs.insert_run(conn, tenants)

    def latest_health_run(self) -> HealthRun | None:
        """The most recently started health sync run, finished or not."""
        with self.reading("read health sync runs") as conn:
            return _runs.latest_run(conn)

    def finish_health_run(self, run_id: str) -> None:
        with self.transaction("finish the health sync run") as conn:
            _runs.finish_run(conn, run_id)

    def health_run_tenants(self, run_id: str) -> set[str]:
        """Tenants fetched ok in run ``run_id`` whose entry is still that run's."""
        with self.reading("read health sync runs") as conn:
            return _runs.run_tenants(conn, run_id)

    def record_health_fetches(self, run_id: str, fetches: Sequence[TenantFetch]) -> dict[str, str]:
        """Record a batch of tenants' outcomes in one transaction; durable on return.

        Returns the tenants the ledger refused (recorded as failed) with the reason.
        """
        with self.transaction("record health sync results") as conn:
            return _runs.write_batch(conn, run_id, fetches, actor=self.actor)

    def health_issue_counts(self, tenants: Sequence[str]) -> dict[str, int]:
        """How many issues the cache holds per tenant."""
        with self.reading("read the health cache") as conn:
            return _runs.issue_counts(conn, tenants)

    def health_run_oldest_fetch(self, run_id: str) -> datetime | None:
        with self.reading("read health sync runs") as conn:
            return _runs.oldest_fetch(conn, run_id)

    def health_run_entries(
        self, run_id: str, tenants: Sequence[str]
    ) -> Iterator[tuple[str, datetime, str]]:
        """``(tenant, fetched_at, entry JSON)`` of the run's tenants in ``tenants`` order,
        streamed in chunks."""
        with self.reading("read health snapshot entries") as conn:
            yield from _runs.select_entries(conn, run_id, tenants)


def default_url(settings: Settings | None) -> str:
    """``ESCALATION_KIT_DB``, else the SQLite ledger in the data folder."""
    if settings is not None and settings.db:
        return settings.db
    # Resolved now, not at import, so that XDG_DATA_HOME set later is honoured.
    return "sqlite:///" + str(default_data_dir() / "ledger.db")
