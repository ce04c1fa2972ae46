"""Documented service-health issues of the sample, as Graph ``serviceHealthIssue`` objects.

Each template is an issue Microsoft could post (title, impact, feature) tied to the symptom
customers report while it lasts, so that the sample's known-issue tickets really match it.
The snapshot lists every issue only for the tenants it affects, as Graph does per tenant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from escalation_kit.health.snapshot import format_datetime
from escalation_kit.sample._data import load_yaml
from escalation_kit.sample.customers import SampleCustomer

__all__ = ["TEMPLATES", "IssueTemplate", "PlannedIssue", "health_snapshot"]


@dataclass(frozen=True, slots=True)
class IssueTemplate:
    """What Microsoft posts about one kind of problem."""

    symptom: str  # the symptoms.yaml id customers report while it lasts ("" = no tickets)
    prefix: str
    service: str
    feature: str
    feature_group: str
    classification: str
    title: str
    impact: str
    more: str
    cause: str


@dataclass(frozen=True, slots=True)
class PlannedIssue:
    """One issue of the sample: a template at a time, for some tenants."""

    id: str
    template: IssueTemplate
    start: datetime
    end: datetime | None
    status: str
    scope: str  # the "Scope of impact" sentence
    tenants: tuple[str, ...]

    def active_at(self, when: datetime) -> bool:
        return self.start <= when and (self.end is None or self.end >= when)


# What Microsoft posts about each kind of problem: incidents.yaml beside this module.
TEMPLATES: tuple[IssueTemplate, ...] = tuple(
    IssueTemplate(**fields) for fields in load_yaml("incidents.yaml")
)

_ACTIVE_STATUSES = ("Investigating", "ServiceDegradation", "RestoringService", "ExtendedRecovery")


def issue_object(issue: PlannedIssue, *, fetched_at: datetime) -> dict[str, Any]:
    """The Graph ``serviceHealthIssue`` JSON of ``issue`` as seen at ``fetched_at``."""
    template = issue.template
    posts = _posts(issue, fetched_at)
    return {
        "startDateTime": format_datetime(issue.start),
        "endDateTime": None if issue.end is None else format_datetime(issue.end),
        "lastModifiedDateTime": posts[-1]["createdDateTime"],
        "title": template.title,
        "id": issue.id,
        "impactDescription": template.impact,
        "classification": template.classification,
        "origin": "Microsoft",
        "status": issue.status,
        "service": template.service,
        "feature": template.feature,
        "featureGroup": template.feature_group,
        "isResolved": issue.end is not None,
        "details": [{"name": "NotifyInApp", "value": "True"}]
        if template.classification == "Incident"
        else [],
        "posts": posts,
    }


def _posts(issue: PlannedIssue, fetched_at: datetime) -> list[dict[str, Any]]:
    """An opening post, an update while it lasts, and a final post once it has ended."""
    first = issue.start + timedelta(minutes=35)
    horizon = issue.end or fetched_at
    times = [(first, "We're investigating reports of this issue and reviewing telemetry.")]
    middle = issue.start + (horizon - issue.start) / 2
    if middle - first > timedelta(hours=1):
        times.append((middle, "We've identified the cause and are applying a fix."))
    if issue.end is not None:
        times.append((issue.end + timedelta(minutes=25), ""))
    return [_post(issue, when, text) for when, text in times]


def _post(issue: PlannedIssue, when: datetime, status_text: str) -> dict[str, Any]:
    template = issue.template
    lines = [
        f"Title: {template.title}",
        f"User impact: {template.impact}",
        f"More info: {template.more}",
    ]
    if status_text:
        lines.append(f"Current status: {status_text}")
    else:
        lines.append(
            "Final status: We've confirmed that the issue is resolved.<br><br>"
            f"Preliminary root cause: {template.cause}"
        )
    lines += [f"Scope of impact: {issue.scope}", f"Start time: {_spoken(issue.start)}"]
    if issue.end is not None and not status_text:
        lines.append(f"End time: {_spoken(issue.end)}")
    if status_text:
        lines.append(f"Next update by: {_spoken(when + timedelta(hours=3))}")
    content = "".join(f"<p>{line}</p>" for line in lines)
    return {
        "createdDateTime": format_datetime(when),
        "postType": "Regular",
        "description": {"contentType": "Html", "content": content},
    }


def _spoken(when: datetime) -> str:
    """'Tuesday, October 6, 2026, at 7:40 AM UTC', as Microsoft writes times in posts."""
    clock = when.strftime("%I:%M %p").lstrip("0")
    return f"{when:%A}, {when:%B} {when.day}, {when.year}, at {clock} UTC"


_SERVICE_IDS = (
    ("Exchange", "Exchange Online"),
    ("microsoftteams", "Microsoft Teams"),
    ("SharePoint", "SharePoint Online"),
    ("OneDriveForBusiness", "OneDrive for Business"),
    ("OrgLiveID", "Microsoft Entra"),
    ("Intune", "Microsoft Intune"),
    ("OfficeClient", "Microsoft 365 apps"),
    ("PowerBIcom", "Power BI"),
    ("OSDPPlatform", "Microsoft 365 suite"),
    ("Planner", "Planner"),
    ("Forms", "Microsoft Forms"),
    ("DynamicsCRM", "Dynamics 365 Apps"),
)


def health_snapshot(
    customers: Sequence[SampleCustomer], issues: Sequence[PlannedIssue], *, fetched_at: datetime
) -> dict[str, Any]:
    """The contract's snapshot: per tenant, its service overviews and the issues listed for it."""
    objects = {issue.id: issue_object(issue, fetched_at=fetched_at) for issue in issues}
    tenants = {}
    for customer in customers:
        listed = [objects[i.id] for i in issues if customer.tenant_id in i.tenants]
        tenants[customer.tenant_id] = {
            "healthOverviews": [_overview(sid, name, listed) for sid, name in _SERVICE_IDS],
            "issues": listed,
        }
    return {"fetched_at": format_datetime(fetched_at), "tenants": tenants}


def _overview(service_id: str, name: str, listed: list[dict[str, Any]]) -> dict[str, Any]:
    status = "ServiceOperational"
    for issue in listed:
        if issue["service"] == name and not issue["isResolved"]:
            status = issue["status"]
    return {"service": name, "status": status, "id": service_id}


def active_status(rng_value: float) -> str:
    """A plausible status for an issue still open at the snapshot time."""
    return _ACTIVE_STATUSES[int(rng_value * len(_ACTIVE_STATUSES)) % len(_ACTIVE_STATUSES)]
