"""The sample's customers: realistic companies of a CSP partner in all four regions.

Each has the language its helpdesk writes in and a time zone, so that tickets arrive in local
business hours and, where the customer's system sends them so, with a local UTC offset.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass

from escalation_kit.regions import region_for_country
from escalation_kit.sample._data import load_yaml

__all__ = ["SampleCustomer", "sample_customers"]


@dataclass(frozen=True, slots=True)
class SampleCustomer:
    """One customer tenant of the sample."""

    tenant_id: str
    name: str
    country: str
    language: str
    timezone: str
    region: str  # the region used (derived from country, or the override below)
    region_override: str = ""


# name, country, language, time zone, region override
_COMPANIES: tuple[tuple[str, str, str, str, str], ...] = (
    ("Bluegrass Veterinary Partners", "US", "en", "America/New_York", ""),
    ("Summit Ridge Credit Union", "US", "en", "America/Denver", ""),
    ("Lakeshore Orthopedics PC", "US", "en", "America/Chicago", ""),
    ("Pacific Crest Realty", "US", "en", "America/Los_Angeles", ""),
    ("Gulf Coast Marine Supply", "US", "en", "America/Chicago", ""),
    ("Tidewater Engineering Group", "US", "en", "America/New_York", ""),
    ("Prairie Wind Insurance Brokers", "CA", "en", "America/Winnipeg", ""),
    ("Cabinet Juridique Beaulieu", "CA", "fr", "America/Toronto", ""),
    ("Okanagan Fresh Produce Ltd", "CA", "en", "America/Vancouver", ""),
    ("Distribuidora Monterrey del Norte", "MX", "es", "America/Monterrey", ""),
    ("Clínica Dental Sonrisa Jalisco", "MX", "es", "America/Mexico_City", ""),
    ("Agropecuária Vale Verde", "BR", "en", "America/Sao_Paulo", ""),
    ("Viña Cordillera SpA", "CL", "es", "America/Santiago", ""),
    ("Transportes Sabana SAS", "CO", "es", "America/Bogota", ""),
    ("Estudio Contable Rivadavia", "AR", "es", "America/Argentina/Buenos_Aires", ""),
    ("Minera Huascarán SAC", "PE", "es", "America/Lima", ""),
    ("Thameside Property Management", "GB", "en", "Europe/London", ""),
    ("Pennine Outdoor Retail Ltd", "GB", "en", "Europe/London", ""),
    ("Liffey Software Solutions", "IE", "en", "Europe/Dublin", ""),
    ("Hofmann Elektrotechnik GmbH", "DE", "de", "Europe/Berlin", ""),
    ("Steuerkanzlei Weber & Partner", "DE", "de", "Europe/Berlin", ""),
    ("Bäckerei Lindner KG", "DE", "de", "Europe/Berlin", ""),
    ("Tischlerei Aigner GmbH", "AT", "de", "Europe/Vienna", ""),
    ("Zürcher Vermögensberatung AG", "CH", "de", "Europe/Zurich", ""),
    ("Transports Girard et Fils", "FR", "fr", "Europe/Paris", ""),
    ("Pharmacie du Vieux Port", "FR", "fr", "Europe/Paris", ""),
    ("Agence Immobilière Meunier", "BE", "fr", "Europe/Brussels", ""),
    ("Construcciones Ebro SL", "ES", "es", "Europe/Madrid", ""),
    ("Bodegas Montsant SA", "ES", "es", "Europe/Madrid", ""),
    ("De Vries Accountants BV", "NL", "en", "Europe/Amsterdam", ""),
    ("Fjordline Seafood AS", "NO", "en", "Europe/Oslo", ""),
    ("Nordic Timber AB", "SE", "en", "Europe/Stockholm", ""),
    ("Officina Meccanica Bianchi Srl", "IT", "en", "Europe/Rome", ""),
    ("Wisła Logistics Sp. z o.o.", "PL", "en", "Europe/Warsaw", ""),
    ("Daugava Pharma SIA", "LV", "ru", "Europe/Riga", ""),
    ("Narva Metall OÜ", "EE", "ru", "Europe/Tallinn", ""),
    ("Kyrenia Yacht Charters Ltd", "CY", "ru", "Asia/Nicosia", ""),
    ("Ege Gıda Sanayi A.Ş.", "TR", "en", "Europe/Istanbul", "Europe"),
    ("Osaka Kogyo Parts KK", "JP", "en", "Asia/Tokyo", ""),
    ("Harbourside Physiotherapy Pty Ltd", "AU", "en", "Australia/Sydney", ""),
    ("Swan River Mining Services", "AU", "en", "Australia/Perth", ""),
    ("Kauri Coast Dairy Ltd", "NZ", "en", "Pacific/Auckland", ""),
    ("Deccan Data Labs Pvt Ltd", "IN", "en", "Asia/Kolkata", ""),
    ("Marina Bay Trading Pte Ltd", "SG", "en", "Asia/Singapore", ""),
    ("Gangnam Creative Studio", "KR", "en", "Asia/Seoul", ""),
    ("Visayas Outsourcing Corp.", "PH", "en", "Asia/Manila", ""),
    ("Chao Phraya Hotels Group", "TH", "en", "Asia/Bangkok", ""),
    ("Selangor Precision Sdn Bhd", "MY", "en", "Asia/Kuala_Lumpur", ""),
    ("Almaty Trade House LLP", "KZ", "ru", "Asia/Almaty", ""),
    ("Hong Kong Harbour Finance Ltd", "HK", "en", "Asia/Hong_Kong", ""),
    ("Falcon Bay Properties LLC", "AE", "en", "Asia/Dubai", ""),
    ("Najd Medical Supplies Co.", "SA", "en", "Asia/Riyadh", ""),
    ("Table Mountain Legal Inc.", "ZA", "en", "Africa/Johannesburg", ""),
    ("Karoo Solar (Pty) Ltd", "ZA", "en", "Africa/Johannesburg", ""),
    ("Giza Engineering Consultants", "EG", "en", "Africa/Cairo", ""),
    ("Eko Payments Ltd", "NG", "en", "Africa/Lagos", ""),
    ("Rift Valley Coffee Exporters", "KE", "en", "Africa/Nairobi", ""),
    ("Negev Medical Devices Ltd", "IL", "ru", "Asia/Jerusalem", ""),
    ("Atlas Distribution Maroc SARL", "MA", "fr", "Africa/Casablanca", "Europe"),
    ("Abidjan Cacao Négoce SA", "CI", "fr", "Africa/Abidjan", ""),
)


def sample_customers(seed: int) -> tuple[SampleCustomer, ...]:
    """The customers with tenant GUIDs that depend only on ``seed``."""
    rng = random.Random(f"customers|{seed}")
    customers = []
    for name, country, language, timezone, override in _COMPANIES:
        tenant_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        region = override or region_for_country(country).value
        customers.append(
            SampleCustomer(tenant_id, name, country, language, timezone, region, override)
        )
    return tuple(customers)


_ISPS: dict[str, list[str]] = load_yaml("isps.yaml")  # country -> providers


def internet_providers(country: str) -> list[str]:
    """Internet providers a company in ``country`` plausibly uses (for network tickets)."""
    return list(_ISPS.get(country, ["their ISP", "a backup line"]))
