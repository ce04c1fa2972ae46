"""The tickets file: validated, enriched with region and normalized service, bad rows kept aside.

Accepted columns, in this order and with these dtypes: ``ticket_id`` (str), ``tenant_id`` (str,
lower-case canonical GUID), ``customer_name`` (str, ``""`` if absent), ``country`` (str upper or
missing), ``service`` (str as written, ``""``), ``title`` (str), ``description`` (str, ``""``),
``reported_at`` (datetime64[ns, UTC]), ``users_affected`` (Int64), ``region`` (a Region value),
``normalized_service`` (a Graph service name or missing), ``source_row`` (int64). Rows keep
the file's order.

With a customers file, a ticket without a (valid) country takes its tenant's country, a ticket
without a customer name takes the tenant's name, and a tenant's region override wins over any
country. The service is the ``service`` text as an alias, else inferred from the ``service``
text, else inferred from the title and description.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from escalation_kit.intake.customers import read_customers, validate_customers, warn_about_countries
from escalation_kit.intake.dates import parse_datetimes
from escalation_kit.intake.readers import SOURCE_ROW, prepare_frame, read_raw_table
from escalation_kit.intake.result import IntakeResult
from escalation_kit.intake.rules import (
    check_length,
    check_required,
    check_unique,
    parse_guids,
    parse_whole_numbers,
    text_column,
)
from escalation_kit.intake.validate import Findings, reject_unreadable, require_columns
from escalation_kit.models import NAME_LENGTH, TICKET_ID_LENGTH
from escalation_kit.models import TICKET_COLUMNS as CONTRACT_TICKET_COLUMNS
from escalation_kit.regions import normalize_countries, regions_for_countries
from escalation_kit.services import infer_services, normalize_services

__all__ = [
    "ACCEPTED_TICKET_COLUMNS",
    "REQUIRED_TICKET_COLUMNS",
    "TICKET_COLUMNS",
    "TICKET_FIELD_LIMITS",
    "read_tickets",
    "validate_tickets",
]

TICKET_COLUMNS = CONTRACT_TICKET_COLUMNS
REQUIRED_TICKET_COLUMNS = ("ticket_id", "tenant_id", "title", "reported_at")
ACCEPTED_TICKET_COLUMNS = (*TICKET_COLUMNS, "region", "normalized_service", SOURCE_ROW)
TICKET_FIELD_LIMITS = {
    "ticket_id": TICKET_ID_LENGTH,
    "customer_name": NAME_LENGTH,
    "service": 200,
    "title": 1_000,
    "description": 100_000,
}
"""Longest accepted value of each text field, in characters; longer values reject the row."""

Customers = pd.DataFrame | IntakeResult | str | Path | None


def read_tickets(path: str | Path, *, customers: Customers = None) -> IntakeResult:
    """Read and validate a tickets file (CSV, JSON lines or Excel); see the module docstring."""
    return _validate(read_raw_table(path), str(path), customers)


def validate_tickets(
    frame: pd.DataFrame, *, source: str = "<frame>", customers: Customers = None
) -> IntakeResult:
    """Validate an in-memory tickets frame exactly as :func:`read_tickets` validates a file."""
    return _validate(prepare_frame(frame, source), source, customers)


def _validate(raw: pd.DataFrame, source: str, customers: Customers) -> IntakeResult:
    require_columns(raw.columns, REQUIRED_TICKET_COLUMNS, source)
    findings = Findings(raw.index)
    text = {name: text_column(raw, name, findings) for name in TICKET_COLUMNS}
    _check_rows(findings, raw, text)
    tenant = parse_guids(findings, "tenant_id", text["tenant_id"])
    reported = parse_datetimes(findings, "reported_at", text["reported_at"])
    users = parse_whole_numbers(findings, "users_affected", text["users_affected"])
    kept = ~findings.rejected_mask()
    accepted = pd.DataFrame(
        {
            "ticket_id": text["ticket_id"],
            "tenant_id": tenant,
            "customer_name": text["customer_name"],
            "country": normalize_countries(text["country"]),
            "service": text["service"].fillna(""),
            "title": text["title"],
            "description": text["description"].fillna(""),
            "reported_at": reported,
            "users_affected": users,
        },
        copy=False,
    )
    _add_customer_facts(findings, accepted, text, _customer_table(customers), kept)
    accepted["normalized_service"] = _services(
        accepted["service"], accepted["title"], accepted["description"], kept
    )
    accepted[SOURCE_ROW] = raw[SOURCE_ROW]
    key = text["ticket_id"].fillna("")
    return findings.result(raw, accepted[list(ACCEPTED_TICKET_COLUMNS)], source, key=key)


def _check_rows(findings: Findings, raw: pd.DataFrame, text: dict[str, pd.Series]) -> None:
    """Row-level and text rules: unreadable rows, empty required fields, lengths, duplicates."""
    reject_unreadable(findings, raw)
    for name in REQUIRED_TICKET_COLUMNS:
        check_required(findings, name, text[name])
    for name, limit in TICKET_FIELD_LIMITS.items():
        check_length(findings, name, text[name], limit)
    check_unique(findings, "ticket_id", text["ticket_id"], raw[SOURCE_ROW])


def _customer_table(customers: Customers) -> pd.DataFrame | None:
    """The accepted customers, indexed by tenant id (a raw frame or a path is validated first)."""
    if customers is None:
        return None
    if isinstance(customers, str | Path):
        customers = read_customers(customers)
    if isinstance(customers, pd.DataFrame):
        customers = validate_customers(customers, source="<customers frame>")
    return customers.accepted.set_index("tenant_id")


def _add_customer_facts(
    findings: Findings,
    accepted: pd.DataFrame,
    text: dict[str, pd.Series],
    table: pd.DataFrame | None,
    kept: pd.Series,
) -> None:
    """Fill country and name from the customers file, then derive the region (override first)."""
    override = pd.Series(pd.NA, index=accepted.index, dtype="str")
    if table is not None:
        tenant = accepted["tenant_id"]
        accepted["country"] = accepted["country"].fillna(tenant.map(table["country"]))
        accepted["customer_name"] = accepted["customer_name"].fillna(tenant.map(table["name"]))
        override = tenant.map(table["region_override"]).astype("str")
        findings.warn(
            "tenant_id",
            kept & tenant.notna() & ~tenant.isin(table.index),
            lambda: "tenant is not in the customers file",
        )
    accepted["customer_name"] = accepted["customer_name"].fillna("")
    region = regions_for_countries(accepted["country"]).mask(override.notna(), override)
    accepted["region"] = region
    warn_about_countries(findings, text["country"], accepted["country"], region)


def _services(
    service: pd.Series, title: pd.Series, description: pd.Series, kept: pd.Series
) -> pd.Series:
    """Alias of the service text, else inferred from it, else from title and description."""
    found = normalize_services(service[kept])
    written = found.isna() & (service[kept] != "")
    if written.any():
        found = found.fillna(
            infer_services(service[written.reindex(service.index, fill_value=False)])
        )
    unknown = found.isna().reindex(service.index, fill_value=False)
    if unknown.any():
        found = found.fillna(infer_services(title[unknown], description[unknown]))
    return found.reindex(service.index).astype("str")
