"""Triage: documented issues first, then cross-ticket clusters, then the ticket's own words.

``from escalation_kit.triage import triage, TriageConfig, evaluate``. Names are imported on
first use so that importing the package stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from escalation_kit.triage.config import TriageConfig as TriageConfig
    from escalation_kit.triage.engine import DECISION_COLUMNS as DECISION_COLUMNS
    from escalation_kit.triage.engine import TriageResult as TriageResult
    from escalation_kit.triage.engine import triage as triage
    from escalation_kit.triage.evaluate import Evaluation as Evaluation
    from escalation_kit.triage.evaluate import evaluate as evaluate
    from escalation_kit.triage.rules import RuleSet as RuleSet
    from escalation_kit.triage.rules import load_rules as load_rules
    from escalation_kit.triage.severity import severity_for as severity_for

_EXPORTS = {
    "DECISION_COLUMNS": "escalation_kit.triage.engine",
    "Evaluation": "escalation_kit.triage.evaluate",
    "RuleSet": "escalation_kit.triage.rules",
    "TriageConfig": "escalation_kit.triage.config",
    "TriageResult": "escalation_kit.triage.engine",
    "evaluate": "escalation_kit.triage.evaluate",
    "load_rules": "escalation_kit.triage.rules",
    "severity_for": "escalation_kit.triage.severity",
    "triage": "escalation_kit.triage.engine",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(module), name)
