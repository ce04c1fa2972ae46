"""Health sync runs: a run id per sync, each tenant's last good fetch, and batched writes.

A run is started by a sync and finished by it, or by ``--resume`` after an interruption. Each
tenant fetched ok in a run leaves its snapshot entry (overviews and issues, JSON text exactly as
written to the snapshot file) tagged with the run id, so that a resume knows which tenants this
run already has and builds the snapshot from the ledger's current state, never from older data.

Writes come in batches: one transaction records many tenants' outcomes (entry, cached issues,
sync state, one event each).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from escalation_kit.errors import InputError
from escalation_kit.ledger.health_cache import check_tenant_id, issue_rows
from escalation_kit.ledger.schema import events as events_table
from escalation_kit.ledger.schema import health_entries as entries_table
from escalation_kit.ledger.schema import health_issues as issues_table
from escalation_kit.ledger.schema import health_runs as runs_table
from escalation_kit.ledger.schema import health_syncs as syncs_table
from escalation_kit.ledger.types import as_utc, utc_now

__all__ = [
    "HealthRun",
    "TenantFetch",
    "finish_run",
    "insert_run",
    "issue_counts",
    "latest_run",
    "oldest_fetch",
    "run_tenants",
    "select_entries",
    "write_batch",
]

_IN_CHUNK = 500  # tenant ids per IN (...) list


@dataclass(frozen=True, slots=True)
class HealthRun:
    """One health sync run."""

    run_id: str
    started_at: datetime
    finished_at: datetime | None
    tenants: int


class TenantFetch(Protocol):
    """One tenant's outcome in a run, to record. ``entry`` is the snapshot entry as JSON text
    (ok tenants); ``issues`` the Graph issue objects for the per-issue cache."""

    @property
    def tenant_id(self) -> str: ...
    @property
    def ok(self) -> bool: ...
    @property
    def fetched_at(self) -> datetime: ...
    @property
    def reason(self) -> str: ...
    @property
    def entry(self) -> str: ...
    @property
    def issues(self) -> Sequence[Any]: ...


def insert_run(conn: Connection, tenants: int) -> HealthRun:
    run = HealthRun(uuid.uuid4().hex, utc_now(), None, tenants)
    conn.execute(
        insert(runs_table).values(run_id=run.run_id, started_at=run.started_at, tenants=tenants)
    )
    return run


def latest_run(conn: Connection) -> HealthRun | None:
    row = conn.execute(select(runs_table).order_by(runs_table.c.started_at.desc()).limit(1)).first()
    if row is None:
        return None
    return HealthRun(row.run_id, row.started_at, row.finished_at, row.tenants)


def finish_run(conn: Connection, run_id: str) -> None:
    conn.execute(
        update(runs_table).where(runs_table.c.run_id == run_id).values(finished_at=utc_now())
    )


def run_tenants(conn: Connection, run_id: str) -> set[str]:
    """Tenants whose last good fetch belongs to ``run_id``."""
    query = select(entries_table.c.tenant_id).where(entries_table.c.run_id == run_id)
    return set(conn.execute(query).scalars())


def issue_counts(conn: Connection, tenants: Sequence[str]) -> dict[str, int]:
    """Cached issues per tenant (tenants without any are left out)."""
    counts: dict[str, int] = {}
    for start in range(0, len(tenants), _IN_CHUNK):
        chunk = tenants[start : start + _IN_CHUNK]
        query = (
            select(issues_table.c.tenant_id, func.count())
            .where(issues_table.c.tenant_id.in_(chunk))
            .group_by(issues_table.c.tenant_id)
        )
        counts.update({tenant: int(n) for tenant, n in conn.execute(query).all()})
    return counts


def oldest_fetch(conn: Connection, run_id: str) -> datetime | None:
    query = select(func.min(entries_table.c.fetched_at)).where(entries_table.c.run_id == run_id)
    oldest: datetime | None = conn.execute(query).scalar_one_or_none()
    return oldest


def select_entries(
    conn: Connection, run_id: str, tenants: Sequence[str]
) -> Iterator[tuple[str, datetime, str]]:
    """``(tenant, fetched_at, entry JSON)`` of the run's tenants, in the order of ``tenants``
    (those without an entry from this run are left out); read in chunks, never all at once."""
    for start in range(0, len(tenants), _IN_CHUNK):
        chunk = tenants[start : start + _IN_CHUNK]
        query = select(
            entries_table.c.tenant_id, entries_table.c.fetched_at, entries_table.c.entry
        ).where(entries_table.c.run_id == run_id, entries_table.c.tenant_id.in_(chunk))
        found = {row.tenant_id: (row.fetched_at, row.entry) for row in conn.execute(query)}
        for tenant in chunk:
            if tenant in found:
                yield tenant, *found[tenant]


def write_batch(
    conn: Connection, run_id: str, fetches: Sequence[TenantFetch], *, actor: str
) -> dict[str, str]:
    """Record a batch of outcomes on ``conn`` (the caller's one transaction).

    Ok tenants replace their cached issues, entry and sync state; failed ones update their sync
    state only (their last good entry stays, tagged with its older run). Returns the tenants
    whose data the ledger refused (issue without id or service, bad date), with the reason;
    those are recorded as failed instead.
    """
    refused: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    good: list[TenantFetch] = []
    for fetch in fetches:
        if not fetch.ok:
            continue
        try:
            rows.extend(issue_rows(fetch.tenant_id, fetch.issues, fetched_at=fetch.fetched_at))
        except InputError as exc:
            refused[fetch.tenant_id] = f"the ledger refused an issue: {exc}"
            continue
        good.append(fetch)
    ok_ids = [check_tenant_id(f.tenant_id) for f in good]
    if ok_ids:
        conn.execute(delete(issues_table).where(issues_table.c.tenant_id.in_(ok_ids)))
        if rows:
            conn.execute(insert(issues_table), rows)
        _upsert(
            conn,
            entries_table,
            [
                {
                    "tenant_id": f.tenant_id,
                    "run_id": run_id,
                    "fetched_at": as_utc(f.fetched_at),
                    "entry": f.entry,
                }
                for f in good
            ],
        )
    _write_states(conn, fetches, refused, rows)
    now = utc_now()
    conn.execute(
        insert(events_table),
        [
            {
                "at": now,
                "actor": actor,
                "entity": "tenant",
                "entity_id": f.tenant_id,
                "action": "health_synced",
                "detail": {
                    "run_id": run_id,
                    "status": "ok" if f.ok and f.tenant_id not in refused else "failed",
                    "reason": refused.get(f.tenant_id, f.reason),
                    "issues": len(f.issues) if f.ok else 0,
                },
            }
            for f in fetches
        ],
    )
    return refused


def _write_states(
    conn: Connection,
    fetches: Sequence[TenantFetch],
    refused: Mapping[str, str],
    rows: Sequence[Mapping[str, Any]],
) -> None:
    """Sync states of the batch; an ok tenant's watermark is the newest change it holds and
    never moves back."""
    tenants = [check_tenant_id(f.tenant_id) for f in fetches]
    previous = dict(
        conn.execute(
            select(syncs_table.c.tenant_id, syncs_table.c.watermark).where(
                syncs_table.c.tenant_id.in_(tenants)
            )
        ).all()
    )
    newest: dict[str, datetime] = {}
    for row in rows:
        changed, tenant = row.get("last_modified"), row["tenant_id"]
        if changed is not None and (tenant not in newest or changed > newest[tenant]):
            newest[tenant] = changed
    now = utc_now()
    states = []
    for fetch in fetches:
        ok = fetch.ok and fetch.tenant_id not in refused
        marks = [m for m in (previous.get(fetch.tenant_id), newest.get(fetch.tenant_id)) if m]
        states.append(
            {
                "tenant_id": fetch.tenant_id,
                "status": "ok" if ok else "failed",
                "reason": refused.get(fetch.tenant_id, "" if ok else fetch.reason),
                "synced_at": now,
                "watermark": max(marks) if marks and ok else previous.get(fetch.tenant_id),
            }
        )
    _upsert(conn, syncs_table, states)


def _upsert(conn: Connection, table: Any, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert or replace rows by the table's primary key (one statement, many rows)."""
    if not rows:
        return
    dialect_insert = sqlite.insert if conn.dialect.name == "sqlite" else postgresql.insert
    stmt = dialect_insert(table)
    keys = [c.name for c in table.primary_key.columns]
    stmt = stmt.on_conflict_do_update(
        index_elements=keys,
        set_={name: stmt.excluded[name] for name in rows[0] if name not in keys},
    )
    conn.execute(stmt, list(rows))
