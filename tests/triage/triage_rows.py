"""Row builders for the triage tests: raw tickets (contract columns) as a file would give them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def tenant(number: int) -> str:
    """A valid, distinct tenant GUID per number."""
    return f"5b1c9a3e-7d2f-4c61-9a8e-{number:012d}"


def row(
    ticket_id: str,
    title: str,
    *,
    tenant_no: int = 1,
    country: str = "DE",
    service: str = "",
    description: str = "",
    minutes: float = 0,
    users: int | None = None,
) -> dict[str, Any]:
    when = START + timedelta(minutes=minutes)
    return {
        "ticket_id": ticket_id,
        "tenant_id": tenant(tenant_no),
        "customer_name": f"Customer {tenant_no}",
        "country": country,
        "service": service,
        "title": title,
        "description": description,
        "reported_at": when.isoformat().replace("+00:00", "Z"),
        "users_affected": "" if users is None else str(users),
    }
