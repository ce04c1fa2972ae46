"""ISO 3166-1 country codes: alpha-2 (what the history holds) → alpha-3 (what plotly maps use)."""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

__all__ = ["country_name", "iso2_to_iso3"]


@cache
def _table() -> dict[str, tuple[str, str]]:
    """alpha-2 → (alpha-3, short name), from the bundled ``assets/iso3166.csv``."""
    text = (
        resources.files("escalation_kit.analytics")
        .joinpath("assets/iso3166.csv")
        .read_text(encoding="utf-8")
    )
    return {
        row["alpha_2"]: (row["alpha_3"], row["name"]) for row in csv.DictReader(text.splitlines())
    }


def iso2_to_iso3(code: str) -> str | None:
    """The alpha-3 code of an alpha-2 code (any case; ``UK`` is taken as ``GB``), else None."""
    key = code.strip().upper()
    entry = _table().get("GB" if key == "UK" else key)
    return entry[0] if entry else None


def country_name(code: str) -> str:
    """The short English name of an alpha-2 code (the code itself when unknown)."""
    entry = _table().get(code.strip().upper())
    return entry[1] if entry else code
