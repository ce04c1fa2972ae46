"""The records of the data contracts: tickets, customers, health issues, decisions, escalations.

Records are frozen dataclasses; a state change returns a new record (``dataclasses.replace``).
Enumerations are ``StrEnum`` so that their values are the contract's strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal, TypeAlias

from escalation_kit.errors import InputError

__all__ = [
    "CUSTOMER_COLUMNS",
    "HISTORY_COLUMNS",
    "HISTORY_STATUSES",
    "ID_LENGTH",
    "NAME_LENGTH",
    "OPEN_STATUSES",
    "SERVICE_LENGTH",
    "TENANT_ID_LENGTH",
    "TICKET_COLUMNS",
    "TICKET_ID_LENGTH",
    "TRIAGE_OUTPUT_COLUMNS",
    "Category",
    "Customer",
    "Escalation",
    "EscalationStatus",
    "HealthIssue",
    "HealthPost",
    "Instant",
    "Region",
    "Severity",
    "Ticket",
    "TimeBound",
    "TriageDecision",
]


# The columns of the contract's files, in the contract's order (see the design contracts).
TICKET_COLUMNS = (
    "ticket_id",
    "tenant_id",
    "customer_name",
    "country",
    "service",
    "title",
    "description",
    "reported_at",
    "users_affected",
)
CUSTOMER_COLUMNS = ("tenant_id", "name", "country", "region")
TRIAGE_OUTPUT_COLUMNS = (
    "ticket_id",
    "category",
    "escalate",
    "matched_issue_id",
    "cluster_id",
    "region",
    "service",
    "severity",
    "confidence",
    "reasons",
    "recommended_action",
    "health_checked",
    "needs_review",
)
HISTORY_STATUSES = ("open", "attention_needed", "closed")
"""An escalation's status in the history (drafts are not history yet)."""
OPEN_STATUSES = ("open", "attention_needed")
"""The history statuses of an escalation Microsoft has not closed."""

# Longest text of the contract's bounded fields, in characters: the ledger's column widths
# (ledger/schema.py) and the intake limits (tickets, customers, history) are these.
ID_LENGTH = 64
"""Escalation, issue, run and cluster ids."""
TENANT_ID_LENGTH = 36
"""A tenant id: a GUID written with hyphens."""
SERVICE_LENGTH = 100
"""A (normalized) Microsoft service name."""
TICKET_ID_LENGTH = 200
NAME_LENGTH = 500
"""A customer's name, in the tickets and the customers files."""
Freq = Literal["D", "W", "M"]
FREQUENCIES: dict[str, str] = {"D": "day", "W": "week", "M": "month"}
"""Time-series periods, shared by the ledger's SQL buckets and the pandas metrics."""
Instant: TypeAlias = datetime | date | str
"""A point in time: a datetime (``pandas.Timestamp`` is one), a date or ISO 8601 text; naive
values and dates are UTC."""
TimeBound: TypeAlias = Instant | None
"""A period bound (``since``/``until``): an :data:`Instant`, or None to leave that side open."""


def check_freq(freq: str) -> Freq:
    """``freq`` when it is D, W or M; InputError otherwise."""
    if freq not in FREQUENCIES:
        raise InputError(f"freq {freq!r} is not one of: D (day), W (week), M (month)", field="freq")
    return freq  # type: ignore[return-value]


HISTORY_COLUMNS = (
    "escalation_id",
    "tenant_id",
    "country",
    "region",
    "service",
    "category",
    "severity",
    "created_at",
    "resolved_at",
    "status",
)


class Category(StrEnum):
    """The seven triage categories of the contract."""

    SELF_SERVICE = "self_service"
    KNOWN_ISSUE = "known_issue"
    SERVICE_NOT_AS_DESCRIBED = "service_not_as_described"
    SERVICE_UNAVAILABLE = "service_unavailable"
    BUG = "bug"
    NETWORK_DISRUPTION = "network_disruption"
    REGIONAL_MULTI_TENANT = "regional_multi_tenant"

    @property
    def escalate(self) -> bool:
        """Whether tickets of this category go to Microsoft."""
        return self not in (Category.SELF_SERVICE, Category.KNOWN_ISSUE)

    @classmethod
    def escalation_categories(cls) -> tuple[Category, ...]:
        return tuple(c for c in cls if c.escalate)


class Severity(StrEnum):
    """Partner Center's severity values (``unknown`` only when Microsoft sends it)."""

    CRITICAL = "critical"
    MODERATE = "moderate"
    MINIMAL = "minimal"
    UNKNOWN = "unknown"

    @classmethod
    def choices(cls) -> tuple[str, ...]:
        """The severities a partner chooses (``unknown`` is only ever Microsoft's)."""
        return tuple(s.value for s in cls if s is not cls.UNKNOWN)


class Region(StrEnum):
    """Support regions derived from the customer's country."""

    AMERICAS = "Americas"
    EUROPE = "Europe"
    ASIA_PACIFIC = "Asia Pacific"
    MIDDLE_EAST_AFRICA = "Middle East & Africa"
    UNKNOWN = "Unknown"


class EscalationStatus(StrEnum):
    """Where an escalation stands in its lifecycle.

    ``draft`` (package prepared, not yet filed) → ``open`` (filed and linked to a Partner Center
    request) ⇄ ``attention_needed`` → ``closed``. The history contract uses the last three.
    ``withdrawn``: a draft whose tickets an analyst overrode away from escalation (never filed).
    """

    DRAFT = "draft"
    WITHDRAWN = "withdrawn"
    OPEN = "open"
    ATTENTION_NEEDED = "attention_needed"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Customer:
    """A customer tenant of the partner."""

    tenant_id: str
    name: str = ""
    country: str | None = None
    region: Region = Region.UNKNOWN


@dataclass(frozen=True, slots=True)
class Ticket:
    """One customer problem as reported to the partner."""

    ticket_id: str
    tenant_id: str
    title: str
    reported_at: datetime
    customer_name: str = ""
    country: str | None = None
    service: str = ""
    description: str = ""
    users_affected: int | None = None
    region: Region = Region.UNKNOWN
    normalized_service: str | None = None


@dataclass(frozen=True, slots=True)
class HealthPost:
    """One update posted on a service health issue."""

    created: datetime | None
    post_type: str
    content: str
    content_type: str = "html"


@dataclass(frozen=True, slots=True)
class HealthIssue:
    """A documented service health issue (Graph ``serviceHealthIssue``) of one tenant.

    ``status``, ``classification`` and ``origin`` are kept as Microsoft sent them (values it adds
    later must never break us); ``raw`` is the original JSON object, for lossless round trips.
    """

    id: str
    tenant_id: str
    service: str
    title: str
    status: str
    classification: str
    origin: str
    start: datetime | None
    end: datetime | None
    last_modified: datetime | None
    is_resolved: bool
    feature: str = ""
    feature_group: str = ""
    impact_description: str = ""
    posts: tuple[HealthPost, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def active_at(self, when: datetime) -> bool:
        """True when the issue had started by ``when`` and had not ended before it."""
        if self.start is not None and self.start > when:
            return False
        return self.end is None or self.end >= when


@dataclass(frozen=True, slots=True)
class TriageDecision:
    """The triage outcome for one ticket: one row of the triage output contract."""

    ticket_id: str
    category: Category
    region: str
    service: str
    confidence: float
    reasons: str
    recommended_action: str
    matched_issue_id: str = ""
    cluster_id: str = ""
    severity: Severity | None = None
    health_checked: bool = False  # the snapshot held the tenant and was fresh enough
    needs_review: bool = False  # an analyst must confirm or override before drafting
    overridden: bool = False  # the analyst's override (the ledger's latest decision)

    @property
    def escalate(self) -> bool:
        return self.category.escalate


@dataclass(frozen=True, slots=True)
class Escalation:
    """One problem escalated (or to be escalated) to Microsoft, tracked to resolution."""

    escalation_id: str
    tracking_tag: str
    category: Category
    severity: Severity
    status: EscalationStatus
    title: str
    service: str
    region: str
    tenant_ids: tuple[str, ...]
    ticket_ids: tuple[str, ...]
    created_at: datetime
    service_request_id: str | None = None
    resolved_at: datetime | None = None
