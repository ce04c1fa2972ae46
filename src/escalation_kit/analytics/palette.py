"""One colour per category, the same in every figure, and the light/dark plotly templates.

Colours and labels come from the category registry (:mod:`escalation_kit.categories`).
"""

from __future__ import annotations

from typing import Literal

from escalation_kit.categories import CATEGORIES, category_label
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

CATEGORY_COLORS: dict[str, str] = {str(c): info.color for c, info in CATEGORIES.items()}
CATEGORY_LABELS: dict[str, str] = {str(c): info.label for c, info in CATEGORIES.items()}

THEMES: dict[str, str] = {"light": "plotly_white", "dark": "plotly_dark"}


def template_name(theme: str) -> str:
    """The plotly template for ``theme``; InputError for anything but light or dark."""
    try:
        return THEMES[theme]
    except KeyError:
        raise InputError(
            f"theme {theme!r} is not one of: {', '.join(THEMES)}", field="theme"
        ) from None
