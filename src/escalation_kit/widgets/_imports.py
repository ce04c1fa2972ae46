"""Optional notebook dependencies, imported only when a widget is built."""

from __future__ import annotations

from types import ModuleType

from escalation_kit.errors import ConfigError


def ipywidgets() -> ModuleType:
    """Return the ipywidgets module, or say which ``pip install`` fixes its absence."""
    try:
        import ipywidgets as widgets
    except ImportError as exc:  # pragma: no cover - ipywidgets is a runtime dependency
        raise ConfigError("the notebook apps need ipywidgets: pip install ipywidgets") from exc
    return widgets
