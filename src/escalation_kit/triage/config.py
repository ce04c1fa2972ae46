"""The thresholds of triage, as one frozen value object with the contract's defaults.

The contract's numbers (3 tenants, 4 hours, 2 regions, 2 hours) are defaults a user can change:
pass ``TriageConfig(min_tenants=4)`` or build one with :meth:`TriageConfig.with_overrides`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from typing import Any

from escalation_kit.config import ENV_PREFIX
from escalation_kit.errors import ConfigError

__all__ = [
    "DEFAULT_BREADTH_MIN_USERS",
    "DEFAULT_MATCH_THRESHOLD",
    "DEFAULT_MATCH_TOLERANCE",
    "DEFAULT_MAX_HEALTH_AGE",
    "DEFAULT_MIN_TENANTS",
    "DEFAULT_NETWORK_WINDOW",
    "DEFAULT_WINDOW",
    "MAX_HEALTH_AGE_ENV",
    "REVIEW_THRESHOLD_ENV",
    "TriageConfig",
]

DEFAULT_MIN_TENANTS = 3
DEFAULT_WINDOW = timedelta(hours=4)
DEFAULT_NETWORK_WINDOW = timedelta(hours=2)
DEFAULT_NETWORK_MIN_REGIONS = 2
DEFAULT_NETWORK_MIN_SERVICES = 3
DEFAULT_NETWORK_MIN_TENANTS = 2
DEFAULT_MATCH_TOLERANCE = timedelta(0)
DEFAULT_MATCH_THRESHOLD = 0.6
DEFAULT_BREADTH_MIN_USERS = 2
DEFAULT_MAX_HEALTH_AGE = timedelta(hours=24)
MAX_HEALTH_AGE_ENV = "ESCALATION_KIT_MAX_HEALTH_AGE_HOURS"
#: Review threshold of the content rules when no learned model is used (their confidence is a
#: heuristic; with a model the default is the model's own threshold, chosen on CV folds).
DEFAULT_RULES_REVIEW_THRESHOLD = 0.5
REVIEW_THRESHOLD_ENV = ENV_PREFIX + "REVIEW_THRESHOLD"


def _threshold_from_env() -> float | None:
    value = os.environ.get(REVIEW_THRESHOLD_ENV, "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise ConfigError(
            f"{REVIEW_THRESHOLD_ENV} must be a number in [0, 1], got {value!r}"
        ) from None


@dataclass(frozen=True, slots=True)
class TriageConfig:
    """Every tunable number of triage.

    ``min_tenants``/``window``: a regional multi-tenant cluster needs this many distinct tenants of
    one region reporting one service within the window. ``network_*``: connectivity-level reports
    within ``network_window`` form a network disruption when they come from ``network_min_regions``
    regions, or touch ``network_min_services`` services, from ``network_min_tenants`` tenants.
    ``match_tolerance`` lets a documented issue that started shortly after the report still match
    (default 0: the contract's ``start <= reported_at``, which the labelled set follows literally);
    ``match_threshold`` is the lowest symptom similarity (0..1) accepted as a match.
    ``breadth_min_users``: (content rules without a model) a ticket no rule explains stays
    ``self_service`` unless at least this many users are affected; then it is a ``bug`` to review.
    ``review_threshold``: a content decision whose calibrated probability is below it gets
    ``needs_review=true``; None (default, or ``ESCALATION_KIT_REVIEW_THRESHOLD``) uses the
    threshold stored with the model, chosen on cross-validation folds.
    ``max_health_age``: a ticket's health check counts (``health_checked``) only when the snapshot
    holds its tenant and was fetched no longer than this before the ticket was reported (default
    24 h; :meth:`from_env` reads ``ESCALATION_KIT_MAX_HEALTH_AGE_HOURS``).
    """

    min_tenants: int = DEFAULT_MIN_TENANTS
    window: timedelta = DEFAULT_WINDOW
    network_window: timedelta = DEFAULT_NETWORK_WINDOW
    network_min_regions: int = DEFAULT_NETWORK_MIN_REGIONS
    network_min_services: int = DEFAULT_NETWORK_MIN_SERVICES
    network_min_tenants: int = DEFAULT_NETWORK_MIN_TENANTS
    match_tolerance: timedelta = DEFAULT_MATCH_TOLERANCE
    match_threshold: float = DEFAULT_MATCH_THRESHOLD
    breadth_min_users: int = DEFAULT_BREADTH_MIN_USERS
    max_health_age: timedelta = DEFAULT_MAX_HEALTH_AGE
    review_threshold: float | None = field(default_factory=_threshold_from_env)
    show_progress: bool = False

    def __post_init__(self) -> None:
        for name in ("min_tenants", "network_min_regions", "network_min_services"):
            if getattr(self, name) < 2:
                raise ConfigError(
                    f"TriageConfig.{name} must be at least 2, got {getattr(self, name)}"
                )
        if self.network_min_tenants < 1:
            raise ConfigError("TriageConfig.network_min_tenants must be at least 1")
        for name in ("window", "network_window", "max_health_age"):
            if getattr(self, name) <= timedelta(0):
                raise ConfigError(f"TriageConfig.{name} must be a positive duration")
        if self.match_tolerance < timedelta(0):
            raise ConfigError("TriageConfig.match_tolerance must not be negative")
        if self.breadth_min_users < 1:
            raise ConfigError("TriageConfig.breadth_min_users must be at least 1")
        if self.review_threshold is not None and not 0.0 <= self.review_threshold <= 1.0:
            raise ConfigError("TriageConfig.review_threshold must be in [0, 1]")
        if not 0.0 < self.match_threshold <= 1.0:
            raise ConfigError("TriageConfig.match_threshold must be in (0, 1]")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> TriageConfig:
        """Defaults, then ``ESCALATION_KIT_MAX_HEALTH_AGE_HOURS``, then non-None overrides."""
        env = os.environ if environ is None else environ
        raw = (env.get(MAX_HEALTH_AGE_ENV) or "").strip()
        config = cls()
        if raw:
            try:
                hours = float(raw)
            except ValueError:
                hours = -1.0
            if not hours > 0:
                raise ConfigError(
                    f"{MAX_HEALTH_AGE_ENV}={raw!r} must be a positive number of hours"
                )
            config = replace(config, max_health_age=timedelta(hours=hours))
        return config.with_overrides(**overrides)

    def with_overrides(self, **overrides: Any) -> TriageConfig:
        """A copy with the given non-None settings changed; unknown names are a ConfigError."""
        given = {k: v for k, v in overrides.items() if v is not None}
        unknown = set(given) - {f.name for f in fields(self)}
        if unknown:
            raise ConfigError(f"unknown triage setting(s): {', '.join(sorted(unknown))}")
        return replace(self, **given)
