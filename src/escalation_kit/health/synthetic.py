"""Synthetic health snapshots of any size, for the emulator, benchmarks and tests.

Objects have the shape of Graph v1.0 ``serviceHealth`` / ``serviceHealthIssue`` (PascalCase enum
values, as Microsoft's examples return them); ids and text are invented and deterministic for a
given ``seed``.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from escalation_kit.health.snapshot import format_datetime

__all__ = ["SERVICES", "synthetic_snapshot", "synthetic_tenant_ids"]

SERVICES = (
    ("Exchange", "Exchange Online", "EX"),
    ("microsoftteams", "Microsoft Teams", "TM"),
    ("SharePoint", "SharePoint Online", "SP"),
    ("OneDriveForBusiness", "OneDrive for Business", "OD"),
    ("OrgLiveID", "Microsoft Entra", "AD"),
    ("OSDPPlatform", "Microsoft 365 suite", "MO"),
)
_STATUSES = ("ServiceRestored", "ServiceDegradation", "Investigating", "ServiceRestored")
_EPOCH = datetime(2026, 11, 1, tzinfo=UTC)


def synthetic_tenant_ids(count: int, *, seed: int = 0) -> list[str]:
    """``count`` distinct, deterministic tenant GUIDs."""
    rng = random.Random(f"tenants|{seed}")
    return [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(count)]


def synthetic_snapshot(
    tenants: int | list[str], *, issues_per_tenant: int = 5, seed: int = 0
) -> dict[str, Any]:
    """A snapshot document (contracts.md format) with ``issues_per_tenant`` issues per tenant."""
    tenant_ids = synthetic_tenant_ids(tenants, seed=seed) if isinstance(tenants, int) else tenants
    rng = random.Random(f"issues|{seed}")
    return {
        "fetched_at": format_datetime(_EPOCH + timedelta(days=20)),
        "tenants": {
            tenant: {
                "healthOverviews": [_overview(sid, name) for sid, name, _ in SERVICES],
                "issues": [_issue(rng, n) for n in range(issues_per_tenant)],
            }
            for tenant in tenant_ids
        },
    }


def _overview(service_id: str, name: str) -> dict[str, Any]:
    return {"service": name, "status": "ServiceOperational", "id": service_id}


def _issue(rng: random.Random, number: int) -> dict[str, Any]:
    _, service, prefix = rng.choice(SERVICES)
    start = _EPOCH + timedelta(hours=rng.randrange(0, 24 * 19))
    status = rng.choice(_STATUSES)
    resolved = status == "ServiceRestored"
    end = start + timedelta(hours=rng.randrange(1, 12)) if resolved else None
    modified = (end or start) + timedelta(minutes=rng.randrange(1, 90), microseconds=767000)
    title = f"Users may be unable to use some {service} features (#{number})"
    return {
        "startDateTime": format_datetime(start),
        "endDateTime": format_datetime(end) if end else None,
        "lastModifiedDateTime": format_datetime(modified),
        "title": title,
        "id": f"{prefix}{rng.randrange(100, 999)}{number:03d}",
        "impactDescription": f"{title}.",
        "classification": rng.choice(("Incident", "Advisory")),
        "origin": "Microsoft",
        "status": status,
        "service": service,
        "feature": "Access",
        "featureGroup": "Service access",
        "isResolved": resolved,
        "details": [],
        "posts": [
            {
                "createdDateTime": format_datetime(start),
                "postType": "Regular",
                "description": {"contentType": "Html", "content": f"Title: {title}<br>Impact."},
            }
        ],
    }
