"""The escalation lifecycle: which status changes are allowed, and what Microsoft's status means.

``draft`` → ``open`` (filed and linked) ⇄ ``attention_needed`` → ``closed``. Microsoft may
reopen a closed request, so ``closed`` → ``open``/``attention_needed`` is allowed when a sync
sees it; nothing goes back to ``draft``.
"""

from __future__ import annotations

from escalation_kit.errors import InvalidTransition
from escalation_kit.escalation.service_request import SrStatus
from escalation_kit.models import EscalationStatus

__all__ = ["ALLOWED", "check_transition", "status_for"]

S = EscalationStatus
ALLOWED: dict[EscalationStatus, frozenset[EscalationStatus]] = {
    S.DRAFT: frozenset({S.OPEN, S.WITHDRAWN}),
    S.WITHDRAWN: frozenset({S.DRAFT}),
    S.OPEN: frozenset({S.ATTENTION_NEEDED, S.CLOSED}),
    S.ATTENTION_NEEDED: frozenset({S.OPEN, S.CLOSED}),
    S.CLOSED: frozenset({S.OPEN, S.ATTENTION_NEEDED}),
}


def check_transition(escalation_id: str, current: str, new: str) -> None:
    """Raise :class:`InvalidTransition` unless ``current`` → ``new`` is allowed (or a no-op)."""
    try:
        old, target = EscalationStatus(current), EscalationStatus(new)
    except ValueError as exc:
        raise InvalidTransition(f"{escalation_id}: unknown status {current!r} or {new!r}") from exc
    if old != target and target not in ALLOWED[old]:
        raise InvalidTransition(f"{escalation_id}: cannot go from {old.value} to {target.value}")


def status_for(sr_status: SrStatus) -> EscalationStatus:
    """The escalation status that a Partner Center request status implies."""
    if sr_status is SrStatus.CLOSED:
        return EscalationStatus.CLOSED
    if sr_status is SrStatus.ATTENTION_NEEDED:
        return EscalationStatus.ATTENTION_NEEDED
    return EscalationStatus.OPEN
