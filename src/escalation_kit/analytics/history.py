"""The escalation history moved to :mod:`escalation_kit.intake.history` (an input schema beside
tickets and customers); this name stays so that older notebooks keep working."""

from escalation_kit.intake.history import (
    ESCALATION_CATEGORIES,
    HISTORY_COLUMNS,
    HISTORY_SEVERITIES,
    HISTORY_STATUSES,
    OPEN_STATUSES,
    REGIONS,
    HistoryLoad,
    empty_history,
    history_text,
    load_history,
    typed_history,
    validate_history,
    write_history,
)

__all__ = [
    "ESCALATION_CATEGORIES",
    "HISTORY_COLUMNS",
    "HISTORY_SEVERITIES",
    "HISTORY_STATUSES",
    "OPEN_STATUSES",
    "REGIONS",
    "HistoryLoad",
    "empty_history",
    "history_text",
    "load_history",
    "typed_history",
    "validate_history",
    "write_history",
]
