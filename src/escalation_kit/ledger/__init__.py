"""The ledger: tickets, triage decisions, health cache, escalations and the event log, in SQL."""

from escalation_kit.ledger._version import LedgerSchemaError
from escalation_kit.ledger.core import Ledger
from escalation_kit.ledger.events import Event
from escalation_kit.ledger.health_cache import SyncState
from escalation_kit.ledger.records import ImportCounts

__all__ = ["Event", "ImportCounts", "Ledger", "LedgerSchemaError", "SyncState"]
