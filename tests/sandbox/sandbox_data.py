"""Test data for the sandbox tests: a snapshot built from Microsoft's real sample bodies."""

from __future__ import annotations

import copy
import json
from typing import Any

from ek_fixtures import SAMPLES

TENANT_A = "11111111-aaaa-4aaa-8aaa-111111111111"
TENANT_B = "22222222-bbbb-4bbb-8bbb-222222222222"
UNKNOWN_TENANT = "99999999-9999-4999-8999-999999999999"
GENERATED = 20  # issues derived from the real samples, on top of the 3 real ones


def sample(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


def _without_context(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if not k.startswith("@odata")}


def build_snapshot() -> dict[str, Any]:
    """Tenant A: the 3 real sample issues + 20 variants (services, dates, resolution vary);
    tenant B: one real issue. Health overviews and messages are the real samples."""
    real_issues = [
        sample("graph-list-issues.json")["value"][0],
        _without_context(sample("graph-get-issue.json")),
        sample("graph-list-healthoverviews-expand-issues.json")["value"][0]["issues"][0],
    ]
    services = ["Exchange Online", "Microsoft Teams", "SharePoint Online", "Microsoft 365 suite"]
    variants = []
    for n in range(GENERATED):
        issue = copy.deepcopy(real_issues[n % 3])
        issue["id"] = f"EX{900000 + n}"
        issue["service"] = services[n % 4]
        issue["isResolved"] = n % 3 != 0
        issue["lastModifiedDateTime"] = f"2026-11-{(n % 20) + 1:02d}T10:00:00Z"
        variants.append(issue)
    overviews = [o for o in sample("graph-list-healthoverviews.json")["value"]]
    return {
        "fetched_at": "2026-11-21T00:00:00Z",
        "tenants": {
            TENANT_A: {
                "healthOverviews": overviews,
                "issues": real_issues + variants,
                "messages": sample("graph-list-messages.json")["value"],
            },
            TENANT_B: {"healthOverviews": overviews[:1], "issues": real_issues[:1]},
        },
    }
