"""The health cache: each tenant's documented issues as last fetched, and how its last sync went.

Issues are Microsoft Graph ``serviceHealthIssue`` objects kept verbatim (``payload``); a few of
their fields are copied into columns for querying. Sync states let an interrupted sync resume
with the tenants that failed, from the newest ``lastModifiedDateTime`` seen (the watermark).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects import postgresql, sqlite

from escalation_kit.errors import InputError
from escalation_kit.ledger.records import ImportCounts, upsert_rows
from escalation_kit.ledger.schema import health_issues as issues_table
from escalation_kit.ledger.schema import health_syncs as syncs_table
from escalation_kit.ledger.types import as_utc, utc_now

__all__ = [
    "SYNC_STATUSES",
    "SyncState",
    "check_tenant_id",
    "issue_rows",
    "newest_cached_change",
    "select_issue_payloads",
    "select_sync_states",
    "upsert_issues",
    "upsert_sync_state",
]

SYNC_STATUSES = ("ok", "failed")
_DATETIME_FIELDS = {
    "start": "startDateTime",
    "end": "endDateTime",
    "last_modified": "lastModifiedDateTime",
}


@dataclass(frozen=True, slots=True)
class SyncState:
    """How a tenant's last health sync went."""

    status: str  # "ok" or "failed"
    reason: str
    synced_at: datetime
    watermark: datetime | None  # newest lastModifiedDateTime seen, for incremental syncs

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def check_tenant_id(tenant_id: str) -> str:
    """``tenant_id`` stripped; empty or over-long ids raise :class:`InputError`."""
    value = (tenant_id or "").strip()
    if not value or len(value) > 36:
        raise InputError(f"tenant id {tenant_id!r} is not a tenant GUID", field="tenant_id")
    return value


def _graph_datetime(issue: Mapping[str, Any], name: str, index: int) -> datetime | None:
    raw = issue.get(name)
    if raw in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(raw))
    except ValueError:
        raise InputError(
            f"{name} {raw!r} of issue {issue.get('id')!r} is not an ISO 8601 date-time",
            row=index + 1,
            field=name,
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _issue_row(tenant_id: str, issue: Any, index: int, fetched_at: datetime) -> dict[str, Any]:
    if not isinstance(issue, Mapping):
        raise InputError(f"issue {index + 1} is not a JSON object", row=index + 1)
    for name in ("id", "service"):
        if not isinstance(issue.get(name), str) or not issue[name].strip():
            raise InputError(f"issue {index + 1} has no {name}", row=index + 1, field=name)
    row: dict[str, Any] = {
        "tenant_id": tenant_id,
        "issue_id": issue["id"],
        "service": issue["service"],
        "status": str(issue.get("status") or ""),
        "classification": str(issue.get("classification") or ""),
        "is_resolved": bool(issue.get("isResolved", False)),
        "payload": dict(issue),
        "fetched_at": fetched_at,
    }
    for column, field in _DATETIME_FIELDS.items():
        row[column] = _graph_datetime(issue, field, index)
    return row


def issue_rows(
    tenant_id: str, issues: Sequence[Any], *, fetched_at: datetime
) -> list[dict[str, Any]]:
    """Validated ledger rows for one tenant's Graph issues (a repeated id keeps the last)."""
    tenant = check_tenant_id(tenant_id)
    try:
        fetched = as_utc(fetched_at)
    except ValueError as err:
        raise InputError(str(err), field="fetched_at") from None
    rows = {}
    for index, issue in enumerate(issues):
        row = _issue_row(tenant, issue, index, fetched)
        rows[row["issue_id"]] = row
    return list(rows.values())


def newest_cached_change(conn: Connection, tenant_id: str) -> datetime | None:
    """The newest ``lastModifiedDateTime`` among the tenant's cached issues."""
    query = select(func.max(issues_table.c.last_modified)).where(
        issues_table.c.tenant_id == tenant_id
    )
    newest: datetime | None = conn.execute(query).scalar_one_or_none()
    return newest


def upsert_issues(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> ImportCounts:
    """Insert or refresh cached issues by (tenant, issue id)."""
    return upsert_rows(conn, issues_table, rows, progress=False)


def select_issue_payloads(conn: Connection, tenant_id: str | None = None) -> list[dict[str, Any]]:
    """Cached Graph issue objects (all tenants, or one), by tenant then issue id."""
    query = select(issues_table.c.payload).order_by(
        issues_table.c.tenant_id, issues_table.c.issue_id
    )
    if tenant_id is not None:
        query = query.where(issues_table.c.tenant_id == check_tenant_id(tenant_id))
    return [dict(payload) for payload in conn.execute(query).scalars()]


def upsert_sync_state(
    conn: Connection, tenant_id: str, *, status: str, reason: str, watermark: datetime | None
) -> SyncState:
    """Record a tenant's sync outcome; the watermark never moves back (a failure keeps it)."""
    if status not in SYNC_STATUSES:
        raise InputError(
            f"sync status {status!r} is not one of {', '.join(SYNC_STATUSES)}", field="status"
        )
    tenant = check_tenant_id(tenant_id)
    previous = conn.execute(
        select(syncs_table.c.watermark).where(syncs_table.c.tenant_id == tenant)
    ).scalar_one_or_none()
    if watermark is not None:
        try:
            watermark = as_utc(watermark)
        except ValueError as err:
            raise InputError(str(err), field="watermark") from None
    kept = max((w for w in (previous, watermark) if w is not None), default=None)
    state = SyncState(status=status, reason=reason, synced_at=utc_now(), watermark=kept)
    values = {
        "tenant_id": tenant,
        "status": status,
        "reason": reason,
        "synced_at": state.synced_at,
        "watermark": kept,
    }
    dialect_insert = sqlite.insert if conn.dialect.name == "sqlite" else postgresql.insert
    stmt = dialect_insert(syncs_table).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["tenant_id"],
        set_={name: stmt.excluded[name] for name in values if name != "tenant_id"},
    )
    conn.execute(stmt)
    return state


def select_sync_states(conn: Connection) -> dict[str, SyncState]:
    """Every tenant's last sync outcome, by tenant id."""
    rows = conn.execute(select(syncs_table).order_by(syncs_table.c.tenant_id)).all()
    return {
        row.tenant_id: SyncState(
            status=row.status, reason=row.reason, synced_at=row.synced_at, watermark=row.watermark
        )
        for row in rows
    }
