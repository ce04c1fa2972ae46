"""The documented issues a package considered, and why each does not match its tickets.

An engineer at Microsoft first asks "is this not EX123?". The package answers: every documented
issue of the affected tenants on the same service, with the reason it does not explain the
tickets (over before the first report, started after the last, about another symptom).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from escalation_kit.escalation.evidence import SYMPTOM_WORDS, symptom_mask
from escalation_kit.models import HealthIssue, Ticket
from escalation_kit.triage.symptoms import load_symptoms

__all__ = ["MAX_CONSIDERED", "issues_considered"]

MAX_CONSIDERED = 8


def _words(mask: int) -> str:
    names = load_symptoms().describe(mask)
    return ", ".join(SYMPTOM_WORDS.get(n, n) for n in names) or "no recognised symptom"


def issues_considered(
    issues_by_tenant: Mapping[str, Iterable[HealthIssue]],
    tickets: Sequence[Ticket],
    service: str,
) -> tuple[str, ...]:
    """One line per documented issue looked at: id, title, status and why it does not match."""
    if not tickets:
        return ()
    tenants = dict.fromkeys(t.tenant_id for t in tickets)
    first = min(t.reported_at for t in tickets)
    last = max(t.reported_at for t in tickets)
    ticket_mask = 0
    for ticket in tickets:
        ticket_mask |= symptom_mask(f"{ticket.title}\n{ticket.description}")
    seen: dict[str, str] = {}
    for tenant in tenants:
        for issue in issues_by_tenant.get(tenant, ()):
            if issue.service.lower() != service.lower() or issue.id in seen:
                continue
            seen[issue.id] = f'{issue.id} "{issue.title}" ({issue.status}): ' + _why_not(
                issue, first, last, ticket_mask
            )
    return tuple(list(seen.values())[:MAX_CONSIDERED])


def _why_not(issue: HealthIssue, first: object, last: object, ticket_mask: int) -> str:
    reported = [first, last]
    if issue.end is not None and all(issue.end < r for r in reported):  # type: ignore[operator]
        return f"ended {issue.end.isoformat()}, before the first report"
    if issue.start is not None and all(issue.start > r for r in reported):  # type: ignore[operator]
        return f"started {issue.start.isoformat()}, after the last report"
    issue_mask = symptom_mask(f"{issue.title}\n{issue.impact_description}\n{issue.feature}")
    if issue_mask and ticket_mask and not issue_mask & ticket_mask:
        return f"about {_words(issue_mask)}, while the tickets report {_words(ticket_mask)}"
    return (
        "active on the same service at the time, but its description does not match the "
        "tickets' symptom closely enough; confirm before filing"
    )
