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
    "DARK_TEXT",
    "LIGHT_TEXT",
    "THEMES",
    "Theme",
    "category_label",
    "contrast_ratio",
    "rgb",
    "template_name",
    "text_color_on",
]

Theme = Literal["light", "dark"]

CATEGORY_COLORS: dict[str, str] = {str(c): info.color for c, info in CATEGORIES.items()}
CATEGORY_LABELS: dict[str, str] = {str(c): info.label for c, info in CATEGORIES.items()}

THEMES: dict[str, str] = {"light": "plotly_white", "dark": "plotly_dark"}
# text drawn on light fills: black, so that one of the two reaches 4.5:1 on any fill
DARK_TEXT = "#000000"
LIGHT_TEXT = "#ffffff"  # text drawn on dark fills


def template_name(theme: str) -> str:
    """The plotly template for ``theme``; InputError for anything but light or dark."""
    try:
        return THEMES[theme]
    except KeyError:
        raise InputError(
            f"theme {theme!r} is not one of: {', '.join(THEMES)}", field="theme"
        ) from None


def rgb(color: str) -> tuple[int, int, int]:
    """``#rrggbb``, ``#rgb``, ``rgb(r, g, b)``, ``rgba(r, g, b, a)``, white or black as an
    (r, g, b) triple."""
    text = {"white": "#ffffff", "black": "#000000"}.get(
        color.strip().lower(), color.strip().lower()
    )
    if text.startswith("#"):
        digits = text[1:]
        if len(digits) == 3:
            digits = "".join(d * 2 for d in digits)
        if len(digits) == 6:
            return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)
    elif text.startswith(("rgb(", "rgba(")):
        parts = text[text.index("(") + 1 : text.rindex(")")].split(",")
        if len(parts) in (3, 4):
            r, g, b = (round(float(p)) for p in parts[:3])
            return r, g, b
    raise InputError(f"{color!r} is not a #rrggbb or rgb() colour", field="color")


def _luminance(color: str) -> float:
    """WCAG 2 relative luminance of ``color``."""
    channels = [c / 255 for c in rgb(color)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two colours, from 1 (the same) to 21 (black on white)."""
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_color_on(fill: str) -> str:
    """Dark or light text, whichever reads better on ``fill``."""
    dark, light = contrast_ratio(DARK_TEXT, fill), contrast_ratio(LIGHT_TEXT, fill)
    return DARK_TEXT if dark >= light else LIGHT_TEXT
