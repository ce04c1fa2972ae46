"""A deterministic synthetic escalation history, for tests, benchmarks and demos at any size.

Vectorized with numpy: a million rows take a few seconds. The frame has the dtypes
:func:`~escalation_kit.intake.history.load_history` gives (a test checks it validates).
The shape is plausible, not real: fewer escalations at weekends, more from Europe and the
Americas, a few busy services, and a spike of ``regional_multi_tenant`` escalations in one
week so that anomaly detection has something to find.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from escalation_kit.intake.history_checks import (
    ESCALATION_CATEGORIES,
    HISTORY_SEVERITIES,
    HISTORY_STATUSES,
    REGIONS,
)
from escalation_kit.services import SERVICE_NAMES

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SYNTHETIC_SERVICES", "synthetic_history"]

# The ten most common services, in the order of their synthetic weights.
SYNTHETIC_SERVICES = SERVICE_NAMES[:10]
_COUNTRIES = {
    "Americas": ("US", "CA", "BR", "MX", "AR"),
    "Europe": ("GB", "DE", "FR", "NL", "ES", "IT", "PL", "SE"),
    "Asia Pacific": ("JP", "AU", "IN", "SG", "KR"),
    "Middle East & Africa": ("AE", "ZA", "SA", "EG", "NG"),
}
_REGION_WEIGHTS = (0.34, 0.38, 0.18, 0.10)


def synthetic_history(
    rows: int = 20_000,
    *,
    seed: int = 7,
    start: str = "2023-11-20T00:00:00Z",
    days: int = 3 * 365,
    tenants: int = 400,
    spike_week: int = 100,
) -> pd.DataFrame:
    """A typed history frame of ``rows`` escalations over ``days`` days (same seed, same frame)."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    origin = pd.Timestamp(start)
    offsets = _creation_offsets(rng, rows, days, first_weekday=origin.weekday())
    created = origin + pd.to_timedelta(offsets, unit="s")
    category = rng.choice(ESCALATION_CATEGORIES, size=rows, p=(0.22, 0.28, 0.30, 0.08, 0.12))
    spike = ((created - origin).days // 7 == spike_week) & (rng.random(rows) < 0.6)
    category = np.where(spike, "regional_multi_tenant", category)
    region, country = _geography(rng, rows)
    service_weights = np.array([10, 9, 7, 5, 5, 3, 3, 2, 2, 1], dtype=float)
    service = rng.choice(SYNTHETIC_SERVICES, size=rows, p=service_weights / service_weights.sum())
    resolved, status = _lifecycle(rng, created, horizon=origin + pd.Timedelta(days=days))
    severity = rng.choice(HISTORY_SEVERITIES, size=rows, p=(0.15, 0.6, 0.25))
    tenant = rng.integers(0, tenants, rows)
    return pd.DataFrame(
        {
            "escalation_id": pd.Series(np.arange(1, rows + 1)).map("ESC-{:07d}".format),
            "tenant_id": pd.Series(tenant).map("00000000-0000-4000-8000-{:012d}".format),
            "country": pd.Series(country, dtype="str"),
            "region": pd.Categorical(region, categories=REGIONS),
            "service": pd.Series(service, dtype="str"),
            "category": pd.Categorical(category, categories=ESCALATION_CATEGORIES),
            "severity": pd.Categorical(severity, categories=HISTORY_SEVERITIES),
            "created_at": pd.Series(created).astype("datetime64[us, UTC]"),
            "resolved_at": pd.Series(resolved).astype("datetime64[us, UTC]"),
            "status": pd.Categorical(status, categories=HISTORY_STATUSES),
        }
    )


def _geography(rng: np.random.Generator, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Regions (weighted) and a country of each region."""
    region_names = np.array(list(_COUNTRIES))
    region = region_names[rng.choice(len(region_names), size=rows, p=_REGION_WEIGHTS)]
    country = np.empty(rows, dtype=object)
    for name, codes in _COUNTRIES.items():
        mask = region == name
        country[mask] = rng.choice(codes, size=int(mask.sum()))
    return region, country.astype(str)


def _lifecycle(
    rng: np.random.Generator, created: pd.DatetimeIndex, *, horizon: pd.Timestamp
) -> tuple[pd.Index, np.ndarray]:
    """Resolution times (log-normal hours; NaT while open) and statuses. Still open: not
    resolved by the end of the span, plus 1% stuck ones."""
    import pandas as pd

    rows = len(created)
    hours = rng.lognormal(mean=3.2, sigma=0.9, size=rows)
    resolved = created + pd.to_timedelta(np.round(hours * 3600), unit="s")
    still_open = np.asarray(resolved > horizon) | (rng.random(rows) < 0.01)
    waiting = np.where(rng.random(rows) < 0.2, "attention_needed", "open")
    return resolved.where(~still_open), np.where(still_open, waiting, "closed")


def _creation_offsets(
    rng: np.random.Generator, rows: int, days: int, *, first_weekday: int
) -> np.ndarray:
    """Seconds after the start, sorted: fewer at weekends, a slow upward trend."""
    trend = rng.random(rows) < 0.4
    day = np.where(trend, rng.triangular(0, days, days, size=rows), rng.uniform(0, days, rows))
    day = np.minimum(day.astype(np.int64), days - 1)
    weekday = (day + first_weekday) % 7  # 0 = Monday
    weekend = weekday >= 5
    day = np.where(weekend & (rng.random(rows) < 0.6), day - (weekday - 4), day)  # to Friday
    day = np.maximum(day, 0)
    seconds = day * 86_400 + rng.integers(6 * 3600, 20 * 3600, size=rows)
    return np.sort(seconds)
