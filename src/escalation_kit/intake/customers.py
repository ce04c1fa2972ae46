"""The customers file: one row per customer tenant, its country and an optional region override.

Accepted columns: ``tenant_id`` (canonical GUID), ``name`` (``""`` if absent), ``country``
(upper-case alpha-2 or missing), ``region_override`` (a region value or missing), ``region`` (the
override, else the country's region, else ``Unknown``) and ``source_row``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from escalation_kit.errors import InputError
from escalation_kit.intake.readers import SOURCE_ROW, prepare_frame, read_raw_table
from escalation_kit.intake.result import IntakeResult
from escalation_kit.intake.rules import (
    check_length,
    check_required,
    check_unique,
    parse_guids,
    text_column,
)
from escalation_kit.intake.validate import Findings, quote, reject_unreadable, require_columns
from escalation_kit.models import CUSTOMER_COLUMNS as CONTRACT_CUSTOMER_COLUMNS
from escalation_kit.models import NAME_LENGTH, Region
from escalation_kit.regions import (
    normalize_countries,
    parse_region,
    regions_for_countries,
    unknown_country_warning,
)

__all__ = ["CUSTOMER_COLUMNS", "read_customers", "validate_customers"]

CUSTOMER_COLUMNS = CONTRACT_CUSTOMER_COLUMNS


def read_customers(path: str | Path) -> IntakeResult:
    """Read and validate a customers file (CSV, JSON lines or Excel)."""
    return _validate(read_raw_table(path), str(path))


def validate_customers(frame: pd.DataFrame, *, source: str = "<frame>") -> IntakeResult:
    """Validate an in-memory customers frame (raw text, or an accepted frame read again)."""
    return _validate(prepare_frame(frame, source), source)


def _validate(raw: pd.DataFrame, source: str) -> IntakeResult:
    require_columns(raw.columns, ("tenant_id",), source)
    findings = Findings(raw.index)
    text = {name: text_column(raw, name, findings) for name in CUSTOMER_COLUMNS}
    if "region_override" in raw.columns:  # an accepted frame read again: its region is derived
        text["region"] = text_column(raw, "region_override", findings)
    reject_unreadable(findings, raw)
    check_required(findings, "tenant_id", text["tenant_id"])
    tenant = parse_guids(findings, "tenant_id", text["tenant_id"])
    check_unique(findings, "tenant_id", tenant, raw[SOURCE_ROW])
    check_length(findings, "name", text["name"], NAME_LENGTH)
    override = _parse_overrides(findings, text["region"])
    country = normalize_countries(text["country"])
    region = regions_for_countries(country).mask(override.notna(), override)
    warn_about_countries(findings, text["country"], country, region)
    accepted = pd.DataFrame(
        {
            "tenant_id": tenant,
            "name": text["name"].fillna(""),
            "country": country,
            "region_override": override,
            "region": region,
            SOURCE_ROW: raw[SOURCE_ROW],
        }
    )
    return findings.result(raw, accepted, source, key=tenant.fillna(text["tenant_id"]).fillna(""))


def _parse_overrides(findings: Findings, values: pd.Series) -> pd.Series:
    """Region override values; unparseable ones rejected with the reason ``parse_region`` gives."""
    parsed: dict[str, str | None] = {}
    problems: dict[str, str] = {}
    for value in values.dropna().unique():
        try:
            region = parse_region(value)
        except InputError as exc:
            problems[value] = exc.reason
        else:
            parsed[value] = None if region is None else region.value
    findings.reject("region", values.isin(list(problems)), problems.__getitem__, values)
    return values.map(parsed).astype("str")


def warn_about_countries(
    findings: Findings, raw: pd.Series, country: pd.Series, region: pd.Series
) -> None:
    """One warning per row whose region is ``Unknown`` or whose country text was not a code."""
    unknown = region == Region.UNKNOWN.value
    findings.warn("country", unknown, lambda v: unknown_country_warning(_text(v)), raw)
    findings.warn(
        "country",
        raw.notna() & country.isna() & ~unknown,
        lambda v: f"country {quote(v)} is not an ISO 3166-1 alpha-2 code; ignored",
        raw,
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
