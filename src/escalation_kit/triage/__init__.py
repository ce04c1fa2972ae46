"""Triage: documented issues first, then cross-ticket clusters, then the ticket's own words
(named evidence, content rules and a learned, calibrated model).

``from escalation_kit.triage import triage, TriageConfig, evaluate``. Names are imported on
first use so that importing the package stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from escalation_kit.triage.config import TriageConfig as TriageConfig
    from escalation_kit.triage.crossval import CrossValidation as CrossValidation
    from escalation_kit.triage.crossval import cross_validate as cross_validate
    from escalation_kit.triage.engine import DECISION_COLUMNS as DECISION_COLUMNS
    from escalation_kit.triage.engine import TriageResult as TriageResult
    from escalation_kit.triage.engine import triage as triage
    from escalation_kit.triage.evaluate import Evaluation as Evaluation
    from escalation_kit.triage.evaluate import evaluate as evaluate
    from escalation_kit.triage.learn import fit_model as fit_model
    from escalation_kit.triage.model import ContentModel as ContentModel
    from escalation_kit.triage.model import load_model as load_model
    from escalation_kit.triage.rules import RuleSet as RuleSet
    from escalation_kit.triage.rules import load_rules as load_rules
    from escalation_kit.triage.severity import severity_for as severity_for

_EXPORTS = {
    "ContentModel": "escalation_kit.triage.model",
    "CrossValidation": "escalation_kit.triage.crossval",
    "DECISION_COLUMNS": "escalation_kit.triage.engine",
    "cross_validate": "escalation_kit.triage.crossval",
    "fit_model": "escalation_kit.triage.learn",
    "load_model": "escalation_kit.triage.model",
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
