"""Microsoft's post-incident reviews: fetched once, kept in the ledger, attached to notices.

When Microsoft publishes a post-incident review (PIR) for a documented issue, Graph serves it as
a file stream at ``/admin/serviceAnnouncement/issues/{id}/incidentReport`` — only once the
issue's status is ``postIncidentReviewPublished``. :func:`fetch_incident_reports` stores each one
in the ledger; the customer notices of the tickets that issue explained attach it (the file is
written next to the notices by ``close-loop --out-dir``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from escalation_kit.errors import HealthLookupError
from escalation_kit.ledger import Ledger
from escalation_kit.ledger import escalations as sql
from escalation_kit.ledger.types import utc_now
from escalation_kit.models import HealthIssue

__all__ = [
    "IncidentReport",
    "fetch_incident_reports",
    "has_review",
    "report_file_name",
    "stored_report",
]

log = logging.getLogger(__name__)

PUBLISHED = "postincidentreviewpublished"
_EXTENSIONS = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "text/plain": ".txt",
    "text/html": ".html",
}


class ReportSource(Protocol):
    def get_incident_report(self, tenant_id: str, issue_id: str) -> tuple[bytes, str]: ...


@dataclass(frozen=True, slots=True)
class IncidentReport:
    """One stored post-incident review."""

    tenant_id: str
    issue_id: str
    content: bytes
    content_type: str

    @property
    def file_name(self) -> str:
        return report_file_name(self.issue_id, self.content_type, self.content)


def has_review(issue: HealthIssue) -> bool:
    """Microsoft says the issue's post-incident review is published."""
    return issue.status.replace("_", "").lower() == PUBLISHED


def report_file_name(issue_id: str, content_type: str, content: bytes = b"") -> str:
    """``<issue>-post-incident-review.<ext>``; a safe name whatever the issue id holds. Graph
    sends the review as a generic file stream, so the extension also looks at the bytes."""
    safe = "".join(c for c in issue_id if c.isalnum() or c in "-_") or "issue"
    return f"{safe}-post-incident-review{_extension(content_type, content)}"


def _extension(content_type: str, content: bytes) -> str:
    if content_type in _EXTENSIONS:
        return _EXTENSIONS[content_type]
    if content.startswith(b"%PDF"):
        return ".pdf"
    if content.startswith(b"PK"):
        return ".docx"
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return ".bin"
    return ".txt"


def fetch_incident_reports(
    ledger: Ledger, client: ReportSource, issues: Iterable[HealthIssue]
) -> list[IncidentReport]:
    """Fetch and store the review of every issue whose review is published and not yet stored;
    returns the ones stored now. A failed fetch is logged and retried on the next run."""
    stored: list[IncidentReport] = []
    for issue in issues:
        if not has_review(issue) or stored_report(ledger, issue.tenant_id, issue.id) is not None:
            continue
        try:
            content, kind = client.get_incident_report(issue.tenant_id, issue.id)
        except HealthLookupError as exc:
            log.warning("post-incident review of %s not fetched: %s", issue.id, exc)
            continue
        report = IncidentReport(issue.tenant_id, issue.id, content, kind)
        with ledger.transaction("store a post-incident review") as conn:
            inserted = sql.insert_incident_report(
                conn,
                {
                    "tenant_id": issue.tenant_id,
                    "issue_id": issue.id,
                    "content": content,
                    "content_type": kind,
                    "fetched_at": utc_now(),
                },
            )
            if inserted:
                ledger.append_event(
                    conn,
                    entity="health_issue",
                    entity_id=issue.id,
                    action="incident_report_fetched",
                    detail={"tenant_id": issue.tenant_id, "bytes": len(content)},
                )
        stored.append(report)
    return stored


def stored_report(ledger: Ledger, tenant_id: str, issue_id: str) -> IncidentReport | None:
    with ledger.reading("read a post-incident review") as conn:
        row = sql.incident_report(conn, tenant_id, issue_id)
    if row is None:
        return None
    return IncidentReport(row.tenant_id, row.issue_id, bytes(row.content), row.content_type)
