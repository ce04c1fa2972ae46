"""Notebook apps (ipywidgets): thin views over the library, for the analyst's workbench.

- :class:`~escalation_kit.widgets.triage_app.TriageApp` — the triage console: a keyboard-first
  queue of every ticket, review state in the ledger, packages, links, notes and notices in place
- :class:`~escalation_kit.widgets.health_panel.HealthPanel` — sign in and sync service health
- :class:`~escalation_kit.widgets.console.Console` — both, as ``escalation-kit app`` serves them
- :class:`~escalation_kit.widgets.trends_app.TrendsApp` — escalation trends, filtered and themed
- :class:`~escalation_kit.widgets.incident_app.IncidentApp` — investigate a multi-tenant incident

ipywidgets, anywidget and plotly are imported when an app is built, never when this package is
imported.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["Console", "HealthPanel", "IncidentApp", "TrendsApp", "TriageApp"]

_MODULES = {
    "Console": "escalation_kit.widgets.console",
    "HealthPanel": "escalation_kit.widgets.health_panel",
    "IncidentApp": "escalation_kit.widgets.incident_app",
    "TrendsApp": "escalation_kit.widgets.trends_app",
    "TriageApp": "escalation_kit.widgets.triage_app",
}


def __getattr__(name: str) -> Any:
    """Import an app's module on first use (``from escalation_kit.widgets import TriageApp``)."""
    if name in _MODULES:
        return getattr(import_module(_MODULES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
