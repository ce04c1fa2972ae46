"""Three years of escalation history with the patterns a partner really sees.

Weekday rhythm (few escalations at weekends), seasonality (busy January and September, quiet
August and late December), slow growth, incident days (bursts of regional_multi_tenant and
service_unavailable escalations in one region and service), multi-region network events, and
time to resolve drawn lognormally by severity and category; the latest weeks are partly open.
Pure ``random.Random`` so that the file is byte-identical across platforms and numpy versions.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from escalation_kit.models import HISTORY_COLUMNS as CONTRACT_HISTORY_COLUMNS
from escalation_kit.regions import region_for_country
from escalation_kit.sample.customers import SampleCustomer

__all__ = ["HISTORY_COLUMNS", "HistoryRow", "escalation_history"]

HISTORY_COLUMNS = CONTRACT_HISTORY_COLUMNS
YEARS = 3
DAILY_BASE = 18.6  # escalations on an average weekday of the first year
_WEEKDAY = (1.15, 1.1, 1.05, 1.0, 0.9, 0.22, 0.16)
_MONTH = (1.3, 1.05, 1.0, 0.95, 0.95, 0.9, 0.8, 0.72, 1.25, 1.1, 1.05, 0.82)
_REGIONS = {  # weight, UTC offset of a typical office, countries of extra tenants
    "Americas": (0.36, -5, ("US", "US", "US", "CA", "MX", "BR", "CO", "CL", "AR")),
    "Europe": (0.38, 1, ("GB", "DE", "FR", "NL", "ES", "IT", "SE", "PL", "CH", "IE")),
    "Asia Pacific": (0.16, 8, ("AU", "JP", "SG", "IN", "NZ", "KR", "HK")),
    "Middle East & Africa": (0.10, 3, ("AE", "ZA", "SA", "IL", "EG", "NG", "KE")),
}
_SERVICES = {
    "Exchange Online": 10,
    "Microsoft Teams": 9,
    "SharePoint Online": 7,
    "OneDrive for Business": 5,
    "Microsoft Entra": 5,
    "Microsoft Intune": 4,
    "Microsoft 365 apps": 3,
    "Power BI": 2,
    "Microsoft 365 suite": 2,
    "Planner": 1,
    "Microsoft Forms": 0.5,
    "Dynamics 365 Apps": 1.5,
}
_CATEGORIES = {
    "bug": 0.31,
    "service_not_as_described": 0.22,
    "service_unavailable": 0.25,
    "network_disruption": 0.07,
    "regional_multi_tenant": 0.15,
}
_SEVERITY = {  # critical, moderate, minimal
    "service_unavailable": (0.45, 0.45, 0.10),
    "regional_multi_tenant": (0.55, 0.40, 0.05),
    "network_disruption": (0.50, 0.40, 0.10),
    "bug": (0.10, 0.60, 0.30),
    "service_not_as_described": (0.03, 0.47, 0.50),
}
_MEDIAN_HOURS = {"critical": 8.0, "moderate": 36.0, "minimal": 96.0}
_CATEGORY_SPEED = {
    "service_unavailable": 0.7,
    "regional_multi_tenant": 0.6,
    "network_disruption": 0.5,
    "bug": 1.4,
    "service_not_as_described": 2.0,
}


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One escalation of the history (contract "escalation history" columns)."""

    tenant_id: str
    country: str
    region: str
    service: str
    category: str
    severity: str
    created_at: datetime
    resolved_at: datetime | None
    status: str


_Incident = Callable[[random.Random, list["_Tenant"], datetime, datetime], list[HistoryRow]]


@dataclass(frozen=True, slots=True)
class _Tenant:
    tenant_id: str
    country: str
    region: str
    weight: float


def escalation_history(
    customers: Sequence[SampleCustomer],
    *,
    seed: int,
    anchor: datetime,
    extra_tenants: int = 340,
    progress: bool = False,
) -> list[HistoryRow]:
    """Escalations of the ``YEARS`` years before ``anchor``, oldest first."""
    from tqdm.auto import tqdm

    rng = random.Random(f"history|{seed}")
    tenants = _tenants(customers, extra_tenants, rng)
    start = anchor - timedelta(days=365 * YEARS + 1)
    days = (anchor - start).days
    incidents = _incident_days(rng, days)
    rows: list[HistoryRow] = []
    for offset in tqdm(range(days), desc="history", unit="day", disable=not progress):
        day = start + timedelta(days=offset)
        rows.extend(_ordinary_day(rng, tenants, day, offset, days, anchor))
        for incident in incidents.get(offset, ()):
            rows.extend(incident(rng, tenants, day, anchor))
    rows.sort(key=lambda r: (r.created_at, r.tenant_id))
    return rows


def _tenants(customers: Sequence[SampleCustomer], extra: int, rng: random.Random) -> list[_Tenant]:
    """The sample's customers plus other customers of the partner; a few escalate a lot."""
    tenants = [_Tenant(c.tenant_id, c.country, c.region, rng.paretovariate(1.6)) for c in customers]
    names, weights = list(_REGIONS), [w for w, _, _ in _REGIONS.values()]
    for _ in range(extra):
        region = rng.choices(names, weights)[0]
        country = rng.choice(_REGIONS[region][2])
        tenant_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        region = region_for_country(country).value  # the contract's table decides
        tenants.append(_Tenant(tenant_id, country, region, rng.paretovariate(1.6)))
    return tenants


def _ordinary_day(
    rng: random.Random,
    tenants: list[_Tenant],
    day: datetime,
    offset: int,
    days: int,
    anchor: datetime,
) -> Iterator[HistoryRow]:
    growth = 1.0 + 0.35 * offset / days
    expected = DAILY_BASE * _WEEKDAY[day.weekday()] * _MONTH[day.month - 1] * growth
    if day.month == 12 and day.day >= 22:
        expected *= 0.45  # holidays
    services, service_weights = list(_SERVICES), list(_SERVICES.values())
    categories, category_weights = list(_CATEGORIES), list(_CATEGORIES.values())
    for _ in range(_poisson(rng, expected)):
        tenant = _pick_tenant(rng, tenants, None)
        created = _office_moment(rng, day, tenant.region)
        service = rng.choices(services, service_weights)[0]
        category = rng.choices(categories, category_weights)[0]
        yield _row(rng, tenant, service, category, created, anchor)


def _incident_days(rng: random.Random, days: int) -> dict[int, list[_Incident]]:
    """About one big regional incident a fortnight and a network event every half year."""
    plan: dict[int, list[_Incident]] = {}
    for _ in range(days // 14):
        plan.setdefault(rng.randrange(days), []).append(_regional_incident)
    for _ in range(YEARS * 2):
        plan.setdefault(rng.randrange(days), []).append(_network_event)
    return plan


def _regional_incident(
    rng: random.Random, tenants: list[_Tenant], day: datetime, anchor: datetime
) -> list[HistoryRow]:
    """Many tenants of one region escalate one service within a few hours."""
    names, weights = list(_REGIONS), [w for w, _, _ in _REGIONS.values()]
    region = rng.choices(names, weights)[0]
    service = rng.choices(list(_SERVICES), list(_SERVICES.values()))[0]
    begin = _office_moment(rng, day, region)
    rows = []
    for _ in range(rng.randint(12, 55)):
        tenant = _pick_tenant(rng, tenants, region)
        created = begin + timedelta(minutes=rng.uniform(0, 300))
        category = "regional_multi_tenant" if rng.random() < 0.7 else "service_unavailable"
        rows.append(_row(rng, tenant, service, category, created, anchor, critical=0.75))
    return rows


def _network_event(
    rng: random.Random, tenants: list[_Tenant], day: datetime, anchor: datetime
) -> list[HistoryRow]:
    """A network disruption reported from two or three regions within two hours."""
    begin = day + timedelta(hours=rng.uniform(6, 16))
    regions = rng.sample(list(_REGIONS), rng.randint(2, 3))
    rows = []
    for _ in range(rng.randint(10, 30)):
        tenant = _pick_tenant(rng, tenants, rng.choice(regions))
        created = begin + timedelta(minutes=rng.uniform(0, 120))
        service = rng.choice(("Microsoft 365 suite", "Microsoft Teams", "Exchange Online"))
        rows.append(_row(rng, tenant, service, "network_disruption", created, anchor, critical=0.6))
    return rows


def _row(
    rng: random.Random,
    tenant: _Tenant,
    service: str,
    category: str,
    created: datetime,
    anchor: datetime,
    *,
    critical: float | None = None,
) -> HistoryRow:
    """One escalation; resolved after a lognormal time unless that lies beyond the anchor."""
    severity = _severity(rng, category, critical)
    median = _MEDIAN_HOURS[severity] * _CATEGORY_SPEED[category]
    hours = median * math.exp(rng.gauss(0.0, 0.9))
    resolved_at = created + timedelta(seconds=round(hours * 3600))
    stuck = rng.random() < 0.004  # a few never got an answer from Microsoft
    facts = (tenant.tenant_id, tenant.country, tenant.region, service, category, severity, created)
    if resolved_at < anchor and not stuck:
        return HistoryRow(*facts, resolved_at, "closed")
    attention = rng.random() < (0.6 if stuck else 0.25)
    return HistoryRow(*facts, None, "attention_needed" if attention else "open")


def _severity(rng: random.Random, category: str, critical: float | None) -> str:
    if critical is not None:
        return "critical" if rng.random() < critical else "moderate"
    return rng.choices(("critical", "moderate", "minimal"), _SEVERITY[category])[0]


def _pick_tenant(rng: random.Random, tenants: list[_Tenant], region: str | None) -> _Tenant:
    pool = tenants if region is None else [t for t in tenants if t.region == region]
    return rng.choices(pool, [t.weight for t in pool])[0]


def _office_moment(rng: random.Random, day: datetime, region: str) -> datetime:
    """A time in the region's office hours (in UTC), to the second."""
    local_hour = min(19.0, max(7.0, rng.gauss(11.5, 2.8)))
    hours = local_hour - _REGIONS[region][1]
    return day + timedelta(seconds=round(hours * 3600))


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method; the means here are small)."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count
