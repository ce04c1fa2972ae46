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


def _t(*fields: str) -> IssueTemplate:
    return IssueTemplate(*fields)


TEMPLATES: tuple[IssueTemplate, ...] = (
    _t("ex_inbound_delay", "EX", "Exchange Online", "Mailflow - delayed delivery from Internet",
       "E-Mail timely delivery", "Incident",
       "Some users may experience delays receiving email messages from external senders",
       "Users may experience delays of up to three hours when receiving email from outside "
       "their organization.", "Internal email delivery isn't affected.",
       "A configuration change to inbound connection infrastructure caused connections to be "
       "throttled."),
    _t("ex_encrypted", "EX", "Exchange Online", "Outlook on the web", "Access", "Advisory",
       "Users may be unable to open encrypted messages in Outlook on the web",
       "Users may receive an error when opening messages protected with Microsoft Purview "
       "Message Encryption in Outlook on the web.",
       "Encrypted messages can be opened in Outlook desktop and mobile clients.",
       "A decryption license retrieval service returned errors after an update."),
    _t("tm_join", "TM", "Microsoft Teams", "Teams Components", "Meetings", "Incident",
       "Users may be unable to join Microsoft Teams meetings from the desktop client",
       "Users may be unable to join Teams meetings from the desktop client; the join fails "
       "with 'We couldn't connect you'.", "Joining from the web client works as a workaround.",
       "A code regression in the meeting join service."),
    _t("tm_chat_delay", "TM", "Microsoft Teams", "Teams Components", "Chat", "Advisory",
       "Users may experience delays in receiving Microsoft Teams chat messages",
       "Users may notice that chat messages in Teams are delivered several minutes late.",
       "Messages aren't lost and are delivered once processing catches up.",
       "Degraded messaging infrastructure processed messages more slowly than expected."),
    _t("tm_recording", "TM", "Microsoft Teams", "Teams Components", "Meetings", "Incident",
       "Users may be unable to save Microsoft Teams meeting recordings",
       "Meeting organizers may see 'Recording failed to upload' after a meeting ends.",
       "Live meetings and transcription aren't affected.",
       "A storage upload component rejected recordings after a configuration update."),
    _t("sp_upload", "SP", "SharePoint Online", "SharePoint Features", "SharePoint Features",
       "Advisory",
       "Users can't upload files larger than 100 MB to SharePoint Online document libraries",
       "Users may receive 'The file is too large' when uploading files larger than 100 MB.",
       "Smaller files upload as expected; the OneDrive sync app isn't affected.",
       "An upload size validation setting was applied incorrectly during a service update."),
    _t("sp_preview", "SP", "SharePoint Online", "SharePoint Features", "SharePoint Features",
       "Incident", "Users may see blank pages when previewing PDF files in SharePoint Online",
       "Users may see blank pages when previewing PDF files in document libraries.",
       "Downloading the file shows its content.",
       "A recent update to the file viewer caused rendering failures."),
    _t("od_sync_pending", "OD", "OneDrive for Business", "Sync", "OneDrive Sync", "Incident",
       "Users' OneDrive sync app may show 'Sync pending' and not sync changes",
       "Users may see files stuck in 'Sync pending' and changes may not reach other devices.",
       "Files can be edited in OneDrive on the web in the meantime.",
       "A backlog in a change processing queue delayed synchronization."),
    _t("en_mfa_loop", "MO", "Microsoft Entra", "Multi-factor authentication", "Authentication",
       "Incident", "Users may be repeatedly prompted for multifactor authentication",
       "Users may be prompted for MFA repeatedly, even after completing a prompt.",
       "Users who complete the prompt can continue to use services.",
       "A token caching component didn't persist MFA claims as expected."),
    _t("in_app_pending", "IT", "Microsoft Intune", "Service", "Microsoft Intune", "Advisory",
       "Delays in deploying Win32 apps to Windows devices",
       "Admins may notice Win32 app assignments staying in 'Pending install' for hours.",
       "Apps eventually install without admin action.",
       "An app deployment processing service was running with reduced capacity."),
    _t("in_compliance", "IT", "Microsoft Intune", "Service", "Microsoft Intune", "Incident",
       "Windows devices may incorrectly report as non-compliant for BitLocker",
       "Admins may see Windows devices reported as non-compliant for 'Require BitLocker'.",
       "Conditional access may block affected devices until they re-evaluate.",
       "A change to the device health attestation evaluation returned incorrect results."),
    _t("ap_excel_crash", "OF", "Microsoft 365 apps", "Office client applications", "Excel",
       "Incident",
       "Excel desktop may close unexpectedly when opening workbooks with linked data types",
       "Users may find that Excel for Windows closes when opening workbooks that contain "
       "linked data types.", "Excel for the web can be used as a workaround.",
       "A code regression in the current Current Channel build."),
    _t("pb_refresh", "PB", "Power BI", "Data refresh", "Data refresh", "Incident",
       "Scheduled refreshes using the on-premises data gateway may fail",
       "Users may see refreshes fail for semantic models that use the on-premises gateway.",
       "Models connected to cloud sources aren't affected.",
       "A gateway relay service update caused the failures."),
    _t("m365_admin_center", "MO", "Microsoft 365 suite", "Portal", "Portal", "Incident",
       "Admins may be unable to access the Microsoft 365 admin center",
       "Admins may see a blank page or 'Something went wrong' in the Microsoft 365 admin center.",
       "PowerShell and the workload admin centers remain available.",
       "A front-end change to the admin center was reverted."),
    _t("pl_tasks", "PL", "Planner", "Planner", "Planner", "Incident",
       "Tasks created from Microsoft Teams may not appear in Planner",
       "Users may notice that tasks created from the Tasks app in Teams don't appear in Planner.",
       "Tasks created directly in Planner aren't affected.",
       "A synchronization job between Teams and Planner stalled."),
    _t("fm_export", "FM", "Microsoft Forms", "Forms", "Forms", "Advisory",
       "Users may be unable to export form responses to Excel",
       "Users may receive an error when selecting 'Open results in Excel' for a form.",
       "Responses are collected as expected and can be viewed in Forms.",
       "An export service dependency returned errors after an update."),
    _t("", "CR", "Dynamics 365 Apps", "Dynamics 365 Sales", "Availability", "Advisory",
       "Some users may experience slowness loading forms in Dynamics 365 Sales",
       "Users may notice that account and opportunity forms take longer than usual to load.",
       "All functionality remains available.", "A database query plan regression."),
)  # fmt: skip

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
