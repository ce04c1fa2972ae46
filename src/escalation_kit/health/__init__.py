"""Microsoft 365 service health: parsing Graph JSON, snapshots, the Graph client and fan-out sync.

Parsing and snapshots are imported eagerly (they are light); the HTTP clients
(``health.graph``) and the fan-out (``health.sync``) load on first use, so reading a snapshot
never imports httpx.
"""

from __future__ import annotations

import importlib
from typing import Any

from escalation_kit.health.parse import (
    ServiceHealth,
    is_active_status,
    issue_is_active,
    normalized_status,
    parse_issue,
    parse_overview,
    post_text,
)
from escalation_kit.health.snapshot import HealthSnapshot, load_snapshot, snapshot_from_responses

_LAZY = {
    "AsyncGraphHealthClient": "escalation_kit.health.graph",
    "GraphHealthClient": "escalation_kit.health.graph",
    "SyncResult": "escalation_kit.health.sync",
    "TenantResult": "escalation_kit.health.sync",
    "async_sync_health": "escalation_kit.health.sync",
    "sync_health": "escalation_kit.health.sync",
    "synthetic_snapshot": "escalation_kit.health.synthetic",
}

__all__ = [
    "AsyncGraphHealthClient",
    "GraphHealthClient",
    "HealthSnapshot",
    "ServiceHealth",
    "SyncResult",
    "TenantResult",
    "async_sync_health",
    "is_active_status",
    "issue_is_active",
    "load_snapshot",
    "normalized_status",
    "parse_issue",
    "parse_overview",
    "post_text",
    "snapshot_from_responses",
    "sync_health",
    "synthetic_snapshot",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'escalation_kit.health' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
