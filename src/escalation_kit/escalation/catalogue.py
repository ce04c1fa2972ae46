"""Which Partner Center product and support category an analyst picks for a service.

The mapping lives in the packaged ``catalogue.csv`` (one row per Microsoft Graph service-health
name) so that it can be read and corrected without touching code.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

from escalation_kit.errors import ConfigError

__all__ = ["CatalogueEntry", "catalogue", "lookup"]

COLUMNS = ("service", "workload", "product", "support_category")
FALLBACK = "Microsoft 365 suite"


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    """Where a service's problems are filed: workload, product and problem area."""

    service: str
    workload: str
    product: str
    support_category: str


@cache
def catalogue() -> dict[str, CatalogueEntry]:
    """The packaged catalogue, keyed by lower-cased Graph service name."""
    text = resources.files(__package__).joinpath("catalogue.csv").read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise ConfigError(f"catalogue.csv must have the columns {', '.join(COLUMNS)}")
    entries: dict[str, CatalogueEntry] = {}
    for row in reader:
        entry = CatalogueEntry(**{name: row[name].strip() for name in COLUMNS})
        key = entry.service.lower()
        if key in entries:
            raise ConfigError(f"catalogue.csv lists {entry.service!r} twice")
        entries[key] = entry
    return entries


def lookup(service: str) -> CatalogueEntry:
    """The entry for a service; an unknown or empty service gets the suite-wide entry."""
    entries = catalogue()
    found = entries.get((service or "").strip().lower())
    if found is not None:
        return found
    fallback = entries[FALLBACK.lower()]
    return CatalogueEntry(
        service=service or fallback.service,
        workload=fallback.workload,
        product=fallback.product,
        support_category=fallback.support_category,
    )
