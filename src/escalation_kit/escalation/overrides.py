"""The analyst's override, applied the same way by the CLI, the library and the widgets.

:func:`record_override` records the analyst's category beside the automatic decision with the
severity and next action recomputed for that category, and withdraws the ticket from its draft
when the new category does not escalate (a filed request is reported, never touched).
``escalate`` / :func:`~escalation_kit.escalation.batch.prepare_packages` then draft from it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from escalation_kit.escalation.drafting import Withdrawal, withdraw_overridden
from escalation_kit.escalation.inputs import decisions_from_frame
from escalation_kit.ledger import Ledger
from escalation_kit.models import Category
from escalation_kit.triage.engine import RECOMMENDED_ACTIONS
from escalation_kit.triage.severity import severity_for

__all__ = ["OverrideOutcome", "record_override"]


@dataclass(frozen=True, slots=True)
class OverrideOutcome:
    """What an override did: its decision id, the severity it got, the drafts it withdrew."""

    decision_id: int
    category: Category
    severity: str | None
    recommended_action: str
    withdrawals: tuple[Withdrawal, ...] = ()

    def describe(self) -> list[str]:
        shown = f", severity {self.severity}" if self.severity else ""
        lines = [f"override recorded: {self.category.value}{shown}"]
        return lines + [w.describe() for w in self.withdrawals]


def record_override(
    ledger: Ledger, ticket_id: str, *, category: str, reason: str, actor: str
) -> OverrideOutcome:
    """Record the analyst's ``category`` for ``ticket_id`` (see the module docstring)."""
    chosen = Category(category) if category in {c.value for c in Category} else None
    severity = _severity(ledger, ticket_id, chosen) if chosen is not None else None
    action = RECOMMENDED_ACTIONS[chosen] if chosen is not None else None
    decision_id = ledger.override_decision(
        ticket_id,
        category=category,
        reason=reason,
        actor=actor,
        severity=severity,
        recommended_action=action,
    )
    assert chosen is not None  # override_decision refused an unknown category
    withdrawals: list[Withdrawal] = []
    if not chosen.escalate:
        effective = ledger.decisions(ticket_ids=[ticket_id])
        withdrawals = withdraw_overridden(ledger, decisions_from_frame(effective))
    return OverrideOutcome(decision_id, chosen, severity, action or "", tuple(withdrawals))


def _severity(ledger: Ledger, ticket_id: str, category: Category) -> str | None:
    """The severity rule for the new category, with the ticket's users when it is stored."""
    if not category.escalate:
        return None
    stored = ledger.tickets([ticket_id])
    users = None
    if len(stored) and not pd.isna(stored["users_affected"].iloc[0]):
        users = int(stored["users_affected"].iloc[0])
    severity = severity_for(category, users)
    return severity.value if severity is not None else None
