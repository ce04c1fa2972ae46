"""One colour per category, the same in every figure, and the light/dark plotly templates.

The colours are the Okabe-Ito palette (distinguishable with the common colour-vision
deficiencies) and keep enough contrast on both the white and the near-black background.
"""

from __future__ import annotations

from typing import Literal

from escalation_kit.errors import InputError

__all__ = [
    "CATEGORY_COLORS",
    "CATEGORY_LABELS",
    "THEMES",
    "Theme",
    "category_label",
    "template_name",
]

Theme = Literal["light", "dark"]

CATEGORY_COLORS: dict[str, str] = {
    "service_not_as_described": "#E69F00",  # orange
    "service_unavailable": "#D55E00",  # vermillion
    "bug": "#CC79A7",  # reddish purple
    "network_disruption": "#56B4E9",  # sky blue
    "regional_multi_tenant": "#009E73",  # bluish green
    "self_service": "#0072B2",  # blue
    "known_issue": "#999999",  # grey: tracked, not escalated
}

CATEGORY_LABELS: dict[str, str] = {
    "service_not_as_described": "Service not as described",
    "service_unavailable": "Service unavailable",
    "bug": "Bug",
    "network_disruption": "Network disruption",
    "regional_multi_tenant": "Regional multi-tenant",
    "self_service": "Self-service",
    "known_issue": "Known issue",
}

THEMES: dict[str, str] = {"light": "plotly_white", "dark": "plotly_dark"}


def category_label(category: str) -> str:
    """The human-readable name of a category id (the id itself when unknown)."""
    return CATEGORY_LABELS.get(category, category)


def template_name(theme: str) -> str:
    """The plotly template for ``theme``; InputError for anything but light or dark."""
    try:
        return THEMES[theme]
    except KeyError:
        raise InputError(
            f"theme {theme!r} is not one of: {', '.join(THEMES)}", field="theme"
        ) from None
