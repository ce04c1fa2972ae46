"""Small builders shared by the intake tests (imported as a plain module from this folder)."""

from __future__ import annotations

from pathlib import Path

from escalation_kit.intake import IntakeResult

HEADER = (
    "ticket_id,tenant_id,customer_name,country,service,title,description,reported_at,users_affected"
)
T1 = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
T2 = "11111111-2222-3333-4444-555555555555"


def row(
    ticket_id: str = "T1",
    tenant_id: str = T1,
    customer_name: str = "Contoso",
    country: str = "DE",
    service: str = "Outlook",
    title: str = "Mail is down",
    description: str = "",
    reported_at: str = "2026-11-02T10:00:00Z",
    users_affected: str = "5",
) -> dict[str, str]:
    return {
        "ticket_id": ticket_id,
        "tenant_id": tenant_id,
        "customer_name": customer_name,
        "country": country,
        "service": service,
        "title": title,
        "description": description,
        "reported_at": reported_at,
        "users_affected": users_affected,
    }


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def reasons(result: IntakeResult) -> dict[int, str]:
    """source_row → reason of every rejected row."""
    return dict(zip(result.rejected["source_row"], result.rejected["reason"], strict=True))


def check_invariant(result: IntakeResult) -> None:
    assert len(result.accepted) + len(result.rejected) == result.read
