"""A small built-in health snapshot, served when no snapshot file is given.

Two demo customer tenants; objects follow Microsoft Graph v1.0 as the doc examples return them
(PascalCase enum values). The ids and text are invented.
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["DEMO_TENANTS", "demo_snapshot"]

CONTOSO = "5b1c9a3e-7d2f-4c61-9a8e-2f4d6b0c1e77"
FABRIKAM = "0c7e4a21-3b9d-4f58-8e16-a2d5c9b7f034"
DEMO_TENANTS = (CONTOSO, FABRIKAM)


def _overview(service: str, service_id: str, status: str = "ServiceOperational") -> dict[str, Any]:
    return {"service": service, "status": status, "id": service_id}


def _issue(
    issue_id: str,
    service: str,
    title: str,
    *,
    start: str,
    end: str | None,
    status: str,
    classification: str = "Incident",
    feature: str = "",
    feature_group: str = "",
) -> dict[str, Any]:
    resolved = end is not None
    return {
        "startDateTime": start,
        "endDateTime": end,
        "lastModifiedDateTime": end or start,
        "title": title,
        "id": issue_id,
        "impactDescription": f"Users may be affected: {title.lower()}.",
        "classification": classification,
        "origin": "Microsoft",
        "status": status,
        "service": service,
        "feature": feature,
        "featureGroup": feature_group,
        "isResolved": resolved,
        "details": [{"name": "NotifyInApp", "value": "True"}],
        "posts": [
            {
                "createdDateTime": start,
                "postType": "Regular",
                "description": {
                    "contentType": "Html",
                    "content": f"Title: {title}<br>User impact: {title}.",
                },
            }
        ],
    }


_EXCHANGE_DELAY = _issue(
    "EX845127",
    "Exchange Online",
    "Some users can't access shared mailboxes in Outlook on the web",
    start="2026-11-20T13:20:00Z",
    end=None,
    status="ServiceDegradation",
    feature="Outlook on the web",
    feature_group="Access",
)
_TEAMS_MEETINGS = _issue(
    "TM845230",
    "Microsoft Teams",
    "Users may be unable to join meetings from the Teams desktop client",
    start="2026-11-18T08:05:00Z",
    end="2026-11-18T11:40:00Z",
    status="ServiceRestored",
    feature="Teams Meetings",
    feature_group="Meetings",
)
_SPO_SEARCH = _issue(
    "SP845301",
    "SharePoint Online",
    "Search results may be incomplete for recently uploaded files",
    start="2026-11-19T22:00:00Z",
    end=None,
    status="Investigating",
    classification="Advisory",
    feature="Search",
    feature_group="SharePoint Features",
)

_SNAPSHOT: dict[str, Any] = {
    "fetched_at": "2026-11-21T00:00:00Z",
    "tenants": {
        CONTOSO: {
            "healthOverviews": [
                _overview("Exchange Online", "Exchange", "ServiceDegradation"),
                _overview("Microsoft Teams", "microsoftteams"),
                _overview("SharePoint Online", "SharePoint", "Investigating"),
                _overview("Microsoft 365 suite", "OSDPPlatform"),
            ],
            "issues": [_EXCHANGE_DELAY, _TEAMS_MEETINGS, _SPO_SEARCH],
        },
        FABRIKAM: {
            "healthOverviews": [
                _overview("Exchange Online", "Exchange", "ServiceDegradation"),
                _overview("Microsoft Teams", "microsoftteams"),
            ],
            "issues": [_EXCHANGE_DELAY, _TEAMS_MEETINGS],
        },
    },
}


def demo_snapshot() -> dict[str, Any]:
    """A fresh copy of the demo snapshot (callers may change it freely)."""
    return copy.deepcopy(_SNAPSHOT)
