"""Country → support region, and the ``region`` override of the customers file.

The table covers every ISO 3166-1 alpha-2 code (the 249 of ``iso3166.tab``) plus ``UK`` (reserved
by ISO for GB, widely written) and ``XK`` (Kosovo, user-assigned but in common use).

Borderline choices, decided once so that every report groups the same way:

- Europe: RU, BY, UA, MD, the Caucasus (GE, AM, AZ) and CY — served from European datacentres
  and support teams.
- Asia Pacific: Central and South Asia (KZ, KG, TJ, TM, UZ, AF, PK, BD, LK, NP, BT, MV), the
  Indian Ocean territory IO, and Antarctica (AQ) and HM, reached through Oceania.
- Middle East & Africa: TR (as the contract states), the Gulf, the Levant, IR, IQ, YE, and every
  African country and island (including the French ``RE``, ``YT`` and ``TF``, and ``SH``).
- Americas: Greenland (GL), Bermuda, the Caribbean, the Falklands (FK) and South Georgia (GS).
- Europe: Svalbard (SJ) and Bouvet Island (BV), both Norwegian.

Nothing here warns or raises for an unknown country: callers get ``Region.UNKNOWN`` and, from
:func:`resolve_region`, a warning text to report per row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from escalation_kit.errors import InputError
from escalation_kit.models import Region

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "COUNTRY_REGIONS",
    "normalize_countries",
    "normalize_country",
    "parse_region",
    "region_for_country",
    "regions_for_countries",
    "resolve_region",
    "unknown_country_warning",
]

_AMERICAS = (
    "AG AI AR AW BB BL BM BO BQ BR BS BZ CA CL CO CR CU CW DM DO EC FK GD GF GL GP GS GT GY HN HT "
    "JM KN KY LC MF MQ MS MX NI PA PE PM PR PY SR SV SX TC TT UM US UY VC VE VG VI"
)
_EUROPE = (
    "AD AL AM AT AX AZ BA BE BG BV BY CH CY CZ DE DK EE ES FI FO FR GB GE GG GI GR HR HU IE IM IS "
    "IT JE LI LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM UA UK VA XK"
)
_ASIA_PACIFIC = (
    "AF AQ AS AU BD BN BT CC CK CN CX FJ FM GU HK HM ID IN IO JP KG KH KI KP KR KZ LA LK MH MM MN "
    "MO MP MV MY NC NF NP NR NU NZ PF PG PH PK PN PW SB SG TH TJ TK TL TM TO TV TW UZ VN VU WF WS"
)
_MIDDLE_EAST_AFRICA = (
    "AE AO BF BH BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW IL IQ IR JO KE KM "
    "KW LB LR LS LY MA MG ML MR MU MW MZ NA NE NG OM PS QA RE RW SA SC SD SH SL SN SO SS ST SY SZ "
    "TD TF TG TN TR TZ UG YE YT ZA ZM ZW"
)

COUNTRY_REGIONS: dict[str, Region] = {
    code: region
    for codes, region in (
        (_AMERICAS, Region.AMERICAS),
        (_EUROPE, Region.EUROPE),
        (_ASIA_PACIFIC, Region.ASIA_PACIFIC),
        (_MIDDLE_EAST_AFRICA, Region.MIDDLE_EAST_AFRICA),
    )
    for code in codes.split()
}
"""Every known alpha-2 code (upper case) → its region."""

_REGION_NAMES: dict[str, Region] = {
    "americas": Region.AMERICAS,
    "amer": Region.AMERICAS,
    "ams": Region.AMERICAS,
    "latam": Region.AMERICAS,
    "north america": Region.AMERICAS,
    "south america": Region.AMERICAS,
    "europe": Region.EUROPE,
    "eu": Region.EUROPE,
    "eur": Region.EUROPE,
    "asia pacific": Region.ASIA_PACIFIC,
    "asia-pacific": Region.ASIA_PACIFIC,
    "asiapacific": Region.ASIA_PACIFIC,
    "apac": Region.ASIA_PACIFIC,
    "apj": Region.ASIA_PACIFIC,
    "middle east & africa": Region.MIDDLE_EAST_AFRICA,
    "middle east and africa": Region.MIDDLE_EAST_AFRICA,
    "middle east africa": Region.MIDDLE_EAST_AFRICA,
    "mea": Region.MIDDLE_EAST_AFRICA,
    "me&a": Region.MIDDLE_EAST_AFRICA,
}
_AMBIGUOUS_REGIONS = {
    "emea": "'EMEA' spans two regions; write 'Europe' or 'Middle East & Africa'",
    "apeu": "'APEU' spans two regions; write 'Asia Pacific' or 'Europe'",
}
_ACCEPTED = "Americas, Europe, Asia Pacific, Middle East & Africa (or AMER, EU, APAC, MEA)"


def normalize_country(code: str | None) -> str | None:
    """Upper-case, trimmed alpha-2 code (``UK`` → ``GB``), or None when empty or not two letters."""
    if code is None:
        return None
    text = str(code).strip().upper()
    if len(text) != 2 or not text.isascii() or not text.isalpha():
        return None
    return "GB" if text == "UK" else text


def region_for_country(code: str | None) -> Region:
    """The region of an ISO 3166-1 alpha-2 code, case- and space-insensitive; else ``Unknown``."""
    country = normalize_country(code)
    if country is None:
        return Region.UNKNOWN
    return COUNTRY_REGIONS.get(country, Region.UNKNOWN)


def parse_region(text: str | None) -> Region | None:
    """A region override as written in a customers file; None when empty.

    Accepts the four region names case-insensitively and common abbreviations (``Unknown``
    means no override, so an accepted customers frame can be read again); raises
    :class:`InputError` (field ``region``) for anything else, including the ambiguous ``EMEA``.
    """
    if text is None:
        return None
    key = " ".join(str(text).split()).casefold()
    if not key or key == "unknown":
        return None
    if key in _AMBIGUOUS_REGIONS:
        raise InputError(_AMBIGUOUS_REGIONS[key], field="region")
    if key in _REGION_NAMES:
        return _REGION_NAMES[key]
    raise InputError(f"region {str(text).strip()!r} is not one of: {_ACCEPTED}", field="region")


def resolve_region(country: str | None, override: str | None = None) -> tuple[Region, str | None]:
    """The region to use and, when it is ``Unknown``, a warning saying why.

    A valid ``override`` wins over the country; an invalid one raises :class:`InputError`.
    """
    chosen = parse_region(override)
    if chosen is not None:
        return chosen, None
    region = region_for_country(country)
    if region is not Region.UNKNOWN:
        return region, None
    return region, unknown_country_warning(country)


def unknown_country_warning(country: str | None) -> str:
    """The per-row warning text for a country that gives no region."""
    text = "" if country is None else str(country).strip()
    if not text:
        return "no country given; region is Unknown"
    if normalize_country(text) is None:
        return f"country {text!r} is not an ISO 3166-1 alpha-2 code; region is Unknown"
    return f"country {text!r} is not a known ISO 3166-1 alpha-2 code; region is Unknown"


def normalize_countries(codes: pd.Series) -> pd.Series:
    """Vectorized :func:`normalize_country`: upper-case alpha-2 codes (``str``) or missing."""
    text = codes.astype("str").str.strip().str.upper()
    valid = text.str.fullmatch("[A-Z]{2}", na=False)
    return text.where(valid).replace("UK", "GB")


def regions_for_countries(countries: pd.Series) -> pd.Series:
    """Vectorized :func:`region_for_country`: region values (``str``) for a series of codes."""
    import pandas as pd

    keys = countries.astype("str").str.strip().str.upper().replace("UK", "GB")
    names = {code: region.value for code, region in COUNTRY_REGIONS.items()}
    mapped = keys.map(names)
    return pd.Series(
        mapped.fillna(Region.UNKNOWN.value), index=countries.index, dtype="str", name="region"
    )
