"""Escalation analytics: history files, metrics, figures, incident investigation, the HTML report.

Importing this package loads pandas and numpy but never plotly: figures import it when built.
"""

from escalation_kit.analytics.anomalies import weekly_anomalies
from escalation_kit.analytics.investigation import Investigation, investigate
from escalation_kit.analytics.metrics import (
    backlog_over_time,
    escalation_rate_per_customer,
    repeat_customers,
    share_of_outcomes,
    time_to_resolve,
    top_services,
    volume,
)
from escalation_kit.analytics.palette import CATEGORY_COLORS
from escalation_kit.analytics.report import Report, build_report, write_report
from escalation_kit.analytics.requests import (
    first_response_lag,
    known_issue_hit_rate,
    request_aging,
)
from escalation_kit.analytics.synthetic import synthetic_history
from escalation_kit.intake.history import HistoryLoad, load_history, write_history

__all__ = [
    "CATEGORY_COLORS",
    "HistoryLoad",
    "Investigation",
    "Report",
    "backlog_over_time",
    "build_report",
    "escalation_rate_per_customer",
    "first_response_lag",
    "investigate",
    "known_issue_hit_rate",
    "load_history",
    "repeat_customers",
    "request_aging",
    "share_of_outcomes",
    "synthetic_history",
    "time_to_resolve",
    "top_services",
    "volume",
    "weekly_anomalies",
    "write_history",
    "write_report",
]
