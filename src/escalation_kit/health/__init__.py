"""Microsoft 365 service health: parsing Graph JSON, snapshots, the Graph client and fan-out sync.

Only the light modules are imported here; the HTTP client (``health.graph``) and the fan-out
(``health.sync``) are imported where used, so reading a snapshot does not load httpx.
"""

from __future__ import annotations

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

__all__ = [
    "HealthSnapshot",
    "ServiceHealth",
    "is_active_status",
    "issue_is_active",
    "load_snapshot",
    "normalized_status",
    "parse_issue",
    "parse_overview",
    "post_text",
    "snapshot_from_responses",
]
