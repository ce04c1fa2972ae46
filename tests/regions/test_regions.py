"""Country → region: the complete ISO table, the contract's examples and the override rules."""

from __future__ import annotations

from importlib import resources

import pandas as pd
import pytest

from escalation_kit.errors import InputError
from escalation_kit.models import Region
from escalation_kit.regions import (
    COUNTRY_REGIONS,
    normalize_country,
    parse_region,
    region_for_country,
    regions_for_countries,
    resolve_region,
)

CONTRACT = {
    Region.AMERICAS: "US CA MX BR AR CL CO PE",
    Region.EUROPE: "GB IE DE FR NL BE LU ES IT PT PL SE NO DK FI AT CH CZ",
    Region.ASIA_PACIFIC: "JP AU NZ IN SG KR HK TW ID MY TH PH VN CN",
    Region.MIDDLE_EAST_AFRICA: "AE SA ZA EG NG KE IL QA TR",
}
BORDERLINE = {
    "RU": Region.EUROPE,
    "UA": Region.EUROPE,
    "BY": Region.EUROPE,
    "CY": Region.EUROPE,
    "GE": Region.EUROPE,
    "AM": Region.EUROPE,
    "AZ": Region.EUROPE,
    "KZ": Region.ASIA_PACIFIC,
    "UZ": Region.ASIA_PACIFIC,
    "PK": Region.ASIA_PACIFIC,
    "AF": Region.ASIA_PACIFIC,
    "EG": Region.MIDDLE_EAST_AFRICA,
    "MA": Region.MIDDLE_EAST_AFRICA,
    "IR": Region.MIDDLE_EAST_AFRICA,
    "RE": Region.MIDDLE_EAST_AFRICA,
    "GL": Region.AMERICAS,
    "PR": Region.AMERICAS,
    "JM": Region.AMERICAS,
}


def iso_codes() -> list[str]:
    """Every ISO 3166-1 alpha-2 code, from the tz database shipped with the tzdata package."""
    table = resources.files("tzdata").joinpath("zoneinfo", "iso3166.tab").read_text("utf-8")
    return [line.split("\t")[0] for line in table.splitlines() if line and not line.startswith("#")]


def test_every_iso_code_has_a_region() -> None:
    codes = iso_codes()
    assert len(codes) == 249
    missing = [code for code in codes if region_for_country(code) is Region.UNKNOWN]
    assert missing == []
    assert set(COUNTRY_REGIONS) == {*codes, "UK", "XK"}


@pytest.mark.parametrize(("region", "codes"), CONTRACT.items(), ids=lambda v: str(v)[:12])
def test_contract_examples(region: Region, codes: str) -> None:
    assert {code: region_for_country(code) for code in codes.split()} == dict.fromkeys(
        codes.split(), region
    )


@pytest.mark.parametrize(("code", "region"), BORDERLINE.items())
def test_borderline_choices(code: str, region: Region) -> None:
    assert region_for_country(code) is region


@pytest.mark.parametrize("text", ["de", " DE ", "De", "\tde\n"])
def test_case_and_space_insensitive(text: str) -> None:
    assert region_for_country(text) is Region.EUROPE


@pytest.mark.parametrize("text", [None, "", "  ", "ZZ", "DEU", "Germany", "1A", "Д1", "ÄB"])
def test_unknown_country_is_unknown_without_warnings(text: str | None) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert region_for_country(text) is Region.UNKNOWN


def test_uk_is_gb() -> None:
    assert normalize_country(" uk ") == "GB"
    assert region_for_country("UK") is Region.EUROPE


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("europe", Region.EUROPE),
        ("EU", Region.EUROPE),
        ("APAC", Region.ASIA_PACIFIC),
        ("asia  PACIFIC", Region.ASIA_PACIFIC),
        ("Middle East & Africa", Region.MIDDLE_EAST_AFRICA),
        ("middle east and africa", Region.MIDDLE_EAST_AFRICA),
        ("MEA", Region.MIDDLE_EAST_AFRICA),
        ("AMER", Region.AMERICAS),
        ("Americas", Region.AMERICAS),
        ("", None),
        (None, None),
    ],
)
def test_parse_region(text: str | None, region: Region | None) -> None:
    assert parse_region(text) is region


def test_emea_is_rejected_as_ambiguous() -> None:
    with pytest.raises(InputError, match="'EMEA' spans two regions") as info:
        parse_region("EMEA")
    assert info.value.field == "region"


def test_unknown_region_name_lists_the_accepted_ones() -> None:
    with pytest.raises(InputError, match="region 'Mars' is not one of: Americas, Europe"):
        parse_region(" Mars ")


def test_resolve_region_override_wins() -> None:
    assert resolve_region("US", "Europe") == (Region.EUROPE, None)
    assert resolve_region(None, "apac") == (Region.ASIA_PACIFIC, None)
    assert resolve_region("us", None) == (Region.AMERICAS, None)


def test_resolve_region_warnings() -> None:
    assert resolve_region(None) == (Region.UNKNOWN, "no country given; region is Unknown")
    assert resolve_region("Germany") == (
        Region.UNKNOWN,
        "country 'Germany' is not an ISO 3166-1 alpha-2 code; region is Unknown",
    )
    assert resolve_region("ZZ") == (
        Region.UNKNOWN,
        "country 'ZZ' is not a known ISO 3166-1 alpha-2 code; region is Unknown",
    )
    with pytest.raises(InputError):
        resolve_region("DE", "EMEA")


def test_regions_for_countries_matches_scalar() -> None:
    values = ["de", " US ", None, "ZZ", "uk", pd.NA, "", "Germany", "kz"]
    series = pd.Series(values, dtype=object, index=range(10, 19))
    result = regions_for_countries(series)
    assert result.index.tolist() == list(range(10, 19))
    assert result.tolist() == [
        region_for_country(v if isinstance(v, str) else None) for v in values
    ]
    assert result.tolist()[:3] == ["Europe", "Americas", "Unknown"]
