"""The ledger: tickets, triage decisions, health cache, escalations and the event log, in SQL."""

from escalation_kit.ledger.core import Ledger
from escalation_kit.ledger.events import Event

__all__ = ["Event", "Ledger"]
